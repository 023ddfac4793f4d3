package dev.siphon.http.h2;

import dev.siphon.http.config.Bounds;
import dev.siphon.http.h2.hpack.HpackDecoder;

/**
 * HTTP/2 limits of the engine ({@code engine.http2:} in http.yaml): what we advertise in SETTINGS
 * and the abuse budgets we enforce. Immutable; shared by every session.
 *
 * @param headerTableSize         SETTINGS_HEADER_TABLE_SIZE: our HPACK decoder's dynamic table
 * @param maxConcurrentStreams    SETTINGS_MAX_CONCURRENT_STREAMS; more → RST_STREAM REFUSED_STREAM
 * @param initialWindowSize       SETTINGS_INITIAL_WINDOW_SIZE: each request stream's receive window
 * @param connectionWindowSize    the connection's receive window (raised from 65,535 by WINDOW_UPDATE)
 * @param maxFrameSize            SETTINGS_MAX_FRAME_SIZE; a larger frame → FRAME_SIZE_ERROR
 * @param maxHeaderListSize       SETTINGS_MAX_HEADER_LIST_SIZE; a larger decoded list → 431
 * @param maxContinuationFrames   CONTINUATION frames allowed in one header block
 * @param maxHeaderBlockBytes     encoded octets allowed in one header block (HEADERS + CONTINUATION)
 * @param maxResets               streams reset before completion (by the peer, or by us for its
 *                                errors) per {@code resetWindowMs}; more → GOAWAY ENHANCE_YOUR_CALM
 * @param resetWindowMs           the window of {@code maxResets} and {@code maxEmptyDataFrames}
 * @param maxEmptyDataFrames      empty DATA frames without END_STREAM per {@code resetWindowMs}
 * @param maxQueuedControlFrames  our answers to control frames (PING/SETTINGS acks, RST_STREAM)
 *                                queued while the peer does not read; more → close
 * @param maxQueuedBytes          bytes queued for the socket above which we stop reading
 * @param maxConnectionBodyBytes  request-body bytes all streams of one connection may hold: declared
 *                                lengths from their HEADERS, bodies without one as they arrive
 *                                (never less than the listener's {@code max_body_bytes} in effect);
 *                                a stream that would pass it → RST_STREAM REFUSED_STREAM
 * @param settingsTimeoutMs       time the peer has to acknowledge our SETTINGS; over → GOAWAY
 *                                SETTINGS_TIMEOUT (RFC 9113 §6.5.3)
 * @param shutdownPingTimeoutMs   graceful shutdown: longest wait for the PING sent after the first
 *                                GOAWAY to come back before the final GOAWAY is sent anyway
 * @param maxDispatchedStreams    requests of one connection handed to handlers and not yet answered;
 *                                complete requests beyond it wait in the connection, in arrival order,
 *                                so one connection takes no more than this of the workers' queues
 */
public record Http2Settings(int headerTableSize, int maxConcurrentStreams, int initialWindowSize,
                            int connectionWindowSize, int maxFrameSize, int maxHeaderListSize,
                            int maxContinuationFrames, int maxHeaderBlockBytes, int maxResets, long resetWindowMs,
                            int maxEmptyDataFrames, int maxQueuedControlFrames, long maxQueuedBytes,
                            long maxConnectionBodyBytes, long settingsTimeoutMs, long shutdownPingTimeoutMs,
                            int maxDispatchedStreams) {

    /** RFC 9113 §6.5.2: the smallest SETTINGS_MAX_FRAME_SIZE, and the initial value. */
    public static final int MIN_MAX_FRAME_SIZE = 16_384;
    /** RFC 9113 §6.5.2: the largest SETTINGS_MAX_FRAME_SIZE. */
    public static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
    /** RFC 9113 §6.9.2: the largest flow-control window. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;
    /** RFC 9113 §6.9.2: every window starts at 65,535 until SETTINGS / WINDOW_UPDATE change it. */
    public static final int DEFAULT_WINDOW = 65_535;
    /** Largest HPACK dynamic table we agree to keep per connection (memory the peer can make us hold). */
    public static final int MAX_HEADER_TABLE_SIZE = 1 << 20;
    /** Octets of a frame header (RFC 9113 §4.1): a frame needs {@code maxFrameSize + this} of read buffer. */
    public static final int FRAME_HEADER_LENGTH = FrameType.HEADER_LENGTH;
    /** Most open streams per connection: each holds its state and, until answered, its request. */
    public static final int MAX_CONCURRENT_STREAMS = 10_000;
    /** Largest decoded header list, and largest encoded header block, one request may bring: 4 MiB. */
    public static final int MAX_HEADER_LIST_SIZE = 4 * 1024 * 1024;
    public static final int MAX_HEADER_BLOCK_BYTES = MAX_HEADER_LIST_SIZE;
    /** Most CONTINUATION frames per block: the largest block fits in 256 frames of the smallest size. */
    public static final int MAX_CONTINUATION_FRAMES = 10_000;
    /** Most resets, or empty DATA frames, per window: counters only, but above this the protection is gone. */
    public static final int MAX_EVENTS_PER_WINDOW = 1_000_000;
    /** Most control-frame answers queued for a peer that does not read (a few dozen bytes each). */
    public static final int MAX_QUEUED_CONTROL_FRAMES = 100_000;
    /** Most output queued for one connection before it stops being read. */
    public static final long MAX_QUEUED_BYTES = 1L << 30;
    /** Most request-body octets buffered on one connection, all streams together: 16 bodies at the largest cap. */
    public static final long MAX_CONNECTION_BODY_BYTES = 16L << 30;

    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 1 << 20;
    public static final int DEFAULT_MAX_CONTINUATION_FRAMES = 32;
    public static final int DEFAULT_MAX_HEADER_BLOCK_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_RESETS = 200;
    public static final long DEFAULT_RESET_WINDOW_MS = 30_000;
    public static final int DEFAULT_MAX_EMPTY_DATA_FRAMES = 100;
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;
    public static final long DEFAULT_MAX_QUEUED_BYTES = 4L << 20;
    public static final long DEFAULT_MAX_CONNECTION_BODY_BYTES = 8L << 20;
    public static final long DEFAULT_SETTINGS_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_SHUTDOWN_PING_TIMEOUT_MS = 1_000;
    /** As many as HTTP/1.1's {@code max_pipelined}: 64 connections fill one Python worker's queue of 1,024, not 10. */
    public static final int DEFAULT_MAX_DISPATCHED_STREAMS = 16;

    public Http2Settings {
        Bounds.check("headerTableSize", headerTableSize, 0, MAX_HEADER_TABLE_SIZE);
        Bounds.check("maxConcurrentStreams", maxConcurrentStreams, 1, MAX_CONCURRENT_STREAMS);
        Bounds.check("initialWindowSize", initialWindowSize, 0, MAX_WINDOW);
        Bounds.check("connectionWindowSize", connectionWindowSize, DEFAULT_WINDOW, MAX_WINDOW);
        Bounds.check("maxFrameSize", maxFrameSize, MIN_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
        Bounds.check("maxHeaderListSize", maxHeaderListSize, 1, MAX_HEADER_LIST_SIZE);
        Bounds.check("maxContinuationFrames", maxContinuationFrames, 0, MAX_CONTINUATION_FRAMES);
        Bounds.check("maxHeaderBlockBytes", maxHeaderBlockBytes, 1, MAX_HEADER_BLOCK_BYTES);
        Bounds.check("maxResets", maxResets, 1, MAX_EVENTS_PER_WINDOW);
        Bounds.check("resetWindowMs", resetWindowMs, 1, Bounds.MAX_TIMEOUT_MS);
        Bounds.check("maxEmptyDataFrames", maxEmptyDataFrames, 0, MAX_EVENTS_PER_WINDOW);
        Bounds.check("maxQueuedControlFrames", maxQueuedControlFrames, 1, MAX_QUEUED_CONTROL_FRAMES);
        Bounds.check("maxQueuedBytes", maxQueuedBytes, 1, MAX_QUEUED_BYTES);
        Bounds.check("maxConnectionBodyBytes", maxConnectionBodyBytes, 0, MAX_CONNECTION_BODY_BYTES);
        Bounds.check("settingsTimeoutMs", settingsTimeoutMs, 1, Bounds.MAX_TIMEOUT_MS);
        Bounds.check("shutdownPingTimeoutMs", shutdownPingTimeoutMs, 1, Bounds.MAX_TIMEOUT_MS);
        Bounds.check("maxDispatchedStreams", maxDispatchedStreams, 1, MAX_CONCURRENT_STREAMS);
    }

    public static Http2Settings defaults() {
        return new Http2Settings(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_WINDOW,
                DEFAULT_CONNECTION_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE,
                DEFAULT_MAX_CONTINUATION_FRAMES, DEFAULT_MAX_HEADER_BLOCK_BYTES, DEFAULT_MAX_RESETS,
                DEFAULT_RESET_WINDOW_MS, DEFAULT_MAX_EMPTY_DATA_FRAMES, DEFAULT_MAX_QUEUED_CONTROL_FRAMES,
                DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_CONNECTION_BODY_BYTES, DEFAULT_SETTINGS_TIMEOUT_MS,
                DEFAULT_SHUTDOWN_PING_TIMEOUT_MS, DEFAULT_MAX_DISPATCHED_STREAMS);
    }

    public Http2Settings withHeaderTableSize(int v) {
        return new Http2Settings(v, maxConcurrentStreams, initialWindowSize, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxConcurrentStreams(int v) {
        return new Http2Settings(headerTableSize, v, initialWindowSize, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withInitialWindowSize(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, v, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withConnectionWindowSize(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, v, maxFrameSize,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxFrameSize(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize, v,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxHeaderListSize(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, v, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxContinuationFrames(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, v, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxHeaderBlockBytes(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, v, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxResets(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, v, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withResetWindowMs(long v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, v,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxEmptyDataFrames(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                v, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxQueuedControlFrames(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, v, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxQueuedBytes(long v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, v, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withMaxConnectionBodyBytes(long v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, v, settingsTimeoutMs,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withSettingsTimeoutMs(long v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, v,
                shutdownPingTimeoutMs, maxDispatchedStreams);
    }

    public Http2Settings withShutdownPingTimeoutMs(long v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs, v,
                maxDispatchedStreams);
    }

    public Http2Settings withMaxDispatchedStreams(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes, maxConnectionBodyBytes, settingsTimeoutMs,
                shutdownPingTimeoutMs, v);
    }
}

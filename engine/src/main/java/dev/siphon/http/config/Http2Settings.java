package dev.siphon.http.config;

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
    public static final int FRAME_HEADER_LENGTH = 9;
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

    /**
     * The keys of {@code engine.http2}, declared once: the loader reads them, the constructor
     * checks their bounds, and a test holds docs/configuration.md to them. A new setting is a
     * component of this record and a line here (and its row in the docs).
     */
    public static final Section SECTION = Section.of("engine.http2",
            Setting.integer("max_concurrent_streams", "maxConcurrentStreams", 1, MAX_CONCURRENT_STREAMS,
                    DEFAULT_MAX_CONCURRENT_STREAMS, "SETTINGS_MAX_CONCURRENT_STREAMS: open request streams per connection"),
            Setting.integer("initial_window_size", "initialWindowSize", 0, MAX_WINDOW, DEFAULT_WINDOW,
                    "SETTINGS_INITIAL_WINDOW_SIZE: each request stream's receive window"),
            Setting.integer("connection_window_size", "connectionWindowSize", DEFAULT_WINDOW, MAX_WINDOW,
                    DEFAULT_CONNECTION_WINDOW_SIZE, "the connection's receive window, all streams together"),
            Setting.integer("max_frame_size", "maxFrameSize", MIN_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE,
                    MIN_MAX_FRAME_SIZE, "SETTINGS_MAX_FRAME_SIZE: the largest frame payload accepted"),
            Setting.integer("header_table_size", "headerTableSize", 0, MAX_HEADER_TABLE_SIZE,
                    HpackDecoder.DEFAULT_MAX_TABLE_SIZE, "SETTINGS_HEADER_TABLE_SIZE: our HPACK decoder's dynamic table"),
            Setting.integer("max_header_list_size", "maxHeaderListSize", 1, MAX_HEADER_LIST_SIZE,
                    HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE,
                    "SETTINGS_MAX_HEADER_LIST_SIZE: decoded size of a request's header list; larger -> 431"),
            Setting.integer("max_continuation_frames", "maxContinuationFrames", 0, MAX_CONTINUATION_FRAMES,
                    DEFAULT_MAX_CONTINUATION_FRAMES, "CONTINUATION frames allowed in one header block"),
            Setting.integer("max_header_block_bytes", "maxHeaderBlockBytes", 1, MAX_HEADER_BLOCK_BYTES,
                    DEFAULT_MAX_HEADER_BLOCK_BYTES, "encoded octets allowed in one header block"),
            Setting.integer("max_resets", "maxResets", 1, MAX_EVENTS_PER_WINDOW, DEFAULT_MAX_RESETS,
                    "streams reset before completion per reset_window_ms; more -> GOAWAY ENHANCE_YOUR_CALM"),
            Setting.integer("reset_window_ms", "resetWindowMs", 1, Bounds.MAX_TIMEOUT_MS, DEFAULT_RESET_WINDOW_MS,
                    "the window of max_resets and max_empty_data_frames"),
            Setting.integer("max_empty_data_frames", "maxEmptyDataFrames", 0, MAX_EVENTS_PER_WINDOW,
                    DEFAULT_MAX_EMPTY_DATA_FRAMES, "empty DATA frames without END_STREAM per reset_window_ms"),
            Setting.integer("max_queued_control_frames", "maxQueuedControlFrames", 1, MAX_QUEUED_CONTROL_FRAMES,
                    DEFAULT_MAX_QUEUED_CONTROL_FRAMES, "answers to control frames queued for a peer that does not read"),
            Setting.integer("max_queued_bytes", "maxQueuedBytes", 1, MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_BYTES,
                    "bytes queued for the socket above which the connection is not read"),
            Setting.integer("max_connection_body_bytes", "maxConnectionBodyBytes", 0, MAX_CONNECTION_BODY_BYTES,
                    DEFAULT_MAX_CONNECTION_BODY_BYTES, "request-body octets one connection may hold, all streams together"),
            Setting.integer("settings_timeout_ms", "settingsTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS,
                    DEFAULT_SETTINGS_TIMEOUT_MS, "time the peer has to acknowledge our SETTINGS"),
            Setting.integer("shutdown_ping_timeout_ms", "shutdownPingTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS,
                    DEFAULT_SHUTDOWN_PING_TIMEOUT_MS, "graceful shutdown: longest wait for the PING after the first GOAWAY"),
            Setting.integer("max_dispatched_streams", "maxDispatchedStreams", 1, MAX_CONCURRENT_STREAMS,
                    DEFAULT_MAX_DISPATCHED_STREAMS, "requests of one connection handed to handlers and not yet answered"));

    public Http2Settings {
        SECTION.check("headerTableSize", headerTableSize);
        SECTION.check("maxConcurrentStreams", maxConcurrentStreams);
        SECTION.check("initialWindowSize", initialWindowSize);
        SECTION.check("connectionWindowSize", connectionWindowSize);
        SECTION.check("maxFrameSize", maxFrameSize);
        SECTION.check("maxHeaderListSize", maxHeaderListSize);
        SECTION.check("maxContinuationFrames", maxContinuationFrames);
        SECTION.check("maxHeaderBlockBytes", maxHeaderBlockBytes);
        SECTION.check("maxResets", maxResets);
        SECTION.check("resetWindowMs", resetWindowMs);
        SECTION.check("maxEmptyDataFrames", maxEmptyDataFrames);
        SECTION.check("maxQueuedControlFrames", maxQueuedControlFrames);
        SECTION.check("maxQueuedBytes", maxQueuedBytes);
        SECTION.check("maxConnectionBodyBytes", maxConnectionBodyBytes);
        SECTION.check("settingsTimeoutMs", settingsTimeoutMs);
        SECTION.check("shutdownPingTimeoutMs", shutdownPingTimeoutMs);
        SECTION.check("maxDispatchedStreams", maxDispatchedStreams);
    }

    public static Http2Settings defaults() {
        return Section.build(Http2Settings.class, SECTION.defaultValues());
    }

    public Http2Settings withHeaderTableSize(int v) {
        return Section.with(this, "headerTableSize", v);
    }

    public Http2Settings withMaxConcurrentStreams(int v) {
        return Section.with(this, "maxConcurrentStreams", v);
    }

    public Http2Settings withInitialWindowSize(int v) {
        return Section.with(this, "initialWindowSize", v);
    }

    public Http2Settings withConnectionWindowSize(int v) {
        return Section.with(this, "connectionWindowSize", v);
    }

    public Http2Settings withMaxFrameSize(int v) {
        return Section.with(this, "maxFrameSize", v);
    }

    public Http2Settings withMaxHeaderListSize(int v) {
        return Section.with(this, "maxHeaderListSize", v);
    }

    public Http2Settings withMaxContinuationFrames(int v) {
        return Section.with(this, "maxContinuationFrames", v);
    }

    public Http2Settings withMaxHeaderBlockBytes(int v) {
        return Section.with(this, "maxHeaderBlockBytes", v);
    }

    public Http2Settings withMaxResets(int v) {
        return Section.with(this, "maxResets", v);
    }

    public Http2Settings withResetWindowMs(long v) {
        return Section.with(this, "resetWindowMs", v);
    }

    public Http2Settings withMaxEmptyDataFrames(int v) {
        return Section.with(this, "maxEmptyDataFrames", v);
    }

    public Http2Settings withMaxQueuedControlFrames(int v) {
        return Section.with(this, "maxQueuedControlFrames", v);
    }

    public Http2Settings withMaxQueuedBytes(long v) {
        return Section.with(this, "maxQueuedBytes", v);
    }

    public Http2Settings withMaxConnectionBodyBytes(long v) {
        return Section.with(this, "maxConnectionBodyBytes", v);
    }

    public Http2Settings withSettingsTimeoutMs(long v) {
        return Section.with(this, "settingsTimeoutMs", v);
    }

    public Http2Settings withShutdownPingTimeoutMs(long v) {
        return Section.with(this, "shutdownPingTimeoutMs", v);
    }

    public Http2Settings withMaxDispatchedStreams(int v) {
        return Section.with(this, "maxDispatchedStreams", v);
    }
}

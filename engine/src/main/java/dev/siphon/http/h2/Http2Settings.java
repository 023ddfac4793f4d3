package dev.siphon.http.h2;

import dev.siphon.http.h2.hpack.HpackDecoder;

/**
 * HTTP/2 limits of one listener: what we advertise in SETTINGS and the abuse budgets we enforce.
 * Immutable; shared by every session of the listener.
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
 * @param resetWindowMs           the window of {@code maxResets}
 * @param maxEmptyDataFrames      empty DATA frames without END_STREAM per {@code resetWindowMs}
 * @param maxQueuedControlFrames  our answers to control frames (PING/SETTINGS acks, RST_STREAM)
 *                                queued while the peer does not read; more → close
 * @param maxQueuedBytes          bytes queued for the socket above which we stop reading
 */
public record Http2Settings(int headerTableSize, int maxConcurrentStreams, int initialWindowSize,
                            int connectionWindowSize, int maxFrameSize, int maxHeaderListSize,
                            int maxContinuationFrames, int maxHeaderBlockBytes, int maxResets, long resetWindowMs,
                            int maxEmptyDataFrames, int maxQueuedControlFrames, long maxQueuedBytes) {

    /** RFC 9113 §6.5.2: the smallest SETTINGS_MAX_FRAME_SIZE, and the initial value. */
    public static final int MIN_MAX_FRAME_SIZE = 16_384;
    /** RFC 9113 §6.5.2: the largest SETTINGS_MAX_FRAME_SIZE. */
    public static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
    /** RFC 9113 §6.9.2: the largest flow-control window. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;
    /** RFC 9113 §6.9.2: every window starts at 65,535 until SETTINGS / WINDOW_UPDATE change it. */
    public static final int DEFAULT_WINDOW = 65_535;

    public Http2Settings {
        if (maxFrameSize < MIN_MAX_FRAME_SIZE || maxFrameSize > MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max_frame_size must be in [16384, 16777215]: " + maxFrameSize);
        }
        if (initialWindowSize < 0 || connectionWindowSize < DEFAULT_WINDOW) {
            throw new IllegalArgumentException("windows must be >= 0 (stream) and >= 65535 (connection)");
        }
        if (maxConcurrentStreams < 1 || maxContinuationFrames < 0 || maxHeaderBlockBytes < 1 || maxResets < 1
                || resetWindowMs < 1 || maxEmptyDataFrames < 0 || maxQueuedControlFrames < 1 || maxQueuedBytes < 1) {
            throw new IllegalArgumentException("HTTP/2 limits must be positive");
        }
    }

    public static Http2Settings defaults() {
        return new Http2Settings(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, 100, DEFAULT_WINDOW, 1 << 20,
                MIN_MAX_FRAME_SIZE, HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE, 32, 64 * 1024, 200, 30_000,
                100, 10_000, 4L << 20);
    }

    public Http2Settings withMaxConcurrentStreams(int v) {
        return new Http2Settings(headerTableSize, v, initialWindowSize, connectionWindowSize, maxFrameSize,
                maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, maxResets, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes);
    }

    public Http2Settings withMaxResets(int v) {
        return new Http2Settings(headerTableSize, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
                maxFrameSize, maxHeaderListSize, maxContinuationFrames, maxHeaderBlockBytes, v, resetWindowMs,
                maxEmptyDataFrames, maxQueuedControlFrames, maxQueuedBytes);
    }
}

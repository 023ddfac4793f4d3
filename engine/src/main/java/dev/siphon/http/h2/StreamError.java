package dev.siphon.http.h2;

import dev.siphon.http.internal.Counters;

/**
 * An HTTP/2 stream error (RFC 9113 §5.4.2): the stream is reset with RST_STREAM carrying
 * {@link #code()}; the connection and its other streams go on.
 */
public final class StreamError extends Exception {
    private final int streamId;
    private final ErrorCode code;
    private final Counters.Limit limit;

    public StreamError(int streamId, ErrorCode code, String message) {
        this(streamId, code, message, null);
    }

    /** A stream that tripped a limit; the limit's counter is incremented where it is handled. */
    public StreamError(int streamId, ErrorCode code, String message, Counters.Limit limit) {
        super(message, null, false, false); // no stack trace: peer-caused, frequent under attack
        this.streamId = streamId;
        this.code = code;
        this.limit = limit;
    }

    public int streamId() {
        return streamId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The limit that tripped, or null for malformed input. */
    public Counters.Limit limit() {
        return limit;
    }
}

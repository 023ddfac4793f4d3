package dev.siphon.http.h2;

import dev.siphon.http.internal.Counters;

/**
 * An HTTP/2 connection error (RFC 9113 §5.4.1): GOAWAY carrying {@link #code()} and the last
 * stream processed, then the connection closes.
 */
public final class ConnectionError extends Exception {
    private final ErrorCode code;
    private final Counters.Limit limit;

    public ConnectionError(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** A connection that tripped a limit; the limit's counter is incremented where it is handled. */
    public ConnectionError(ErrorCode code, String message, Counters.Limit limit) {
        super(message, null, false, false); // no stack trace: peer-caused, frequent under attack
        this.code = code;
        this.limit = limit;
    }

    public ErrorCode code() {
        return code;
    }

    /** The limit that tripped, or null for malformed input. */
    public Counters.Limit limit() {
        return limit;
    }
}

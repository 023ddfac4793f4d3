package dev.siphon.http.internal;

import dev.siphon.http.codec.CodecException;

/** A request that cannot be served as sent: answered with {@link #status()}, then the connection closes. */
public final class RequestError extends Exception {
    private final int status;
    private final Counters.Limit limit;

    public RequestError(int status, String message) {
        this(status, message, null);
    }

    /** A request that tripped a configured limit; the limit's counter is incremented where it is answered. */
    public RequestError(int status, String message, Counters.Limit limit) {
        super(message, null, false, false); // no stack trace: peer-caused, frequent under attack
        this.status = status;
        this.limit = limit;
    }

    /**
     * The server's answer to input a shared codec rejected: malformed is 400; a head or trailer
     * section over its cap 431 (RFC 6585 §5), too many field lines 431 too; a body over its cap
     * 413 (RFC 9110 §15.5.14); the body budget spent 503. The limits are counted as their own.
     */
    public static RequestError of(CodecException e) {
        return switch (e.kind()) {
            case MALFORMED -> new RequestError(400, e.getMessage());
            case FIELDS_TOO_LARGE -> new RequestError(431, e.getMessage(), Counters.Limit.HEADER_BYTES);
            case TOO_MANY_FIELDS -> new RequestError(431, e.getMessage(), Counters.Limit.HEADER_COUNT);
            case BODY_TOO_LARGE -> new RequestError(413, e.getMessage(), Counters.Limit.BODY_BYTES);
            case BUDGET_SPENT -> new RequestError(503, e.getMessage(), Counters.Limit.BODY_BUDGET);
        };
    }

    public int status() {
        return status;
    }

    /** The limit that tripped, or null for malformed input. */
    public Counters.Limit limit() {
        return limit;
    }
}

package dev.siphon.http.internal;

/** A request that cannot be served as sent: answered with {@link #status()}, then the connection closes. */
public final class RequestError extends ProtocolError {
    private final int status;
    private final Counters.Limit limit;

    public RequestError(int status, String message) {
        this(status, message, null);
    }

    /** A request that tripped a configured limit; the limit's counter is incremented where it is answered. */
    public RequestError(int status, String message, Counters.Limit limit) {
        super(message);
        this.status = status;
        this.limit = limit;
    }

    public int status() {
        return status;
    }

    /** The limit that tripped, or null for malformed input. */
    public Counters.Limit limit() {
        return limit;
    }
}

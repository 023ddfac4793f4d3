package dev.siphon.http.client;

/**
 * A request waited for a pooled connection longer than the pool wait timeout while all
 * {@link #maxConnections()} connections to {@link #origin()} were busy.
 */
public final class PoolTimeoutException extends ClientException {
    private final String origin;
    private final int maxConnections;

    public PoolTimeoutException(String origin, int maxConnections, long waitedMs) {
        super("no connection to " + origin + " became free within " + waitedMs + " ms: all " + maxConnections
                + " connections allowed (max_connections) stayed busy", null);
        this.origin = origin;
        this.maxConnections = maxConnections;
    }

    public String origin() {
        return origin;
    }

    /** The client's cap on connections per origin that every one of was busy. */
    public int maxConnections() {
        return maxConnections;
    }
}

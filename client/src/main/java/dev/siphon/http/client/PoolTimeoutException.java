package dev.siphon.http.client;

/**
 * A request waited for a pooled connection longer than the pool wait timeout while all
 * {@link #poolSize()} connections to {@link #origin()} were busy.
 */
public final class PoolTimeoutException extends ClientException {
    private final String origin;
    private final int poolSize;

    public PoolTimeoutException(String origin, int poolSize, long waitedMs) {
        super("no connection to " + origin + " became free within " + waitedMs + " ms: all " + poolSize
                + " pooled connections (pool_size) stayed busy", null);
        this.origin = origin;
        this.poolSize = poolSize;
    }

    public String origin() {
        return origin;
    }

    public int poolSize() {
        return poolSize;
    }
}

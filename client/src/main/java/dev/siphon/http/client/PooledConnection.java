package dev.siphon.http.client;

/** A pooled connection to one origin, HTTP/1.1 or HTTP/2. Loop thread of its pool only. */
sealed interface PooledConnection permits Http1Connection, Http2Connection {
    /** Sends {@code x} on this connection; it becomes ACTIVE. */
    void start(ClientExchange x);

    /** {@code x} was cancelled or timed out while ACTIVE here: stop it (HTTP/1.1 closes the connection). */
    void abandon(ClientExchange x);

    /** {@code x} no longer waits for this connection to open (the connection goes on opening). */
    void forgetInitiator(ClientExchange x);

    /** Closes the connection; exchanges on it fail with {@code cause}. */
    void close(ClientException cause);

    /** True when idle (nothing in flight) since before {@code cutoffNanos}. */
    boolean idleSince(long cutoffNanos);
}

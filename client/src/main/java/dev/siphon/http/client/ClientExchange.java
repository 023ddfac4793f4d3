package dev.siphon.http.client;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request and its future, from submission to completion. Its state changes on the loop of
 * its origin's pool only; other threads complete the future (cancel, {@code orTimeout}) and the
 * exchange then abandons its connection on the loop.
 *
 * <pre>
 *   NEW ──▶ WAITING (queued for a busy pool) ──▶ ACTIVE (on a connection) ──▶ DONE
 *    └────▶ CONNECTING (a connection opens for it) ─┘
 * </pre>
 * A retry (RFC 9110 §9.2.2: idempotent, nothing of the response received, reused connection)
 * goes back to CONNECTING once, on a fresh connection.
 */
final class ClientExchange {
    enum Phase { NEW, WAITING, CONNECTING, ACTIVE, DONE }

    final String method;
    final String target;
    final Origin origin;
    final String[] headerNames;
    final String[] headerValues;
    final byte[] body;
    final CompletableFuture<ClientResponse> future = new CompletableFuture<>();
    final long startNanos = System.nanoTime();
    private final ConnectionPool pool;
    Phase phase = Phase.NEW;
    /** The connection serving it (ACTIVE) or opening for it (CONNECTING). */
    PooledConnection connection;
    boolean retried;
    /** The HTTP/2 stream carrying it, while ACTIVE on an HTTP/2 connection. */
    int streamId;
    private boolean completing;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> waitDeadline;

    ClientExchange(ConnectionPool pool, String method, String target, String[] headerNames, String[] headerValues,
             byte[] body) {
        this.pool = pool;
        this.method = method;
        this.target = target;
        this.origin = pool.origin;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
        this.body = body;
    }

    /** Starts the request timer and watches the future for completion by someone else. Any thread. */
    void arm(long timeoutMs) {
        deadline = pool.client.timer().schedule(() -> pool.loop.execute(this::onTimeout), timeoutMs,
                TimeUnit.MILLISECONDS);
        future.whenComplete((r, e) -> {
            if (!completing) { // cancelled or completed by the caller: free what it holds
                pool.loop.execute(() -> abandon(e instanceof CancellationException
                        ? new ConnectionClosedException("request to " + origin + " cancelled")
                        : new ConnectionClosedException("request to " + origin + " completed by the caller")));
            }
        });
    }

    boolean isDone() {
        return phase == Phase.DONE;
    }

    /** RFC 9110 §9.2.2: methods whose repetition has the same effect as one request. */
    boolean idempotent() {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
    }

    /** Queued for a free connection: a shorter pool wait timeout may apply. Loop thread. */
    void waiting(long poolWaitTimeoutMs) {
        phase = Phase.WAITING;
        long remainingMs = pool.client.settings().timeoutMs()
                - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (poolWaitTimeoutMs < remainingMs) {
            waitDeadline = pool.client.timer().schedule(() -> pool.loop.execute(this::onWaitTimeout),
                    poolWaitTimeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Leaves the wait queue (served, or failed). Loop thread. */
    void dequeued() {
        if (waitDeadline != null) {
            waitDeadline.cancel(false);
            waitDeadline = null;
        }
    }

    private void onWaitTimeout() {
        if (phase == Phase.WAITING) {
            abandon(poolTimeout());
        }
    }

    private PoolTimeoutException poolTimeout() {
        return new PoolTimeoutException(origin.toString(), pool.maxConnections(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private void onTimeout() {
        long ms = pool.client.settings().timeoutMs();
        ClientException e = switch (phase) {
            case DONE -> null;
            case NEW, WAITING -> poolTimeout();
            case CONNECTING -> new ConnectTimeoutException("connection to " + origin + " not established within the "
                    + ms + " ms request timeout");
            case ACTIVE -> new RequestTimeoutException("no complete response to " + method + " " + target + " from "
                    + origin + " within " + ms + " ms (timeout_ms)");
        };
        if (e != null) {
            abandon(e);
        }
    }

    /** Detaches from the pool or connection (closing a connection mid-exchange) and fails. Loop thread. */
    void abandon(ClientException cause) {
        switch (phase) {
            case DONE -> {
                return;
            }
            case WAITING -> pool.removeWaiter(this);
            case CONNECTING -> connection.forgetInitiator(this);
            case ACTIVE -> connection.abandon(this);
            case NEW -> {
                // not handed to the pool yet: nothing to release
            }
        }
        fail(cause);
    }

    void succeed(ClientResponse response) {
        if (finish()) {
            completing = true;
            future.complete(response);
        }
    }

    void fail(Throwable cause) {
        if (finish()) {
            completing = true;
            future.completeExceptionally(cause);
        }
    }

    private boolean finish() {
        if (phase == Phase.DONE) {
            return false;
        }
        phase = Phase.DONE;
        connection = null;
        dequeued();
        if (deadline != null) {
            deadline.cancel(false);
        }
        return true;
    }
}

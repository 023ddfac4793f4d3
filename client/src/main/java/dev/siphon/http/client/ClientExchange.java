package dev.siphon.http.client;

import dev.siphon.http.BodyStream;
import java.util.Map;
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
 * goes back to CONNECTING once, on a fresh connection; a request whose body is a stream is never
 * retried (what it sent is gone).
 *
 * <p><b>Streams.</b> A request body may be a {@link BodyStream} ({@link #requestStream}) the
 * connection consumes as the socket or the HTTP/2 windows take it. A streamed response
 * ({@link #responseStream} set) completes {@link #headFuture} when its head arrives and stays
 * ACTIVE while the connection produces the body into the stream: then the request timeout no
 * longer runs, and an idle watch fails the body when no byte arrives for {@code timeoutMs} while
 * the reader waits for one (a full stream is the reader's wait, not the origin's), and notices a
 * reader that cancelled while the stream was not full (BodyStream tells a producer of a cancel
 * only when it offers or waits for room).
 */
final class ClientExchange {
    enum Phase { NEW, WAITING, CONNECTING, ACTIVE, DONE }

    final String method;
    final String target;
    final Origin origin;
    final String[] headerNames;
    final String[] headerValues;
    final byte[] body;
    /** The request body as a stream, or null when it is {@link #body}. */
    final BodyStream requestStream;
    /** The content-length the caller gave for {@link #requestStream}, or -1: HTTP/1.1 sends it chunked. */
    final long requestLength;
    /** The stream a streamed response's body goes into; null when the response is buffered whole. */
    final BodyStream responseStream;
    /** A buffered response's future; null when the response is streamed. */
    final CompletableFuture<ClientResponse> future;
    /** A streamed response's future, complete with its head; null when the response is buffered. */
    final CompletableFuture<StreamingResponse> headFuture;
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
    /** The streamed response's head was handed over: the body flows into {@link #responseStream}. */
    private boolean headDelivered;
    private ScheduledFuture<?> idleWatch;
    private long lastProgressNanos;

    ClientExchange(ConnectionPool pool, String method, String target, String[] headerNames, String[] headerValues,
             byte[] body) {
        this(pool, method, target, headerNames, headerValues, body, null, -1, null);
    }

    /**
     * @param requestStream  the request body as a stream (then {@code body} is empty), or null
     * @param requestLength  its declared length, or -1
     * @param responseStream where a streamed response's body goes, or null for a buffered response
     */
    ClientExchange(ConnectionPool pool, String method, String target, String[] headerNames, String[] headerValues,
                   byte[] body, BodyStream requestStream, long requestLength, BodyStream responseStream) {
        this.pool = pool;
        this.method = method;
        this.target = target;
        this.origin = pool.origin;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
        this.body = body;
        this.requestStream = requestStream;
        this.requestLength = requestLength;
        this.responseStream = responseStream;
        this.future = responseStream == null ? new CompletableFuture<>() : null;
        this.headFuture = responseStream == null ? null : new CompletableFuture<>();
    }

    /** The future the caller holds: the response's, or the streamed response's head. */
    CompletableFuture<?> callerFuture() {
        return future != null ? future : headFuture;
    }

    /** True once a streamed response's head was handed over (its body may be flowing). */
    boolean headDelivered() {
        return headDelivered;
    }

    /** May be sent again after a connection failed it: not yet retried, and its body is no stream. */
    boolean mayRetry() {
        return !retried && requestStream == null;
    }

    /** Starts the request timer and watches the future for completion by someone else. Any thread. */
    void arm(long timeoutMs) {
        deadline = pool.client.timer().schedule(() -> pool.loop.execute(this::onTimeout), timeoutMs,
                TimeUnit.MILLISECONDS);
        callerFuture().whenComplete((r, e) -> {
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
            case ACTIVE -> headDelivered ? null // the idle watch runs now
                    : new RequestTimeoutException("no complete response to " + method + " " + target + " from "
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
        if (finish(null)) {
            completing = true;
            future.complete(response);
        }
    }

    /**
     * A streamed response's head arrived: the caller gets it now, the body follows into
     * {@link #responseStream}. The request timeout stops; the idle watch starts. Loop thread.
     */
    void headArrived(int status, Map<String, String> headers, String version) {
        if (phase == Phase.DONE || headDelivered) {
            return;
        }
        headDelivered = true;
        dequeued();
        if (deadline != null) {
            deadline.cancel(false);
        }
        lastProgressNanos = System.nanoTime();
        long ms = pool.client.settings().timeoutMs();
        long period = Math.max(10, Math.min(250, ms / 4));
        idleWatch = pool.client.timer().scheduleWithFixedDelay(() -> pool.loop.submit(this::watchIdle), period,
                period, TimeUnit.MILLISECONDS);
        completing = true;
        headFuture.complete(new StreamingResponse(status, headers, version, responseStream));
    }

    /** Body bytes arrived, or the reader made room: the origin is not idle. Loop thread. */
    void progress() {
        lastProgressNanos = System.nanoTime();
    }

    /** A streamed response's body is complete. Loop thread. */
    void bodyEnded() {
        if (finish(null)) {
            responseStream.end();
        }
    }

    private void watchIdle() {
        if (phase == Phase.DONE) {
            return;
        }
        BodyStream s = responseStream;
        if (s.isCancelled()) {
            abandon(new ConnectionClosedException("response body from " + origin + " to " + method + " " + target
                    + " cancelled by its reader"));
            return;
        }
        long now = System.nanoTime();
        if (s.buffered() >= s.window()) {
            lastProgressNanos = now; // the reader is behind: not the origin's idleness
            return;
        }
        long ms = pool.client.settings().timeoutMs();
        if (now - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(ms)) {
            abandon(new RequestTimeoutException("no byte of the response body to " + method + " " + target + " from "
                    + origin + " for " + ms + " ms (timeout_ms)"));
        }
    }

    void fail(Throwable cause) {
        if (finish(cause)) {
            if (headDelivered) {
                responseStream.fail(cause);
            } else {
                completing = true;
                callerFuture().completeExceptionally(cause);
            }
        }
    }

    private boolean finish(Throwable cause) {
        if (phase == Phase.DONE) {
            return false;
        }
        phase = Phase.DONE;
        connection = null;
        dequeued();
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (idleWatch != null) {
            idleWatch.cancel(false);
        }
        if (requestStream != null && !requestStream.isDone()) {
            // what is left of the body will not be sent: the producer's writes fail from now on
            requestStream.cancel(cause != null ? cause : new BodyStream.CancelledException("the response from "
                    + origin + " to " + method + " " + target + " ended before the request body was sent"));
        }
        return true;
    }
}

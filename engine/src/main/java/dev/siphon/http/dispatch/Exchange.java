package dev.siphon.http.dispatch;

import dev.siphon.http.Request;
import dev.siphon.http.Responder;
import dev.siphon.http.Response;
import dev.siphon.http.net.EventLoop;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One request in flight and the promise of its response. Handlers answer through
 * {@link #send} from any thread; the response always reaches the connection on its own loop
 * ({@link Sink#complete}), which drops it when the stream or connection is gone. The first of
 * answer, timeout and cancellation wins.
 */
public final class Exchange implements Responder {
    private static final System.Logger LOG = System.getLogger("siphon.http.handler");
    private static final int PENDING = 0;
    private static final int ANSWERED = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Exchange.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Receives the response on the connection's loop thread. */
    public interface Sink {
        void complete(Exchange exchange, Response response);
    }

    private final EventLoop loop;
    private final Sink sink;
    private volatile long deadlineNanos;
    private volatile int state;
    private Request request;
    private Runnable cancelAction; // loop thread only

    // Owned by the protocol session, loop thread only.
    /** The response once it reached the loop; sessions write responses in order. */
    public Response response;
    /** A HEAD request: the response body is dropped. */
    public boolean head;
    /** Close the connection after this response. */
    public boolean closeAfter;
    /** An HTTP/1.0 request that asked for keep-alive: the response confirms it. */
    public boolean keepAlive10;
    /** Octets of the request body reserved in the engine's body budget, released when the exchange is done. */
    public long bodyReservation;
    /** For {@link RequestMetrics}: the request's method (null when refused before it was read), */
    public String method;
    /** the pattern of the route it matched (null for none), */
    public String route;
    /** {@link System#nanoTime()} when its head was complete, */
    public long startNanos;
    /** and its body's length. */
    public long bodyBytesIn;
    /** The request's id, sent back in {@code x-request-id} ({@link RequestIds}). */
    public String requestId;
    /** A streaming route's request body, while the connection still feeds it; else null. */
    public dev.siphon.http.BodyStream requestStream;
    /** Octets of a streaming response's body written so far. */
    public long bodyBytesOut;
    /** The request's path and protocol version, for the access log. */
    public String path;
    public String version;

    public Exchange(EventLoop loop, Sink sink, long deadlineNanos) {
        this.loop = loop;
        this.sink = sink;
        this.deadlineNanos = deadlineNanos;
    }

    public void request(Request request) {
        this.request = request;
    }

    public Request request() {
        return request;
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * Moves the deadline: a streaming route's request has none while its body arrives (the
     * body's stall timeout governs that), and gets one when the body has ended. Loop thread.
     */
    public void deadline(long nanos) {
        deadlineNanos = nanos;
    }

    public boolean isPending() {
        return state == PENDING;
    }

    @Override
    public void send(Response r) {
        if (r == null) {
            fail(new NullPointerException("handler answered null"));
            return;
        }
        if (STATE.compareAndSet(this, PENDING, ANSWERED)) {
            if (loop.inLoop()) {
                sink.complete(this, r);
            } else {
                loop.submit(() -> sink.complete(this, r));
            }
        } else if (r.bodyStream() != null) {
            // answered already (504) or cancelled: the streaming body's producer must not wait for a reader
            r.bodyStream().cancel(new dev.siphon.http.BodyStream.CancelledException(
                    state == CANCELLED ? "the request was cancelled" : "the request was answered already"));
        }
    }

    @Override
    public void fail(Throwable cause) {
        if (state != PENDING) {
            return;
        }
        Request r = request;
        LOG.log(System.Logger.Level.ERROR,
                () -> "handler for " + (r == null ? "?" : r.method() + " " + r.path()
                        + (r.routePattern() == null ? "" : " (route " + r.routePattern() + ")")) + " failed",
                cause);
        send(Responses.error(500));
    }

    @Override
    public boolean isCancelled() {
        return state == CANCELLED;
    }

    @Override
    public void onCancel(Runnable action) {
        if (loop.inLoop()) {
            if (state == CANCELLED) {
                action.run();
            } else {
                cancelAction = action;
            }
        } else {
            loop.submit(() -> onCancel(action));
        }
    }

    /**
     * Cancels the exchange (its connection closed, or its deadline passed) unless already
     * answered. Loop thread.
     *
     * @return true when this call cancelled it
     */
    public boolean cancel() {
        if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
            Runnable a = cancelAction;
            cancelAction = null;
            if (a != null) {
                try {
                    a.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cancel action failed", e);
                }
            }
            return true;
        }
        return false;
    }
}

package dev.siphon.http.py;

import dev.siphon.http.Request;
import dev.siphon.http.Responder;

/**
 * One request on its way to, and through, a Python worker. Created on the connection's loop;
 * after it is queued, only its worker's thread writes {@link #rid}, only the connection's loop
 * {@link #cancelledAt} (the pool's watchdog reads both).
 */
final class Dispatch {
    final int route;
    final Request request;
    final Responder responder;
    /** {@link Responder#deadlineNanos()}: when the engine answers 504; {@link Responder#NO_DEADLINE} when never. */
    private final long deadline;
    /** The worker it was queued to; set before the queue publishes it. */
    PythonWorker worker;
    /** The worker's id for it once delivered to Python; 0 before. Written by the worker thread only. */
    volatile long rid;
    /** nanoTime (odd, so never 0) when the request was cancelled (timeout or client gone); 0 while it is not. */
    volatile long cancelledAt;

    Dispatch(int route, Request request, Responder responder) {
        this.route = route;
        this.request = request;
        this.responder = responder;
        this.deadline = responder.deadlineNanos();
    }

    /** When the engine answers 504; a streaming route's request gets its deadline once its body has arrived. */
    long deadline() {
        return request.bodyStream() == null ? deadline : responder.deadlineNanos();
    }

    boolean pastDeadline(long now) {
        long deadline = deadline();
        return deadline != Responder.NO_DEADLINE && now - deadline >= 0;
    }

    /**
     * Since when the handler should have stopped: the request's deadline or its cancellation,
     * whichever came first; {@link Responder#NO_DEADLINE} while neither has.
     */
    long limit(long now) {
        long c = cancelledAt;
        long deadline = deadline();
        if (c != 0 && (deadline == Responder.NO_DEADLINE || c - deadline < 0)) {
            return c;
        }
        return pastDeadline(now) ? deadline : Responder.NO_DEADLINE;
    }
}

package dev.siphon.http.py;

import dev.siphon.http.Request;
import dev.siphon.http.Responder;

/**
 * One request on its way to, and through, a Python worker. Created on the connection's loop;
 * after it is queued, only its worker's thread writes {@link #rid} (the watchdog reads it).
 */
final class Dispatch {
    final int route;
    final Request request;
    final Responder responder;
    /** The worker it was queued to; set before the queue publishes it. */
    PythonWorker worker;
    /** The worker's id for it once delivered to Python; 0 before. Written by the worker thread only. */
    volatile long rid;

    Dispatch(int route, Request request, Responder responder) {
        this.route = route;
        this.request = request;
        this.responder = responder;
    }
}

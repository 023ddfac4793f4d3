package dev.siphon.http;

/**
 * An asynchronous route handler: it is called on the connection's I/O loop and may answer
 * later, from any thread, through the {@link Responder}. The response is written by the
 * connection's own loop.
 */
@FunctionalInterface
public interface AsyncHandler {
    void handle(Request request, Responder responder) throws Exception;
}

package dev.siphon.http;

/**
 * An asynchronous route handler: it is called on the connection's I/O loop and may answer
 * later, from any thread, through the {@link Responder}. The response is written by the
 * connection's own loop. An exception thrown by {@code handle} answers {@code 500}; an
 * {@link Error} is fatal to the engine ({@link FatalErrorHandler}).
 */
@FunctionalInterface
public interface AsyncHandler {
    void handle(Request request, Responder responder) throws Exception;
}

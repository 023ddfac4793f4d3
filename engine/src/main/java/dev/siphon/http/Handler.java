package dev.siphon.http;

/**
 * A synchronous route handler. It runs on the connection's I/O loop, so it must not block;
 * use {@link AsyncHandler} for anything that waits. An exception answers {@code 500}; an
 * {@link Error} is fatal to the engine ({@link FatalErrorHandler}).
 */
@FunctionalInterface
public interface Handler {
    Response handle(Request request) throws Exception;
}

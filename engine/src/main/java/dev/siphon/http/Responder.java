package dev.siphon.http;

/**
 * Completes one request. Safe to call from any thread; the first call wins and later calls
 * are ignored. When the request was already answered by the engine (its
 * {@code request_timeout_ms} expired: 504) or its connection is gone, the response is
 * dropped and {@link #isCancelled()} is true.
 *
 * <p>An HTTP/1.1 client that stops sending (end of input) is treated as a half-close: its
 * pending requests are still answered, so they are cancelled only when the connection fails
 * (a write error, the idle timeout) or at {@code request_timeout_ms}; but end of input while a
 * streaming response's body is being sent ({@link Response#streaming}) closes the connection and
 * cancels that body, which may otherwise write nothing for a long time. An HTTP/2 stream is
 * cancelled as soon as the client resets it.
 */
public interface Responder {
    /** {@link #deadlineNanos()} of a responder that has none. */
    long NO_DEADLINE = Long.MAX_VALUE;

    void send(Response response);

    /** Answers {@code 500} and logs the cause once. */
    void fail(Throwable cause);

    boolean isCancelled();

    /**
     * Runs {@code action} once when the request is cancelled (timeout, stream reset, or the
     * connection closed) before a response was sent; runs it at once when already cancelled.
     * The action runs on the connection's loop and must not block.
     */
    void onCancel(Runnable action);

    /**
     * The {@link System#nanoTime()} at which the engine answers {@code 504} and cancels the
     * request ({@code request_timeout_ms} after its head ended), for a handler that bounds its own
     * work by it; {@link #NO_DEADLINE} when there is none (a responder the engine did not make).
     */
    default long deadlineNanos() {
        return NO_DEADLINE;
    }
}

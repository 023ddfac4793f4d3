package dev.siphon.http;

/**
 * Thrown by {@link HttpEngine#awaitTermination()} when the engine closed itself because an
 * {@link Error} ended one of its threads ({@link FatalErrorHandler}); the cause is that error.
 */
public final class EngineFailedException extends RuntimeException {
    private final String thread;

    public EngineFailedException(String thread, Throwable cause) {
        super("the engine stopped after a fatal error on " + thread + ": " + cause, cause);
        this.thread = thread;
    }

    /** The name of the thread the error ended ({@code siphon-loop-0}, {@code siphon-py-1}, ...). */
    public String thread() {
        return thread;
    }
}

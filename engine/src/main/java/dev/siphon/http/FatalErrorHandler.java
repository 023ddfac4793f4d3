package dev.siphon.http;

import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * What happens, beyond the engine closing itself, when an {@link Error} ends a thread the engine
 * owns.
 *
 * <p>An {@code Error} — {@link OutOfMemoryError}, {@link StackOverflowError}, a
 * {@link LinkageError} — on an I/O loop, a thread of the outbound client, or a Python worker
 * leaves that thread's state unknown, and a loop that ends takes its listener and connections
 * with it. The engine never goes on half alive: the thread's owner logs the error once (one
 * line naming the thread and the error, with its stack trace; nothing of it reaches a client),
 * the engine closes at once (listeners closed so new connections are refused, connections cut,
 * no grace), {@link HttpEngine#awaitTermination()} throws {@link EngineFailedException}, and
 * this handler is called once, on a thread of its own, before awaitTermination returns. A loop
 * that ends on an exception that escaped every per-connection guard is treated the same way.
 *
 * <p>The default, {@link #NONE}, does nothing more: the embedding program decides (it sees the
 * failure in awaitTermination, or through its own handler). The launcher ({@code bin/siphon-http})
 * uses {@link #exit()}: the process ends with status {@value #EXIT_STATUS}, so that a supervisor
 * restarts it.
 */
@FunctionalInterface
public interface FatalErrorHandler {
    /** The status {@link #exit()} ends the process with: {@code EX_SOFTWARE} of sysexits(3), an internal software error. */
    int EXIT_STATUS = 70;

    /** Nothing beyond what the engine does itself (log, close, fail awaitTermination). The default. */
    FatalErrorHandler NONE = (thread, error) -> { };

    /**
     * Called once per engine (or client), after it closed itself.
     *
     * @param thread the name of the thread the error ended: {@code siphon-loop-0}, {@code siphon-py-1}, ...
     * @param error  what ended it
     */
    void onFatalError(String thread, Throwable error);

    /**
     * Ends the process at once with {@link #EXIT_STATUS}. The log is flushed first; shutdown hooks
     * do not run ({@link Runtime#halt}): after an Error they could hang on the state it left behind,
     * and the engine has already closed its sockets.
     */
    static FatalErrorHandler exit() {
        return (thread, error) -> {
            for (Handler h : Logger.getLogger("").getHandlers()) {
                h.flush();
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        };
    }
}

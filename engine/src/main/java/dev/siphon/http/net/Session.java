package dev.siphon.http.net;

/**
 * The protocol spoken on one accepted connection (HTTP/1.1, HTTP/2, or the detector that tells
 * them apart): a {@link Protocol} that also hears the loop's timer and the engine's shutdown.
 * Every method runs on the connection's loop thread.
 */
public interface Session extends Protocol {
    /** Periodic timer check, at least every loop tick while the connection is open. */
    void onTick(long nowNanos);

    /** The engine is shutting down: finish what is in flight, take no new requests. */
    void onShutdown();

    /** Its state in a few words, for {@link Connection#describe}: a diagnostic, not a format. */
    default String describe() {
        return getClass().getSimpleName();
    }
}

package dev.siphon.http.net;

/**
 * The protocol spoken on one accepted connection (HTTP/1.1, HTTP/2, or the detector that tells
 * them apart): a {@link Protocol} that also hears the loop's timer and the engine's shutdown.
 * Every method runs on the connection's loop thread.
 */
public interface Session extends Protocol {
    /** {@link #protocol()}: HTTP/1.1, over TLS or not. */
    int HTTP1 = 0;
    /** {@link #protocol()}: HTTP/2 on a cleartext connection. */
    int H2C = 1;
    /** {@link #protocol()}: HTTP/2 chosen by ALPN on a TLS connection. */
    int H2 = 2;
    /** The names of {@link #HTTP1}, {@link #H2C} and {@link #H2}, as metrics label them. */
    java.util.List<String> PROTOCOL_NAMES = java.util.List.of("http/1.1", "h2c", "h2");

    /** Which protocol this session speaks, for the listener's counts; -1 while it is not known yet. */
    default int protocol() {
        return -1;
    }

    /** Periodic timer check, at least every loop tick while the connection is open. */
    void onTick(long nowNanos);

    /** The engine is shutting down: finish what is in flight, take no new requests. */
    void onShutdown();

    /** Its state in a few words, for {@link Connection#describe}: a diagnostic, not a format. */
    default String describe() {
        return getClass().getSimpleName();
    }
}

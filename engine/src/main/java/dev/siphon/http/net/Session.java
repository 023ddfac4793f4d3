package dev.siphon.http.net;

import java.nio.ByteBuffer;

/**
 * The protocol spoken on one connection (HTTP/1.1 now; HTTP/2 later). Every method runs on the
 * connection's loop thread.
 */
public interface Session {
    /**
     * New bytes: {@code in} is in read mode; the session advances its position past what it
     * consumed and leaves the rest for the next call (the connection compacts it).
     */
    void onRead(ByteBuffer in);

    /** The peer closed its sending side. */
    void onInputClosed();

    /** Everything queued was written; a session paused for backpressure may resume. */
    void onDrained();

    /** Periodic timer check, at least every loop tick while the connection is open. */
    void onTick(long nowNanos);

    /** The connection is closed (by either side); cancel what is in flight. Called once. */
    void onClosed();

    /** The engine is shutting down: finish what is in flight, take no new requests. */
    void onShutdown();

    /** Its state in a few words, for {@link Connection#describe}: a diagnostic, not a format. */
    default String describe() {
        return getClass().getSimpleName();
    }
}

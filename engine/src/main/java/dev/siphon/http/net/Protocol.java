package dev.siphon.http.net;

import java.nio.ByteBuffer;

/**
 * What a {@link SocketPump} hands its bytes and events to: the protocol spoken on the socket, on
 * the server's side a {@link Session}, on the client's its HTTP/1.1 or HTTP/2 connection. Every
 * method runs on the socket's loop thread.
 */
public interface Protocol {
    /**
     * New bytes: {@code in} is in read mode; the protocol advances its position past what it
     * consumed and leaves the rest for the next call (the pump keeps it).
     */
    void onRead(ByteBuffer in);

    /** The peer closed its sending side. */
    void onInputClosed();

    /** Everything queued was written; a protocol paused for backpressure may resume. */
    void onDrained();

    /** The socket is closed (by either side, or a read or write failure); cancel what is in flight. Called once. */
    void onClosed();
}

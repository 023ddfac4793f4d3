package dev.siphon.http.net;

import dev.siphon.http.TlsInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * A layer between a connection's socket and its session: TLS. Cleartext connections have none,
 * and {@link Connection} then reads and writes its channel directly, so the plain path pays one
 * null check per read and per write.
 *
 * <p>The session above sees plaintext only. The connection creates it once {@link #isReady()}
 * (the handshake finished); until then it drives the transport with {@link #read(ByteBuffer)} on
 * read readiness and {@link #flushHeld()} on write readiness. Everything here runs on the
 * connection's loop thread and never blocks; pooled buffers come from that loop's pool and are
 * all returned by {@link #close()}.
 *
 * <p>As a {@link GatheringByteChannel} it takes plaintext: {@code write} returns the plaintext
 * bytes consumed, and holds encrypted bytes the socket did not take until {@link #flushHeld()}.
 */
public interface Transport extends GatheringByteChannel {

    /**
     * Reads the socket as far as it has bytes and {@code dst} (write mode) has room, and puts the
     * plaintext into {@code dst}. May also write handshake messages.
     *
     * @return plaintext bytes added; -1 once the peer closed (after the last plaintext)
     * @throws IOException on a failed handshake or a corrupt record: the connection closes
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes encrypted bytes held back by a full socket, and handshake messages due.
     *
     * @return true when nothing is held
     */
    boolean flushHeld() throws IOException;

    /** True while encrypted bytes wait for the socket to take them. */
    boolean hasHeldOutput();

    /**
     * True when {@link #read(ByteBuffer)} would return plaintext without new socket bytes (a whole
     * record is buffered, or plaintext that did not fit the last call's buffer). The selector does
     * not report such input, so the connection reads again by itself.
     */
    boolean hasBufferedInput();

    /** True once the handshake finished and plaintext may flow. */
    boolean isReady();

    /** True when the handshake has not finished by its deadline. */
    boolean handshakeExpired(long nowNanos);

    /** The handshake's result; {@code null} before {@link #isReady()}. */
    TlsInfo info();

    /**
     * Sends a closing alert if the socket takes it at once, and returns every pooled buffer. The
     * socket itself is closed by the connection. Idempotent.
     */
    @Override
    void close();
}

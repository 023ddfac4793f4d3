package dev.siphon.http.net;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The TLS side of one outbound client, made by {@link TlsProvider#client}: its trust anchors,
 * its identity for mutual TLS and the protocol policy are fixed when it is made; each connection
 * gets its own {@link Transport} from {@link #open}. Thread-safe. A transport belongs to the loop
 * thread of its connection, exactly as on the server side; the client drives its handshake with
 * {@link Transport#flushHeld()} once the TCP connection is open, then with
 * {@link Transport#read(java.nio.ByteBuffer)} on read readiness, and starts HTTP once
 * {@link Transport#isReady()}. {@link Transport#info()} then reports the ALPN result.
 */
public interface ClientTls {

    /**
     * A client-mode transport for a connection to {@code host}. The server's certificate must
     * chain to this client's trust anchors and be valid for {@code host} (RFC 9110 §4.3.4: DNS
     * names against its dNSName entries, IP literals against its iPAddress entries); a host name
     * is sent as SNI (RFC 6066 §3).
     *
     * @param channel              the connected socket, non-blocking
     * @param pool                 the connection's loop's buffer pool
     * @param host                 the origin's host: a DNS name or an IP literal (IPv6 without brackets)
     * @param port                 the origin's port
     * @param applicationProtocols ALPN identifiers to offer, most preferred first (RFC 7301)
     * @throws IOException when no engine can be made for this peer
     */
    Transport open(SocketChannel channel, BufferPool pool, String host, int port, List<String> applicationProtocols)
            throws IOException;
}

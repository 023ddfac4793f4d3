package dev.siphon.http.client;

import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.SocketPump;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One outbound TCP connection on a client loop: the engine's {@link SocketPump} (the same reads,
 * writes, TLS and close as a server connection) plus what only a client does: connect without
 * blocking, under a timeout, and tell its protocol how that went. Loop thread only.
 *
 * <p><b>TLS.</b> For an https origin the socket puts a client-mode transport from the TLS
 * provider between the protocol and the channel once TCP is up. The protocol hears
 * {@link Protocol#onConnected()} once the handshake is done, not when TCP connects, so the
 * connect timeout covers both, and it may then ask {@link #applicationProtocol()} what ALPN chose.
 * A TLS failure at any time (the handshake, or an alert later, such as a server refusing to go on
 * without a client certificate) closes the socket and is kept in {@link #failure()} as a
 * {@link TlsException} for the protocol to fail its exchanges with.
 *
 * <p><b>Proxy.</b> With a {@link Proxy} the TCP connection goes to the proxy. For an https origin
 * the socket first asks it for a tunnel (CONNECT, RFC 9110 §9.3.6) and reads its answer itself,
 * before the pump or TLS see a byte; on a 2xx the TLS handshake with the origin (its name as SNI,
 * its certificate checked) runs inside the tunnel, anything else fails the connect with a
 * {@link ProxyConnectException}. The connect timeout covers the TCP connect, the CONNECT and the
 * handshake. For an http origin nothing differs here: the protocol writes absolute-form targets.
 */
final class ClientSocket extends SocketPump {
    /** What runs over the socket: HTTP/1.1 or HTTP/2. Every call is on the loop thread. */
    interface Protocol extends dev.siphon.http.net.Protocol {
        /** The connection is open: TCP connected and, on https, the handshake done. */
        void onConnected();

        /** The connect failed; {@link #onClosed} follows. */
        void onConnectFailed(ClientException cause);
    }

    /** Longest answer head a proxy may give to CONNECT. */
    static final int MAX_TUNNEL_HEAD = 8 * 1024;

    private final Origin origin;
    private final Proxy proxy; // null: direct
    private final ClientTls tls; // null on http://
    private final List<String> alpn;
    private final boolean hasIdentity; // a client certificate is configured (for messages)
    private boolean connected; // TCP connected and, on https, the handshake done
    /** Fires {@link #connectTimedOut} unless the connect settles first; cancelled when it does. */
    private ScheduledFuture<?> connectTimer;
    private TlsException failure;
    /** CONNECT sent, its answer not read yet: this class, not the pump, reads and writes. */
    private boolean tunnelling;
    private ByteBuffer tunnelOut;
    private ByteBuffer tunnelIn;

    /**
     * @param tls         the client's TLS side for an https origin, else null
     * @param alpn        what it offers by ALPN
     * @param hasIdentity whether it presents a client certificate (for messages)
     * @param proxy       the proxy the connection goes through, or null
     */
    ClientSocket(EventLoop loop, Origin origin, Protocol protocol, ClientTls tls, List<String> alpn,
                 boolean hasIdentity, Proxy proxy) {
        super(loop, protocol);
        this.origin = origin;
        this.proxy = proxy;
        this.tls = tls;
        this.alpn = alpn;
        this.hasIdentity = hasIdentity;
    }

    /** Hands the socket to another protocol once ALPN chose one the pool did not expect. */
    void switchTo(Protocol next) {
        protocol(next);
    }

    private Protocol client() {
        return (Protocol) protocol();
    }

    boolean isConnected() {
        return connected && !isClosed();
    }

    boolean isSecure() {
        return tls != null;
    }

    /** What ALPN chose ("h2", "http/1.1"), or null: on http://, or when the server chose nothing. */
    String applicationProtocol() {
        return transport == null || transport.info() == null ? null : transport.info().applicationProtocol();
    }

    /** The TLS failure that closed this socket, or null. */
    TlsException failure() {
        return failure;
    }

    @Override
    public String toString() {
        return origin.toString();
    }

    /** Starts connecting to {@code address}; the protocol hears the outcome. */
    void connect(InetSocketAddress address) {
        if (isClosed()) {
            return;
        }
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean done = channel.connect(address);
            key = loop.register(channel, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (done) {
                tcpConnected();
            }
        } catch (IOException e) {
            failConnect(e);
        }
    }

    @Override
    public void onReady(SelectionKey k) {
        if (tunnelling) {
            onTunnelReady(k);
            return;
        }
        if (k.isValid() && (k.readyOps() & SelectionKey.OP_CONNECT) != 0) {
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                failConnect(e);
                return;
            }
            k.interestOps(SelectionKey.OP_READ);
            tcpConnected();
            return;
        }
        super.onReady(k);
    }

    /** TCP is up: HTTP starts now, or on https the handshake does (its ClientHello goes out). */
    private void tcpConnected() {
        if (tls == null) {
            connected = true;
            cancelConnectTimer();
            startPlain();
            client().onConnected();
            return;
        }
        if (proxy != null) {
            startTunnel();
            return;
        }
        startHandshake();
    }

    /** The ClientHello goes out (straight to the origin, or inside the proxy's tunnel). */
    private void startHandshake() {
        try {
            startTls(tls.open(channel, loop.pool(), origin.host(), origin.port(), alpn));
            setInterest(SelectionKey.OP_WRITE, !transport.flushHeld());
        } catch (IOException | RuntimeException e) {
            failTls(e);
        }
    }

    @Override
    protected void onHandshakeDone() {
        connected = true;
        cancelConnectTimer();
        client().onConnected();
    }

    @Override
    protected void onIoFailure(IOException e, boolean tlsFailure, boolean reading) {
        super.onIoFailure(e, tlsFailure, reading);
        if (tlsFailure) {
            recordTlsFailure(e);
        }
    }

    @Override
    protected void onInputEndedInHandshake() {
        failTls(new EOFException("the server closed the connection during the handshake"));
    }

    /**
     * A TLS failure: before the handshake ended it is the connect's failure; after, the exchanges
     * on the connection fail with it (through {@link Protocol#onClosed()} and {@link #failure()}).
     */
    private void failTls(Exception e) {
        if (isClosed()) {
            return;
        }
        recordTlsFailure(e);
        close();
    }

    private void recordTlsFailure(Exception e) {
        String via = proxy == null ? "" : " through proxy " + proxy;
        failure = new TlsException((connected ? "TLS failure on the connection to " + origin + via + ": "
                : "TLS handshake with " + origin + via + " failed: ") + TlsFailures.explain(e, connected, hasIdentity), e);
        if (!connected) {
            client().onConnectFailed(failure);
        }
    }

    /** The address could not be resolved (or another failure before the socket existed). */
    void failConnect(IOException e) {
        if (isClosed()) {
            return;
        }
        ClientException cause;
        String to = proxy == null ? origin.toString() : "proxy " + proxy + " (for " + origin + ")";
        if (e instanceof ConnectException) {
            cause = new ConnectRefusedException("connection to " + to + " refused: " + e.getMessage(), e);
        } else if (e instanceof java.net.UnknownHostException) {
            cause = new ConnectFailedException("cannot resolve host " + (proxy == null ? origin.host() : proxy.host())
                    + " of " + to, e);
        } else {
            cause = new ConnectFailedException("cannot connect to " + to + ": " + e, e);
        }
        client().onConnectFailed(cause);
        close();
    }

    // ---------------------------------------------------------------- the CONNECT tunnel

    /** TCP to the proxy is up: ask it for a tunnel to the origin (RFC 9110 §9.3.6, RFC 9112 §3.2.3). */
    private void startTunnel() {
        tunnelling = true;
        String target = Proxy.authorityForm(origin);
        StringBuilder sb = new StringBuilder(96).append("CONNECT ").append(target).append(" HTTP/1.1\r\nHost: ")
                .append(target).append("\r\n");
        if (proxy.authorization() != null) {
            sb.append("Proxy-Authorization: ").append(proxy.authorization()).append("\r\n");
        }
        tunnelOut = ByteBuffer.wrap(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        tunnelIn = ByteBuffer.allocate(MAX_TUNNEL_HEAD);
        writeTunnel();
    }

    private void onTunnelReady(SelectionKey k) {
        if (!k.isValid()) {
            failTunnel(-1, "the connection to the proxy broke");
            return;
        }
        if ((k.readyOps() & SelectionKey.OP_WRITE) != 0) {
            writeTunnel();
        }
        if (tunnelling && !isClosed() && (k.readyOps() & SelectionKey.OP_READ) != 0) {
            readTunnel();
        }
    }

    private void writeTunnel() {
        try {
            channel.write(tunnelOut);
        } catch (IOException e) {
            failTunnel(-1, "writing CONNECT failed: " + e.getMessage());
            return;
        }
        setInterest(SelectionKey.OP_WRITE, tunnelOut.hasRemaining());
    }

    /** Reads the proxy's answer to CONNECT; on a 2xx the handshake with the origin starts. */
    private void readTunnel() {
        int n;
        try {
            n = channel.read(tunnelIn);
        } catch (IOException e) {
            failTunnel(-1, "reading its answer to CONNECT failed: " + e.getMessage());
            return;
        }
        if (n < 0) {
            failTunnel(-1, "it closed the connection without answering CONNECT");
            return;
        }
        byte[] a = tunnelIn.array();
        int len = tunnelIn.position();
        int end = -1;
        for (int i = 3; i < len; i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                end = i + 1;
                break;
            }
        }
        if (end < 0) {
            if (!tunnelIn.hasRemaining()) {
                failTunnel(-1, "its answer to CONNECT has a head longer than " + MAX_TUNNEL_HEAD + " bytes");
            }
            return;
        }
        int lineEnd = 0;
        while (a[lineEnd] != '\r') {
            lineEnd++;
        }
        String line = new String(a, 0, lineEnd, StandardCharsets.ISO_8859_1);
        // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' '
                || !Character.isDigit(line.charAt(9)) || !Character.isDigit(line.charAt(10))
                || !Character.isDigit(line.charAt(11)) || line.length() > 12 && line.charAt(12) != ' ') {
            failTunnel(-1, "its answer to CONNECT is no HTTP/1.1 status line: " + printable(line));
            return;
        }
        int status = Integer.parseInt(line.substring(9, 12));
        if (status < 200 || status > 299) {
            failTunnel(status, "it answered CONNECT with " + printable(line.substring(9)));
            return;
        }
        if (end < len) {
            // RFC 9110 §9.3.6: after a 2xx the bytes are the origin's, and a TLS server speaks only after the ClientHello
            failTunnel(-1, "it sent " + (len - end) + " bytes after its 2xx answer to CONNECT, before TLS began");
            return;
        }
        tunnelling = false;
        tunnelIn = null;
        tunnelOut = null;
        startHandshake();
    }

    private void failTunnel(int status, String why) {
        if (isClosed()) {
            return;
        }
        tunnelling = false;
        client().onConnectFailed(new ProxyConnectException("proxy " + proxy + " did not open a tunnel to " + origin
                + ": " + why, proxy.toString(), status));
        close();
    }

    /** At most 60 characters, controls and non-ASCII as '?': a proxy's words in our messages. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return "\"" + b + (s.length() > 60 ? "..." : "") + "\"";
    }

    /** Arms the connect timeout (TCP connect plus, on https, the handshake); loop thread. */
    void connectTimer(ScheduledFuture<?> timer) {
        connectTimer = timer;
    }

    private void cancelConnectTimer() {
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
    }

    /** The connect did not finish in time. */
    void connectTimedOut(long timeoutMs) {
        if (isClosed() || connected) {
            return;
        }
        String via = proxy == null ? "" : " through proxy " + proxy;
        client().onConnectFailed(new ConnectTimeoutException(transport != null
                ? "TLS handshake with " + origin + via + " not finished within " + timeoutMs + " ms (the connect timeout)"
                : tunnelling ? "proxy " + proxy + " did not open the tunnel to " + origin + " within " + timeoutMs
                        + " ms (the connect timeout)"
                : "connection to " + (proxy == null ? origin.toString() : "proxy " + proxy + " (for " + origin + ")")
                        + " not established within " + timeoutMs + " ms"));
        close();
    }

    @Override
    protected void onClose() {
        cancelConnectTimer();
        client().onClosed();
    }
}

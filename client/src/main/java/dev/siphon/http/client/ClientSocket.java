package dev.siphon.http.client;

import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.SocketPump;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
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
 */
final class ClientSocket extends SocketPump {
    /** What runs over the socket: HTTP/1.1 or HTTP/2. Every call is on the loop thread. */
    interface Protocol extends dev.siphon.http.net.Protocol {
        /** The connection is open: TCP connected and, on https, the handshake done. */
        void onConnected();

        /** The connect failed; {@link #onClosed} follows. */
        void onConnectFailed(ClientException cause);
    }

    private final Origin origin;
    private final ClientTls tls; // null on http://
    private final List<String> alpn;
    private final boolean hasIdentity; // a client certificate is configured (for messages)
    private boolean connected; // TCP connected and, on https, the handshake done
    /** Fires {@link #connectTimedOut} unless the connect settles first; cancelled when it does. */
    private ScheduledFuture<?> connectTimer;
    private TlsException failure;

    /**
     * @param tls         the client's TLS side for an https origin, else null
     * @param alpn        what it offers by ALPN
     * @param hasIdentity whether it presents a client certificate (for messages)
     */
    ClientSocket(EventLoop loop, Origin origin, Protocol protocol, ClientTls tls, List<String> alpn,
                 boolean hasIdentity) {
        super(loop, protocol);
        this.origin = origin;
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
        failure = new TlsException((connected ? "TLS failure on the connection to " + origin + ": "
                : "TLS handshake with " + origin + " failed: ") + TlsFailures.explain(e, connected, hasIdentity), e);
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
        if (e instanceof ConnectException) {
            cause = new ConnectRefusedException("connection to " + origin + " refused: " + e.getMessage(), e);
        } else if (e instanceof java.net.UnknownHostException) {
            cause = new ConnectFailedException("cannot resolve host " + origin.host() + " of " + origin, e);
        } else {
            cause = new ConnectFailedException("cannot connect to " + origin + ": " + e, e);
        }
        client().onConnectFailed(cause);
        close();
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
        client().onConnectFailed(new ConnectTimeoutException(transport != null
                ? "TLS handshake with " + origin + " not finished within " + timeoutMs + " ms (the connect timeout)"
                : "connection to " + origin + " not established within " + timeoutMs + " ms"));
        close();
    }

    @Override
    protected void onClose() {
        cancelConnectTimer();
        client().onClosed();
    }
}

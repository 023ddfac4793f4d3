package dev.siphon.http.client;

import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.OutboundQueue;
import dev.siphon.http.net.Transport;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import javax.net.ssl.SSLException;

/**
 * One outbound TCP connection on a client loop: connects without blocking, reads into a pooled
 * buffer held only while it has unconsumed bytes (an idle pooled connection holds none), and
 * writes what its protocol queued in an {@link OutboundQueue}. The client-side counterpart of the
 * engine's {@code Connection}. Loop thread only.
 *
 * <p><b>TLS.</b> For an https origin the socket puts a client-mode {@link Transport} from the
 * TLS provider between the protocol and the channel: reads and writes go through
 * {@link #channelRead} and {@link #channelFlush} only. The protocol hears
 * {@link Protocol#onConnected()} once the handshake is done, not when TCP connects, so the
 * connect timeout covers both, and it may then ask {@link #applicationProtocol()} what ALPN chose.
 * A TLS failure at any time (the handshake, or an alert later, such as a server refusing to go on
 * without a client certificate) closes the socket and is kept in {@link #failure()} as a
 * {@link TlsException} for the protocol to fail its exchanges with.
 */
final class ClientSocket implements EventLoop.ChannelHandler {
    private static final System.Logger LOG = System.getLogger("siphon.http.client");
    /** Consecutive reads per readiness event before yielding to other connections. */
    private static final int READS_PER_EVENT = 4;

    /** What runs over the socket: HTTP/1.1 or HTTP/2. Every call is on the loop thread. */
    interface Protocol {
        /** The TCP connection is open. */
        void onConnected();

        /** The connect failed; {@link #onClosed} follows. */
        void onConnectFailed(ClientException cause);

        /** New bytes in read mode; consume what can be used, leave the rest. */
        void onRead(ByteBuffer in);

        /** The peer closed its sending side. */
        void onInputClosed();

        /** Everything queued was written. */
        void onDrained();

        /** The socket is closed (either side, or a read/write error). Called once. */
        void onClosed();
    }

    private final EventLoop loop;
    private final Origin origin;
    private final ClientTls tls; // null on http://
    private final List<String> alpn;
    private final boolean hasIdentity; // a client certificate is configured (for messages)
    private Protocol protocol;
    private final OutboundQueue out;
    private SocketChannel channel;
    private SelectionKey key;
    private Transport transport; // null on http://, and until TCP connects
    private ByteBuffer in; // write mode between reads; null when empty
    private boolean connected; // TCP connected and, on https, the handshake done
    private boolean closed;
    /** Fires {@link #connectTimedOut} unless the connect settles first; cancelled when it does. */
    private ScheduledFuture<?> connectTimer;
    private boolean inRead;
    private boolean flushRequested;
    private boolean readScheduled;
    private TlsException failure;

    ClientSocket(EventLoop loop, Origin origin, Protocol protocol) {
        this(loop, origin, protocol, null, List.of(), false);
    }

    /**
     * @param tls         the client's TLS side for an https origin, else null
     * @param alpn        what it offers by ALPN
     * @param hasIdentity whether it presents a client certificate (for messages)
     */
    ClientSocket(EventLoop loop, Origin origin, Protocol protocol, ClientTls tls, List<String> alpn,
                 boolean hasIdentity) {
        this.loop = loop;
        this.origin = origin;
        this.protocol = protocol;
        this.tls = tls;
        this.alpn = alpn;
        this.hasIdentity = hasIdentity;
        this.out = new OutboundQueue(loop.pool());
    }

    /** Hands the socket to another protocol once ALPN chose one the pool did not expect. */
    void protocol(Protocol next) {
        this.protocol = next;
    }

    OutboundQueue out() {
        return out;
    }

    boolean isConnected() {
        return connected && !closed;
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

    boolean isClosed() {
        return closed;
    }

    /** Starts connecting to {@code address}; the protocol hears the outcome. */
    void connect(InetSocketAddress address) {
        if (closed) {
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

    /** TCP is up: HTTP starts now, or on https the handshake does (its ClientHello goes out). */
    private void tcpConnected() {
        if (tls == null) {
            connected = true;
            cancelConnectTimer();
            protocol.onConnected();
            return;
        }
        try {
            transport = tls.open(channel, loop.pool(), origin.host(), origin.port(), alpn);
            setInterest(SelectionKey.OP_WRITE, !transport.flushHeld());
        } catch (IOException | RuntimeException e) {
            failTls(e);
        }
    }

    /** The handshake is done: HTTP may start. */
    private void handshakeDone() {
        connected = true;
        cancelConnectTimer();
        protocol.onConnected();
    }

    /**
     * A TLS failure: before the handshake ended it is the connect's failure; after, the exchanges
     * on the connection fail with it (through {@link Protocol#onClosed()} and {@link #failure()}).
     */
    private void failTls(Exception e) {
        if (closed) {
            return;
        }
        failure = new TlsException((connected ? "TLS failure on the connection to " + origin + ": "
                : "TLS handshake with " + origin + " failed: ") + TlsFailures.explain(e, connected, hasIdentity), e);
        if (!connected) {
            protocol.onConnectFailed(failure);
        }
        close();
    }

    /** The address could not be resolved (or another failure before the socket existed). */
    void failConnect(IOException e) {
        if (closed) {
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
        protocol.onConnectFailed(cause);
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
        if (closed || connected) {
            return;
        }
        protocol.onConnectFailed(new ConnectTimeoutException(transport != null
                ? "TLS handshake with " + origin + " not finished within " + timeoutMs + " ms (the connect timeout)"
                : "connection to " + origin + " not established within " + timeoutMs + " ms"));
        close();
    }

    @Override
    public void onReady(SelectionKey k) {
        if (!k.isValid()) {
            close();
            return;
        }
        int ops = k.readyOps();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
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
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            flushNow();
        }
        if (!closed && (ops & SelectionKey.OP_READ) != 0) {
            read();
        }
    }

    private void read() {
        inRead = true;
        try {
            for (int i = 0; i < READS_PER_EVENT && !closed; i++) {
                if (in == null) {
                    in = loop.pool().acquire();
                }
                int n = channelRead(in);
                if (!connected && transport != null && transport.isReady()) {
                    handshakeDone();
                }
                if (n < 0) {
                    setInterest(SelectionKey.OP_READ, false);
                    if (!connected && transport != null) {
                        throw new EOFException("the server closed the connection during the handshake");
                    }
                    protocol.onInputClosed();
                    break;
                }
                if (n > 0) {
                    in.flip();
                    try {
                        protocol.onRead(in);
                    } finally {
                        if (in != null) {
                            in.compact();
                        }
                    }
                }
                if (in != null && !in.hasRemaining() && !closed) {
                    // A full buffer the protocol could not consume: the protocol enforces its own
                    // caps below the buffer size, so this is a protocol bug; stop rather than spin.
                    LOG.log(System.Logger.Level.WARNING, "read buffer full without progress; closing " + origin);
                    close();
                    break;
                }
                // cleartext: a buffer the socket did not fill means it had no more for now; TLS:
                // the transport may hold whole records the selector will not report
                boolean more = transport != null && transport.hasBufferedInput();
                if (!more) {
                    break;
                }
            }
        } catch (SSLException | EOFException e) {
            LOG.log(System.Logger.Level.TRACE, "TLS failure", e);
            failTls(e);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "read failed", e);
            close();
        } finally {
            inRead = false;
        }
        if (in != null && (closed || in.position() == 0)) {
            loop.pool().release(in);
            in = null;
        }
        if (!closed && (flushRequested || transport != null && transport.hasHeldOutput())) {
            flushNow();
        }
        readAgainIfBuffered();
    }

    /** Records already inside the transport are not signalled by the selector: read them on the next turn. */
    private void readAgainIfBuffered() {
        if (transport != null && !closed && !readScheduled && transport.hasBufferedInput()) {
            readScheduled = true;
            loop.submit(() -> { // a later turn: inline, a fast download nests reads and holds the loop
                readScheduled = false;
                if (!closed) {
                    read();
                }
            });
        }
    }

    /** The one place bytes come in (the TLS seam). */
    private int channelRead(ByteBuffer dst) throws IOException {
        return transport == null ? channel.read(dst) : transport.read(dst);
    }

    /**
     * The one place bytes go out (the TLS seam): true when everything queued was written (and,
     * on TLS, every encrypted byte and handshake message the transport held).
     */
    private boolean channelFlush() throws IOException {
        if (transport == null) {
            return out.flush(channel);
        }
        try {
            boolean drained = out.flush(transport) && transport.flushHeld();
            if (!connected && transport.isReady()) {
                handshakeDone(); // TLS 1.2: our Finished is the handshake's last message
            }
            readAgainIfBuffered();
            return drained;
        } catch (RuntimeException e) {
            throw new SSLException("TLS failure", e);
        }
    }

    /** Writes what is queued: batched to the end of the current read when called from one. */
    void flush() {
        if (closed || !connected) {
            return;
        }
        if (inRead) {
            flushRequested = true;
        } else {
            flushNow();
        }
    }

    private void flushNow() {
        flushRequested = false;
        try {
            if (channelFlush()) {
                setInterest(SelectionKey.OP_WRITE, false);
                if (connected) {
                    protocol.onDrained();
                }
            } else {
                setInterest(SelectionKey.OP_WRITE, true);
            }
        } catch (SSLException e) {
            LOG.log(System.Logger.Level.TRACE, "TLS failure", e);
            failTls(e);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "write failed", e);
            close();
        }
    }

    private void setInterest(int op, boolean on) {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = key.interestOps();
        int next = on ? ops | op : ops & ~op;
        if (next != ops) {
            key.interestOps(next);
        }
    }

    /** Closes at once, dropping anything unwritten and returning every pooled buffer. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelConnectTimer();
        if (key != null) {
            key.cancel();
        }
        if (transport != null) {
            transport.close(); // returns its buffers; sends close_notify if the socket takes it now
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.TRACE, "close failed", e);
            }
        }
        out.discard();
        if (in != null && !inRead) {
            loop.pool().release(in);
            in = null;
        }
        protocol.onClosed();
    }
}

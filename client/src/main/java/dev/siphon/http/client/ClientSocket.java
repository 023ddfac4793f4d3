package dev.siphon.http.client;

import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.OutboundQueue;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One outbound TCP connection on a client loop: connects without blocking, reads into a pooled
 * buffer held only while it has unconsumed bytes (an idle pooled connection holds none), and
 * writes what its protocol queued in an {@link OutboundQueue}. The client-side counterpart of the
 * engine's {@code Connection}. Loop thread only.
 *
 * <p><b>TLS seam.</b> Reads and writes go through {@link #channelRead} and {@link #channelFlush}
 * only. An https connection puts the engine's {@code net.Transport} (the TLS engineer's
 * SSLEngine layer: {@code read(ByteBuffer)}, gathering {@code write}, {@code flushHeld()},
 * {@code isReady()}) between these two methods and the socket, and reports
 * {@link Protocol#onConnected()} once the transport's handshake is done (ALPN then chooses
 * {@link Http1Connection} or {@link Http2Connection}). Until that transport is on main,
 * {@link HttpClient} refuses https origins with a {@link TlsException}.
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
    private final Protocol protocol;
    private final OutboundQueue out;
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer in; // write mode between reads; null when empty
    private boolean connected;
    private boolean closed;
    private boolean inRead;
    private boolean flushRequested;

    ClientSocket(EventLoop loop, Origin origin, Protocol protocol) {
        this.loop = loop;
        this.origin = origin;
        this.protocol = protocol;
        this.out = new OutboundQueue(loop.pool());
    }

    OutboundQueue out() {
        return out;
    }

    boolean isConnected() {
        return connected && !closed;
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
                connected = true;
                protocol.onConnected();
            }
        } catch (IOException e) {
            failConnect(e);
        }
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

    /** The connect did not finish in time. */
    void connectTimedOut(long timeoutMs) {
        if (closed || connected) {
            return;
        }
        protocol.onConnectFailed(new ConnectTimeoutException(
                "connection to " + origin + " not established within " + timeoutMs + " ms"));
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
            connected = true;
            k.interestOps(SelectionKey.OP_READ);
            protocol.onConnected();
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
                if (n < 0) {
                    setInterest(SelectionKey.OP_READ, false);
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
                if (in == null || in.hasRemaining()) {
                    break; // the socket had no more for now
                }
                // A full buffer the protocol could not consume: the protocol enforces its own
                // caps below the buffer size, so this is a protocol bug; stop rather than spin.
                LOG.log(System.Logger.Level.WARNING, "read buffer full without progress; closing " + origin);
                close();
            }
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
        if (flushRequested && !closed) {
            flushNow();
        }
    }

    /** The one place bytes come in (the TLS seam). */
    private int channelRead(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    /** The one place bytes go out (the TLS seam): true when everything queued was written. */
    private boolean channelFlush() throws IOException {
        return out.flush(channel);
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
                protocol.onDrained();
            } else {
                setInterest(SelectionKey.OP_WRITE, true);
            }
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
        if (key != null) {
            key.cancel();
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

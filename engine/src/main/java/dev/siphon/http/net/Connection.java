package dev.siphon.http.net;

import dev.siphon.http.TlsInfo;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.internal.Counters.Limit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One accepted socket: reads into a pooled buffer, hands the bytes to its {@link Session}, and
 * writes what the session queues. Loop thread only.
 *
 * <p>The read buffer is held only while a read event is handled. Bytes the session could not
 * consume yet (part of a head, of a frame) wait in an array of about their length until the
 * next read (reused while a body streams through in pieces), so an idle keep-alive connection
 * holds no buffer, and neither does one that sent a single byte and stopped.
 *
 * <p>On a TLS listener a {@link Transport} sits between the socket and the session: the session
 * is created only when the handshake has finished (so it can be chosen by ALPN), and sees
 * plaintext exactly as on cleartext. Cleartext connections have no transport and read and write
 * the channel directly.
 */
public final class Connection {
    private static final System.Logger LOG = System.getLogger("siphon.http.connection");
    /** Consecutive reads per readiness event before yielding to other connections. */
    private static final int READS_PER_EVENT = 4;
    /** Queued output above which the session stops taking new requests until the peer reads. */
    private static final long OUTPUT_HIGH_WATER = 1 << 20;

    private final EventLoop loop;
    private final SocketChannel channel;
    private final Listener listener;
    private final InetSocketAddress remote;
    private final OutboundQueue out;
    private final Counters counters;
    private final TransportFactory transports; // null on cleartext
    private Transport transport; // null on cleartext
    private SessionFactory deferred; // the session to create once the TLS handshake has finished
    private boolean readScheduled;
    private SelectionKey key;
    private Session session;
    private ByteBuffer in; // write mode; only while a read is handled, else null
    private byte[] kept; // bytes received and not yet consumed, between reads, at its start; null when none
    private int keptLength;
    private boolean closed;
    private boolean readPaused;
    private boolean inputClosed;
    private boolean closeWhenDrained;
    private boolean inRead;
    private boolean flushRequested;
    private boolean writeBlocked; // the socket refused bytes: waiting for OP_WRITE
    private boolean admitted = true; // counted by the listener's limiter until released
    private boolean handshaking; // holds one of the limiter's TLS handshake slots
    private final long openedAt = System.nanoTime();
    int loopIndex = -1;

    Connection(EventLoop loop, SocketChannel channel, Listener listener, InetSocketAddress remote, Counters counters,
               TransportFactory transports) {
        this.transports = transports;
        this.loop = loop;
        this.channel = channel;
        this.listener = listener;
        this.remote = remote;
        this.counters = counters;
        this.out = new OutboundQueue(loop.pool());
        this.handshaking = transports != null;
    }

    /** Registers with the loop's selector and starts the session. Loop thread. */
    void start(SessionFactory factory) {
        if (loop.isStopped()) {
            closeChannelQuietly(); // accepted while the engine was closing
            releaseAdmission();
            return;
        }
        try {
            key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
        } catch (ClosedChannelException e) {
            closeChannelQuietly();
            releaseAdmission();
            return;
        }
        loop.add(this);
        counters.connectionAccepted();
        if (transports == null) {
            session = factory.create(this);
        } else {
            try {
                transport = transports.create(this);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot set up TLS for " + remote, e);
                session = new Handshaking();
                close();
                return;
            }
            deferred = factory;
            session = new Handshaking();
        }
        if (loop.isShuttingDown()) {
            shutdown();
        }
    }

    public EventLoop loop() {
        return loop;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    public Listener listener() {
        return listener;
    }

    public OutboundQueue out() {
        return out;
    }

    /** The socket, for a {@link Transport} to read and write through. */
    public SocketChannel channel() {
        return channel;
    }

    /**
     * The handshake's result on a TLS connection (ALPN protocol, SNI host name, verified client
     * certificate); {@code null} on cleartext.
     */
    public TlsInfo tls() {
        return transport == null ? null : transport.info();
    }

    /**
     * Hands the connection to another protocol session, for a session that only detects the
     * protocol (the HTTP/2 preface on cleartext, later ALPN). Loop thread; the new session
     * receives every callback from now on.
     */
    public void replaceSession(Session next) {
        session = next;
    }

    public boolean isClosed() {
        return closed;
    }

    void onReady(SelectionKey k) {
        if (!k.isValid()) {
            close();
            return;
        }
        int ops = k.readyOps();
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            flushNow();
        }
        if (!closed && (ops & SelectionKey.OP_READ) != 0) {
            if (deferred != null && !loop.takeHandshakeStep()) {
                return; // the bytes stay in the socket, and the selector reports it again next pass
            }
            read();
        }
    }


    private void startSession() {
        SessionFactory f = deferred;
        deferred = null;
        if (handshaking) {
            handshaking = false;
            listener.limiter().handshakeDone();
        }
        session = f.create(this);
        if (loop.isShuttingDown()) {
            session.onShutdown();
        }
    }

    /** Records already inside the transport are not signalled by the selector: read them on the next turn. */
    private void readAgainIfBuffered() {
        if (transport != null && !closed && !readPaused && !readScheduled && transport.hasBufferedInput()) {
            readScheduled = true;
            loop.submit(() -> {
                readScheduled = false;
                if (!closed && !readPaused) {
                    read();
                }
            });
        }
    }

    /**
     * Reads what the socket (or, on TLS, the transport) has and hands it to the session. A TLS
     * transport may hold whole records the selector will not report, and starts the session
     * when the handshake ends. Whatever the session throws costs this connection only.
     */
    private void read() {
        inRead = true;
        try {
            for (int i = 0; i < READS_PER_EVENT && !readPaused && !closed; i++) {
                if (in == null) {
                    in = loop.pool().acquire(kept, keptLength);
                    keptLength = 0; // kept stays as the spare array for releaseInput
                }
                int n = transport == null ? channel.read(in) : transport.read(in);
                if (deferred != null && transport.isReady()) {
                    startSession();
                }
                if (n < 0) {
                    onEof();
                    break;
                }
                if (n > 0) {
                    deliver();
                    if (in != null && !in.hasRemaining() && !readPaused && !closed) {
                        // The session needs more than a whole buffer to make progress: a limit
                        // larger than engine.buffer_size. Reading on would spin; drop the connection.
                        LOG.log(System.Logger.Level.WARNING, "read buffer full without progress; closing " + remote);
                        close();
                        break;
                    }
                }
                boolean more = transport == null ? in != null && !in.hasRemaining() : transport.hasBufferedInput();
                if (!more) {
                    break; // the socket had no more for now
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "read failed", e);
            if (deferred != null) {
                counters.tripped(Limit.TLS_HANDSHAKE);
            }
            close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "failure reading from " + remote + "; closing", e);
            close();
        } finally {
            inRead = false;
        }
        releaseInput();
        if (!closed && (flushRequested || (transport != null && transport.hasHeldOutput()))) {
            flushNow();
        }
        if (transport != null) {
            readAgainIfBuffered();
        }
    }

    private void deliver() {
        in.flip();
        try {
            session.onRead(in);
        } finally {
            if (in != null) {
                in.compact();
            }
        }
    }

    /** Returns the read buffer, keeping what the session has not consumed. */
    private void releaseInput() {
        if (in != null) {
            keptLength = in.position();
            kept = loop.pool().releaseKeeping(in, kept);
            in = null;
        }
    }

    private void onEof() {
        inputClosed = true;
        setInterest(SelectionKey.OP_READ, false);
        session.onInputClosed();
    }

    /**
     * Feeds bytes still buffered to the session again (after it resumed from a pause). Must not
     * be called from inside {@link Session#onRead}.
     */
    public void redeliver() {
        if (closed || keptLength == 0 || inRead) {
            return;
        }
        in = loop.pool().acquire(kept, keptLength);
        keptLength = 0;
        inRead = true;
        try {
            deliver();
        } finally {
            inRead = false;
        }
        releaseInput();
        if (flushRequested && !closed) {
            flushNow();
        }
    }

    /** Stops reading from the socket (backpressure); bytes already buffered stay buffered. */
    public void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            setInterest(SelectionKey.OP_READ, false);
        }
    }

    /** Resumes reading and re-feeds buffered bytes. */
    public void resumeReading() {
        if (readPaused && !closed) {
            readPaused = false;
            if (!inputClosed) {
                setInterest(SelectionKey.OP_READ, true);
            }
            redeliver();
            readAgainIfBuffered();
        }
    }

    public boolean isInputClosed() {
        return inputClosed;
    }

    /** Bytes received and not yet consumed by the session. */
    public int bufferedInput() {
        return in != null ? in.position() : keptLength;
    }

    /**
     * Writes what the session queued: batched to the end of the current read when called from
     * inside one (so pipelined responses leave in one write), else at once.
     */
    public void flush() {
        if (closed) {
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
            boolean drained = transport == null ? out.flush(channel) : flushTransport();
            if (drained) {
                writeBlocked = false;
                setInterest(SelectionKey.OP_WRITE, false);
                if (closeWhenDrained) {
                    close();
                } else {
                    session.onDrained();
                }
            } else {
                writeBlocked = true;
                setInterest(SelectionKey.OP_WRITE, true);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "write failed", e);
            close();
        }
    }

    private boolean flushTransport() throws IOException {
        boolean drained;
        try {
            drained = out.flush(transport) && transport.flushHeld();
        } catch (RuntimeException e) {
            throw new IOException("TLS failure", e); // closes this connection, not the loop
        }
        if (deferred != null && transport.isReady()) {
            startSession(); // TLS 1.2: the server's Finished is the handshake's last message
        }
        readAgainIfBuffered(); // a handshake waiting on its write may have whole records buffered
        return drained;
    }

    /**
     * True while the peer is not reading fast enough: the socket refused bytes, or more than
     * {@link #OUTPUT_HIGH_WATER} bytes are queued. Sessions take no new requests meanwhile.
     */
    public boolean isWriteBlocked() {
        return writeBlocked || out.pendingBytes() > OUTPUT_HIGH_WATER;
    }

    /** Closes once everything queued is written; reads nothing more. */
    public void closeAfterFlush() {
        closeWhenDrained = true;
        pauseReading();
        if (!inRead && out.isEmpty() && (transport == null || !transport.hasHeldOutput())) {
            close();
        } else {
            flush();
        }
    }

    /**
     * This connection's state in one line (peer, session, what it waits for, bytes held), for
     * diagnosing connections that stay open: a diagnostic, not a format. Loop thread only.
     */
    String describe(long now) {
        int ops = key != null && key.isValid() ? key.interestOps() : -1;
        return remote + (transport != null ? " tls" : "") + " age " + (now - openedAt) / 1_000_000 + " ms"
                + " interest " + (ops < 0 ? "none" : ((ops & SelectionKey.OP_READ) != 0 ? "r" : "")
                        + ((ops & SelectionKey.OP_WRITE) != 0 ? "w" : ""))
                + (readPaused ? " read-paused" : "") + (inputClosed ? " input-closed" : "")
                + (writeBlocked ? " write-blocked" : "") + (closeWhenDrained ? " closing" : "")
                + (handshaking ? " handshaking" : "") + " queued " + out.pendingBytes() + " B, kept " + keptLength
                + " B; " + (session != null ? session.describe() : "no session");
    }

    void onTick(long now) {
        if (!closed) {
            session.onTick(now);
        }
    }

    void shutdown() {
        if (!closed) {
            session.onShutdown();
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

    /** Closes at once, dropping anything unwritten. Idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        if (transport != null) {
            transport.close(); // returns its buffers; may send close_notify first
        }
        closeChannelQuietly();
        out.discard();
        if (in != null) {
            loop.pool().release(in); // a session closing from onRead must not touch the buffer again
            in = null;
        }
        kept = null;
        keptLength = 0;
        loop.remove(this);
        releaseAdmission();
        counters.connectionClosed();
        if (session != null) {
            session.onClosed();
        }
    }

    /** Gives back what the listener's limiter counted for this connection. Once. */
    private void releaseAdmission() {
        if (admitted) {
            admitted = false;
            listener.limiter().release(remote.getAddress(), handshaking);
            handshaking = false;
        }
    }

    private void closeChannelQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "close failed", e);
        }
    }

    /**
     * The session while the TLS handshake runs: no plaintext reaches it; it enforces the
     * handshake's deadline and gives up on end of input or shutdown.
     */
    private final class Handshaking implements Session {
        @Override
        public void onRead(ByteBuffer in) {
            // the transport yields no plaintext before the handshake ends
        }

        @Override
        public void onInputClosed() {
            close();
        }

        @Override
        public void onDrained() {
            // handshake messages went out; the transport decides what is next
        }

        @Override
        public void onTick(long nowNanos) {
            if (transport != null && transport.handshakeExpired(nowNanos)) {
                counters.tripped(Limit.TLS_HANDSHAKE_TIMEOUT);
                close();
            }
        }

        @Override
        public void onClosed() {
            // nothing in flight
        }

        @Override
        public void onShutdown() {
            close();
        }
    }
}

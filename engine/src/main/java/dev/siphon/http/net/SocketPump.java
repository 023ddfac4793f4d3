package dev.siphon.http.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLException;

/**
 * Moves bytes between one socket and the {@link Protocol} spoken on it, for the server's
 * accepted connections ({@link Connection}) and the client's outbound ones alike: reads into a
 * pooled buffer and hands the bytes up, writes what the protocol queued in its
 * {@link OutboundQueue}, puts a TLS {@link Transport} in between when there is one, pauses
 * reading for backpressure, and closes. What differs between the two sides (how the socket came
 * to be, what a TLS failure or an end of input during the handshake means, what closing gives
 * back) is in the few methods a subclass overrides. Loop thread only.
 *
 * <p>The read buffer is held only while a read event is handled. Bytes the protocol could not
 * consume yet (part of a head, of a frame) wait in an array of about their length until the next
 * read (reused while a body streams through in pieces), so an idle keep-alive connection holds no
 * buffer, and neither does one that sent a single byte and stopped.
 *
 * <p>A TLS transport may hold whole records the selector will not report; the pump reads them
 * on a later turn of the loop ({@link EventLoop#submit}), never inside the read that found them:
 * nested, a fast peer would keep the loop inside one connection and grow its stack.
 */
public abstract class SocketPump implements EventLoop.ChannelHandler {
    private static final System.Logger LOG = System.getLogger("siphon.http.connection");
    /** Consecutive reads per readiness event before yielding to other connections. */
    private static final int READS_PER_EVENT = 4;
    /** Queued output above which the protocol stops taking new work until the peer reads. */
    private static final long OUTPUT_HIGH_WATER = 1 << 20;

    protected final EventLoop loop;
    protected final OutboundQueue out;
    protected SocketChannel channel;
    protected SelectionKey key;
    protected Transport transport; // null on cleartext, and on TLS until TCP is up
    private Protocol protocol;
    /** TLS only: the handshake has not finished, so no plaintext flows yet. */
    private boolean handshaking;
    /** Plaintext may flow: cleartext and connected, or the TLS handshake finished. */
    private boolean ready;
    private ByteBuffer in; // write mode; only while a read is handled, else null
    private byte[] kept; // bytes received and not yet consumed, between reads, at its start; null when none
    private int keptLength;
    private boolean closed;
    private boolean readPaused;
    private boolean readScheduled;
    private boolean inputClosed;
    private boolean closeWhenDrained;
    private boolean inRead;
    private boolean flushRequested;
    private boolean writeBlocked; // the socket refused bytes: waiting for OP_WRITE

    protected SocketPump(EventLoop loop, Protocol protocol) {
        this.loop = loop;
        this.protocol = protocol;
        this.out = new OutboundQueue(loop.pool());
    }

    // ---------------------------------------------------------------- what a subclass decides

    /** The TLS handshake finished: plaintext may flow from now on. */
    protected abstract void onHandshakeDone();

    /**
     * A read ({@code reading}) or a write failed: the socket is unusable. Called before the pump
     * closes; {@code tls} is true for a TLS failure (a bad record, an alert, a handshake the peer
     * broke). The default only logs.
     */
    protected void onIoFailure(IOException e, boolean tls, boolean reading) {
        LOG.log(System.Logger.Level.TRACE, "I/O failed", e);
    }

    /**
     * The peer closed the connection before the TLS handshake finished. The default closes; a
     * client reports it as a failed handshake first.
     */
    protected void onInputEndedInHandshake() {
        close();
    }

    /** True when a read event may be handled now (a server rations its handshake steps). */
    protected boolean mayRead() {
        return true;
    }

    /** The pump is closed and its buffers are back: what the subclass holds goes too. Once. */
    protected abstract void onClose();

    // ---------------------------------------------------------------- set-up

    /** Cleartext and connected: plaintext may flow. */
    protected final void startPlain() {
        ready = true;
    }

    /** TLS: the handshake runs through {@code t} until {@link #onHandshakeDone}. */
    protected final void startTls(Transport t) {
        transport = t;
        handshaking = true;
    }

    /** The protocol now spoken: every callback goes to it from now on. */
    protected final void protocol(Protocol next) {
        protocol = next;
    }

    protected final Protocol protocol() {
        return protocol;
    }

    // ---------------------------------------------------------------- state

    public final EventLoop loop() {
        return loop;
    }

    public final OutboundQueue out() {
        return out;
    }

    /** The socket, for a {@link Transport} to read and write through. */
    public final SocketChannel channel() {
        return channel;
    }

    public final boolean isClosed() {
        return closed;
    }

    /** True while the TLS handshake runs (never on cleartext). */
    protected final boolean isHandshaking() {
        return handshaking;
    }

    /** Plaintext may flow (cleartext and connected, or the handshake is done) and the pump is open. */
    protected final boolean isReady() {
        return ready && !closed;
    }

    public final boolean isInputClosed() {
        return inputClosed;
    }

    /** Bytes received and not yet consumed by the protocol. */
    public final int bufferedInput() {
        return in != null ? in.position() : keptLength;
    }

    /**
     * True while the peer is not reading fast enough: the socket refused bytes, or more than
     * {@link #OUTPUT_HIGH_WATER} bytes are queued. Protocols take no new work meanwhile.
     */
    public final boolean isWriteBlocked() {
        return writeBlocked || out.pendingBytes() > OUTPUT_HIGH_WATER;
    }

    /** The pump's state in a few words, for diagnostics. */
    protected final String pumpState() {
        int ops = key != null && key.isValid() ? key.interestOps() : -1;
        return "interest " + (ops < 0 ? "none" : ((ops & SelectionKey.OP_READ) != 0 ? "r" : "")
                + ((ops & SelectionKey.OP_WRITE) != 0 ? "w" : ""))
                + (readPaused ? " read-paused" : "") + (inputClosed ? " input-closed" : "")
                + (writeBlocked ? " write-blocked" : "") + (closeWhenDrained ? " closing" : "")
                + (handshaking ? " handshaking" : "") + " queued " + out.pendingBytes() + " B, kept " + keptLength + " B";
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void onReady(SelectionKey k) {
        if (!k.isValid()) {
            close();
            return;
        }
        int ops = k.readyOps();
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            flushNow();
        }
        if (!closed && (ops & SelectionKey.OP_READ) != 0 && mayRead()) {
            read();
        }
    }

    /**
     * Reads what the socket (or, on TLS, the transport) has and hands it to the protocol. A TLS
     * transport may hold whole records the selector will not report. Whatever the protocol throws
     * costs this connection only.
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
                checkHandshakeDone();
                if (n < 0) {
                    if (handshaking) {
                        onInputEndedInHandshake();
                    } else {
                        onEof();
                    }
                    break;
                }
                if (n > 0) {
                    deliver();
                    if (in != null && !in.hasRemaining() && !readPaused && !closed) {
                        // The protocol needs more than a whole buffer to make progress: a limit
                        // larger than the buffer size. Reading on would spin; drop the connection.
                        LOG.log(System.Logger.Level.WARNING, "read buffer full without progress; closing " + this);
                        close();
                        break;
                    }
                }
                boolean more = transport == null ? in != null && !in.hasRemaining() : transport.hasBufferedInput();
                if (!more) {
                    break; // the socket had no more for now
                }
            }
        } catch (SSLException e) {
            failed(e, true, true);
        } catch (IOException e) {
            failed(e, false, true);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "failure reading from " + this + "; closing", e);
            close();
        } finally {
            inRead = false;
        }
        releaseInput();
        if (!closed && (flushRequested || (transport != null && transport.hasHeldOutput()))) {
            flushNow();
        }
        readAgainIfBuffered();
    }

    private void failed(IOException e, boolean tls, boolean reading) {
        onIoFailure(e, tls, reading);
        close();
    }

    private void checkHandshakeDone() {
        if (handshaking && transport.isReady()) {
            handshaking = false;
            ready = true;
            onHandshakeDone();
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

    private void deliver() {
        in.flip();
        try {
            protocol.onRead(in);
        } finally {
            if (in != null) {
                in.compact();
            }
        }
    }

    /** Returns the read buffer, keeping what the protocol has not consumed. */
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
        protocol.onInputClosed();
    }

    /**
     * Feeds bytes still buffered to the protocol again (after it resumed from a pause). Must not
     * be called from inside {@link Protocol#onRead}.
     */
    public final void redeliver() {
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
    public final void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            setInterest(SelectionKey.OP_READ, false);
        }
    }

    /** Resumes reading and re-feeds buffered bytes. */
    public final void resumeReading() {
        if (readPaused && !closed) {
            readPaused = false;
            if (!inputClosed) {
                setInterest(SelectionKey.OP_READ, true);
            }
            redeliver();
            readAgainIfBuffered();
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes what the protocol queued: batched to the end of the current read when called from
     * inside one (so pipelined responses leave in one write), else at once. Nothing is written
     * before plaintext may flow ({@link #isReady}).
     */
    public final void flush() {
        if (closed || !ready) {
            return;
        }
        if (inRead) {
            flushRequested = true;
        } else {
            flushNow();
        }
    }

    protected final void flushNow() {
        flushRequested = false;
        try {
            boolean drained = transport == null ? out.flush(channel) : flushTransport();
            if (drained) {
                writeBlocked = false;
                setInterest(SelectionKey.OP_WRITE, false);
                if (closeWhenDrained) {
                    close();
                } else if (ready) {
                    protocol.onDrained();
                }
            } else {
                writeBlocked = true;
                setInterest(SelectionKey.OP_WRITE, true);
            }
        } catch (SSLException e) {
            failed(e, true, false);
        } catch (IOException e) {
            failed(e, false, false);
        }
    }

    private boolean flushTransport() throws IOException {
        boolean drained;
        try {
            drained = out.flush(transport) && transport.flushHeld();
        } catch (RuntimeException e) {
            throw new SSLException("TLS failure", e); // closes this connection, not the loop
        }
        checkHandshakeDone(); // TLS 1.2: a Finished of ours can be the handshake's last message
        readAgainIfBuffered(); // a handshake waiting on its write may have whole records buffered
        return drained;
    }

    /** Closes once everything queued is written; reads nothing more. */
    public final void closeAfterFlush() {
        closeWhenDrained = true;
        pauseReading();
        if (!inRead && out.isEmpty() && (transport == null || !transport.hasHeldOutput())) {
            close();
        } else {
            flush();
        }
    }

    protected final void setInterest(int op, boolean on) {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = key.interestOps();
        int next = on ? ops | op : ops & ~op;
        if (next != ops) {
            key.interestOps(next);
        }
    }

    // ---------------------------------------------------------------- closing

    /** Closes at once, dropping anything unwritten and returning every pooled buffer. Idempotent. */
    public final void close() {
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
            loop.pool().release(in); // a protocol closing from onRead must not touch the buffer again
            in = null;
        }
        kept = null;
        keptLength = 0;
        onClose();
    }

    protected final void closeChannelQuietly() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "close failed", e);
        }
    }
}

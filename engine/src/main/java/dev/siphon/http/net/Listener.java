package dev.siphon.http.net;

import dev.siphon.http.internal.ConnectionLimiter;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.Counters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * One listening socket. Accepts on its own loop and spreads new connections over all loops,
 * round robin. Accepting runs on the accepting loop's thread; each connection starts on its
 * target loop's thread.
 *
 * <p>Each accepted connection is admitted by the engine's {@link ConnectionLimiter} first. One
 * over {@code max_connections}, {@code max_connections_per_ip} or {@code max_tls_handshakes} is
 * closed at once, before a {@link Connection}, a buffer or a TLS engine exists for it: refusing
 * costs an accept and a close, so the backlog drains faster than one address can refill it, and
 * the connections of other clients queued behind its flood are reached and admitted (at most
 * {@link #ACCEPTS_PER_EVENT} per readiness event, so the loop's other connections are served in
 * between).
 */
public final class Listener implements EventLoop.ChannelHandler {
    private static final System.Logger LOG = System.getLogger("siphon.http.listener");
    private static final int ACCEPTS_PER_EVENT = 64;
    /**
     * After a failed accept (EMFILE: no file descriptor left, ENFILE, ENOBUFS) the listener stops
     * asking for accepts this long. The pending connection stays in the backlog and the socket
     * stays readable, so retrying at the next readiness event would spin the loop at full CPU and
     * log a warning each time, while the descriptors that would let it succeed free up only as
     * other connections close.
     */
    static final long ACCEPT_PAUSE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private final ServerSocketChannel channel;
    private final EventLoop acceptLoop;
    private final IntFunction<EventLoop> loops;
    private final int loopCount;
    private final SessionFactory sessions;
    private final TransportFactory transports;
    private final Counters counters;
    private final ConnectionLimiter limiter;
    private final Object config;
    /** Connections that began speaking each protocol ({@link Session#PROTOCOL_NAMES}), and those of them closed. */
    private final LongAdder[] opened = adders();
    private final LongAdder[] closedByProtocol = adders();
    private int next;
    private volatile boolean closed;
    private SelectionKey key;
    /** nanoTime when accepting resumes after a failed accept; meaningful while {@link #paused}. Loop thread only. */
    private long resumeAt;
    private boolean paused;
    /** Accepts that failed since the last warning was logged. Loop thread only. */
    private long failedAccepts;

    /**
     * Binds at once so a port in use fails start-up; accepting starts with {@link #start()}.
     *
     * @param config the listener's configuration, handed back to sessions through {@link #config()}
     */
    public Listener(InetSocketAddress address, int backlog, EventLoop acceptLoop, IntFunction<EventLoop> loops,
                    int loopCount, SessionFactory sessions, Counters counters, ConnectionLimiter limiter, Object config)
            throws IOException {
        this(address, backlog, acceptLoop, loops, loopCount, sessions, null, counters, limiter, config);
    }

    /**
     * As the cleartext constructor, with a {@link Transport} (TLS) made for every accepted
     * connection; {@code sessions} is then called once the transport's handshake has finished.
     */
    public Listener(InetSocketAddress address, int backlog, EventLoop acceptLoop, IntFunction<EventLoop> loops,
                    int loopCount, SessionFactory sessions, TransportFactory transports, Counters counters,
                    ConnectionLimiter limiter, Object config) throws IOException {
        this.transports = transports;
        this.limiter = limiter;
        this.acceptLoop = acceptLoop;
        this.loops = loops;
        this.loopCount = loopCount;
        this.sessions = sessions;
        this.counters = counters;
        this.config = config;
        this.channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(address, backlog);
            channel.configureBlocking(false);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Session.PROTOCOL_NAMES.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Connections of this listener that began speaking {@code protocol} ({@link Session#HTTP1}, ...). Any thread. */
    public long connectionsOpened(int protocol) {
        return opened[protocol].sum();
    }

    /** Connections of this listener speaking {@code protocol} now. Any thread. */
    public long connectionsOpen(int protocol) {
        return opened[protocol].sum() - closedByProtocol[protocol].sum();
    }

    /** A connection moved from protocol {@code from} to {@code to} (-1: none; a close goes to -1). */
    void protocolChanged(int from, int to) {
        if (from >= 0) {
            closedByProtocol[from].increment();
        }
        if (to >= 0) {
            opened[to].increment();
        }
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("listener is closed", e);
        }
    }

    /** The listener's configuration object, as given to the constructor. */
    public Object config() {
        return config;
    }

    /** The engine's connection counts, as this listener applies them. */
    public ConnectionLimiter limiter() {
        return limiter;
    }

    /** Registers for accepts on the accepting loop. Any thread. */
    public void start() {
        acceptLoop.submit(() -> {
            try {
                key = channel.register(acceptLoop.selector(), SelectionKey.OP_ACCEPT, this);
                acceptLoop.add(this);
            } catch (ClosedChannelException e) {
                LOG.log(System.Logger.Level.DEBUG, "listener closed before it started");
            }
        });
    }

    @Override
    public void onReady(SelectionKey readyKey) {
        onAcceptable();
    }

    private void onAcceptable() {
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (IOException e) {
                pauseAccepting(e);
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
                Limit refused = limiter.admit(remote.getAddress(), transports != null);
                if (refused != null) {
                    counters.tripped(refused);
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0); // a reset: no TIME_WAIT left here per refusal
                    ch.close();
                    continue;
                }
                try {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    limiter.release(remote.getAddress(), transports != null);
                    throw e;
                }
                EventLoop target = loops.apply(next);
                next = (next + 1) % loopCount;
                Connection c = new Connection(target, ch, this, remote, counters, transports);
                target.execute(() -> c.start(sessions));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "dropping a connection that failed set-up: " + e.getMessage());
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /**
     * Stops asking for accepts for {@link #ACCEPT_PAUSE_NANOS}; the loop's tick resumes them.
     * Logs the first failure of a run of them, then at most one line per pause with the count.
     */
    private void pauseAccepting(IOException e) {
        failedAccepts++;
        if (!paused && key != null && key.isValid()) {
            key.interestOps(0);
            paused = true;
            resumeAt = System.nanoTime() + ACCEPT_PAUSE_NANOS;
            LOG.log(System.Logger.Level.WARNING, () -> "accept on " + localAddress() + " failed (" + e.getMessage()
                    + ", " + failedAccepts + " time(s) since the last report); not accepting for "
                    + ACCEPT_PAUSE_NANOS / 1_000_000 + " ms");
            failedAccepts = 0;
        }
    }

    /** The accepting loop's timer: resumes accepting after a pause. Loop thread only. */
    void onTick(long now) {
        if (paused && now - resumeAt >= 0 && !closed && key != null && key.isValid()) {
            paused = false;
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /** True while accepting is paused after a failed accept. Loop thread only (tests read it racily). */
    boolean acceptPaused() {
        return paused;
    }

    /** Stops accepting and closes the socket. Any thread; idempotent. */
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "listener close failed", e);
        }
    }
}

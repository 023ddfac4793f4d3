package dev.siphon.http.net;

import dev.siphon.http.internal.Counters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.IntFunction;

/**
 * One listening socket. Accepts on its own loop and spreads new connections over all loops,
 * round robin. Accepting runs on the accepting loop's thread; each connection starts on its
 * target loop's thread.
 */
public final class Listener {
    private static final System.Logger LOG = System.getLogger("siphon.http.listener");
    private static final int ACCEPTS_PER_EVENT = 64;

    private final ServerSocketChannel channel;
    private final EventLoop acceptLoop;
    private final IntFunction<EventLoop> loops;
    private final int loopCount;
    private final SessionFactory sessions;
    private final TransportFactory transports;
    private final Counters counters;
    private final Object config;
    private int next;
    private volatile boolean closed;

    /**
     * Binds at once so a port in use fails start-up; accepting starts with {@link #start()}.
     *
     * @param config the listener's configuration, handed back to sessions through {@link #config()}
     */
    public Listener(InetSocketAddress address, int backlog, EventLoop acceptLoop, IntFunction<EventLoop> loops,
                    int loopCount, SessionFactory sessions, Counters counters, Object config) throws IOException {
        this(address, backlog, acceptLoop, loops, loopCount, sessions, null, counters, config);
    }

    /**
     * As the cleartext constructor, with a {@link Transport} (TLS) made for every accepted
     * connection; {@code sessions} is then called once the transport's handshake has finished.
     */
    public Listener(InetSocketAddress address, int backlog, EventLoop acceptLoop, IntFunction<EventLoop> loops,
                    int loopCount, SessionFactory sessions, TransportFactory transports, Counters counters,
                    Object config) throws IOException {
        this.transports = transports;
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

    /** Registers for accepts on the accepting loop. Any thread. */
    public void start() {
        acceptLoop.submit(() -> {
            try {
                channel.register(acceptLoop.selector(), SelectionKey.OP_ACCEPT, this);
                acceptLoop.add(this);
            } catch (ClosedChannelException e) {
                LOG.log(System.Logger.Level.DEBUG, "listener closed before it started");
            }
        });
    }

    void onAcceptable() {
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (IOException e) {
                // EMFILE and friends: log and retry on the next readiness event
                LOG.log(System.Logger.Level.WARNING, "accept failed: " + e.getMessage());
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
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

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
 * One accepted socket: a {@link SocketPump} whose protocol is a {@link Session}, counted by its
 * listener's limiter from accept to close and visited by the loop's timer. Loop thread only.
 *
 * <p>On a TLS listener a {@link Transport} sits between the socket and the session: the session
 * is created only when the handshake has finished (so it can be chosen by ALPN), and sees
 * plaintext exactly as on cleartext; until then a placeholder session enforces the handshake's
 * deadline, and the loop rations handshake steps per pass ({@link EventLoop#takeHandshakeStep}).
 * Cleartext connections have no transport and read and write the channel directly.
 */
public final class Connection extends SocketPump {
    private static final System.Logger LOG = System.getLogger("siphon.http.connection");

    private final Listener listener;
    private final InetSocketAddress remote;
    private final Counters counters;
    private final TransportFactory transports; // null on cleartext
    private SessionFactory deferred; // the session to create once the TLS handshake has finished
    private Session session;
    private boolean admitted = true; // counted by the listener's limiter until released
    private boolean handshakeSlot; // holds one of the limiter's TLS handshake slots
    private final long openedAt = System.nanoTime();
    private int protocolCounted = -1; // the protocol the listener counts this connection under
    int loopIndex = -1;

    Connection(EventLoop loop, SocketChannel channel, Listener listener, InetSocketAddress remote, Counters counters,
               TransportFactory transports) {
        super(loop, null);
        this.transports = transports;
        this.channel = channel;
        this.listener = listener;
        this.remote = remote;
        this.counters = counters;
        this.handshakeSlot = transports != null;
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
            startPlain();
            use(factory.create(this));
        } else {
            use(new Handshaking());
            try {
                startTls(transports.create(this));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot set up TLS for " + remote, e);
                close();
                return;
            }
            deferred = factory;
        }
        if (loop.isShuttingDown()) {
            shutdown();
        }
    }

    private void use(Session s) {
        session = s;
        protocol(s);
        int p = s.protocol();
        if (p != protocolCounted) {
            listener.protocolChanged(protocolCounted, p);
            protocolCounted = p;
        }
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    public Listener listener() {
        return listener;
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
        use(next);
    }

    @Override
    protected boolean mayRead() {
        // a handshake step can cost a millisecond: past this pass's ration the bytes stay in the
        // socket, and the selector reports them again next pass
        return deferred == null || loop.takeHandshakeStep();
    }

    @Override
    protected void onHandshakeDone() {
        SessionFactory f = deferred;
        deferred = null;
        if (handshakeSlot) {
            handshakeSlot = false;
            listener.limiter().handshakeDone();
        }
        counters.tlsHandshakeDone();
        use(f.create(this));
        if (loop.isShuttingDown()) {
            session.onShutdown();
        }
    }

    @Override
    protected void onIoFailure(IOException e, boolean tls, boolean reading) {
        super.onIoFailure(e, tls, reading);
        if (reading && deferred != null) {
            counters.tripped(Limit.TLS_HANDSHAKE);
        }
    }

    /**
     * This connection's state in one line (peer, session, what it waits for, bytes held), for
     * diagnosing connections that stay open: a diagnostic, not a format. Loop thread only.
     */
    String describe(long now) {
        return remote + (transport != null ? " tls" : "") + " age " + (now - openedAt) / 1_000_000 + " ms "
                + pumpState() + "; " + (session != null ? session.describe() : "no session");
    }

    @Override
    public String toString() {
        return String.valueOf(remote);
    }

    void onTick(long now) {
        if (!isClosed()) {
            session.onTick(now);
        }
    }

    void shutdown() {
        if (!isClosed()) {
            session.onShutdown();
        }
    }

    @Override
    protected void onClose() {
        loop.remove(this);
        releaseAdmission();
        counters.connectionClosed();
        listener.protocolChanged(protocolCounted, -1);
        protocolCounted = -1;
        if (session != null) {
            session.onClosed();
        }
    }

    /** Gives back what the listener's limiter counted for this connection. Once. */
    private void releaseAdmission() {
        if (admitted) {
            admitted = false;
            listener.limiter().release(remote.getAddress(), handshakeSlot);
            handshakeSlot = false;
        }
    }

    /**
     * The session while the TLS handshake runs: no plaintext reaches it; it enforces the
     * handshake's deadline and gives up on shutdown. (An end of input during the handshake
     * closes the connection: {@link SocketPump#onInputEndedInHandshake}.)
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

package dev.siphon.http.client;

import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The keep-alive connections to one origin (through one proxy, or direct: a pool per
 * {@link Route}), at most {@code max_connections} in all, all on one loop of the client: every
 * method runs on that loop's thread, so the pool needs no lock.
 *
 * <p><b>HTTP/1.1:</b> one exchange per connection at a time. A free connection serves the oldest
 * waiting request, else it goes idle if fewer than {@code pool_size} are idle already, else it
 * closes: {@code pool_size} bounds the idle connections kept, as reqwest's
 * {@code pool_max_idle_per_host} does, not those in use. Idle connections are reused last-in
 * first-out (the warmest socket first, and the cold tail ages out), closed after
 * {@code idleTimeoutMs}, and watched for the server closing them (a readable EOF or stray bytes
 * on an idle connection close it at once).
 *
 * <p><b>HTTP/2:</b> a connection carries up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS
 * exchanges; another connection opens only when every open one is full (and never while one is
 * still opening), up to {@code max_connections}. Through a proxy, http:// origins are spoken to
 * in HTTP/1.1 (absolute-form targets, RFC 9112 §3.2.2), never h2c; https:// ones choose by ALPN
 * inside the tunnel as usual.
 *
 * <p><b>Waiting:</b> below {@code max_connections} a request opens a connection of its own ("its
 * initiator"), which serves it first when ready; at {@code max_connections} it waits in a FIFO
 * queue of at most {@code maxWaiters} ({@link PoolExhaustedException} beyond), for at most the
 * pool wait timeout ({@link PoolTimeoutException}).
 *
 * <p><b>Eviction:</b> the client's sweep closes connections idle for {@code idleTimeoutMs}; a pool
 * left with no connection, no waiter and no request for as long is retired and leaves the
 * client's map. {@link #arriving} is the one field other threads touch: {@link HttpClient#send}
 * counts a request in before handing it to the loop, and retiring swaps a count of 0 for
 * {@link #RETIRED}, so a request is never handed to a pool that is gone (the sender sees the mark
 * and makes a new pool).
 */
final class ConnectionPool {
    /** What a pool is for: an origin, reached through {@code proxy} or (null) directly. */
    record Route(Origin origin, Proxy proxy) {}

    final HttpClient client;
    final Origin origin;
    /** The proxy every connection of this pool goes through, or null. */
    final Proxy proxy;
    final Route route;
    final EventLoop loop;
    /**
     * True while this origin's connections are HTTP/2: h2c by prior knowledge on http://; on
     * https:// what ALPN chose last, assumed "h2" until a handshake says otherwise when the client
     * offers it (so a burst of first requests opens one connection, not pool_size).
     */
    private boolean http2;
    private final ClientTls tls;
    private final List<String> alpn;
    private final ArrayDeque<Http1Connection> idle = new ArrayDeque<>(); // first = most recently used
    /** {@code idle.size()}, for other threads (metrics); written on the loop after each change. */
    private volatile int idleCount;
    private final ArrayList<PooledConnection> all = new ArrayList<>();
    private final ArrayDeque<ClientExchange> waiters = new ArrayDeque<>();
    private boolean closed;
    /** The mark {@link #arriving} holds once the pool is retired. */
    private static final int RETIRED = -1;
    /** Requests counted in by a sender and not yet {@link #arrive arrived} on the loop; any thread. */
    private final AtomicInteger arriving = new AtomicInteger();
    private long lastArrivalNanos = System.nanoTime();

    ConnectionPool(HttpClient client, Route route, EventLoop loop) {
        this.client = client;
        this.route = route;
        this.origin = route.origin();
        this.proxy = route.proxy();
        this.loop = loop;
        HttpClient.Settings s = client.settings();
        if (origin.secure()) {
            this.tls = client.madeTls();
            this.http2 = s.http2OverTls();
            this.alpn = s.http2OverTls() ? List.of(H2, HTTP_1_1) : List.of(HTTP_1_1); // RFC 7301 §3.1: preferred first
        } else {
            this.tls = null;
            this.http2 = s.http2PriorKnowledge() && proxy == null; // a proxy forwards HTTP/1.1
            this.alpn = List.of();
        }
    }

    /** ALPN protocol identifiers (RFC 7301 §6). */
    static final String H2 = "h2";
    static final String HTTP_1_1 = "http/1.1";

    /** A socket to this origin for {@code protocol}, with TLS on https://. */
    ClientSocket newSocket(ClientSocket.Protocol protocol) {
        return new ClientSocket(loop, origin, protocol, tls, alpn, client.settings().clientCert() != null, proxy);
    }

    /**
     * The TLS handshake of {@code opened} chose another protocol than the pool expected: the
     * socket goes on under {@code next}, which takes the initiator, and the pool expects that
     * protocol from now on.
     */
    void switchProtocol(PooledConnection opened, PooledConnection next, ClientExchange initiator) {
        int i = all.indexOf(opened);
        if (i >= 0) {
            all.set(i, next);
        } else {
            all.add(next);
        }
        http2 = next instanceof Http2Connection;
        if (initiator != null && initiator.connection == opened) {
            initiator.connection = next;
        }
        ClientSocket.Protocol p = (ClientSocket.Protocol) next;
        (next instanceof Http1Connection h1 ? h1.socket() : ((Http2Connection) next).socket()).switchTo(p);
        p.onConnected();
        refill();
    }

    /** Most idle HTTP/1.1 connections kept. */
    int poolSize() {
        return client.settings().poolSize();
    }

    /** Most connections open (or opening) at once. */
    int maxConnections() {
        return client.settings().maxConnections();
    }

    /** Counts a request in, from any thread; false once the pool is retired (take a new one). */
    boolean arriving() {
        int n;
        do {
            n = arriving.get();
            if (n == RETIRED) {
                return false;
            }
        } while (!arriving.compareAndSet(n, n + 1));
        return true;
    }

    boolean retired() {
        return arriving.get() == RETIRED;
    }

    /** A request counted in by {@link #arriving()} reaches the loop. */
    void arrive(ClientExchange x) {
        arriving.decrementAndGet();
        lastArrivalNanos = System.nanoTime();
        submit(x);
    }

    /** Hands {@code x} a connection, opens one for it, or queues it. */
    void submit(ClientExchange x) {
        if (x.isDone()) {
            return; // cancelled before it reached the loop
        }
        if (closed) {
            x.fail(new ConnectionClosedException("client closed; request to " + origin + " not sent"));
            return;
        }
        if (http2) {
            for (PooledConnection pc : all) {
                if (pc instanceof Http2Connection c && c.canOpenStream()) {
                    c.start(x);
                    return;
                }
            }
            if (all.size() < maxConnections() && !anyOpening()) {
                open(x);
            } else {
                enqueue(x);
            }
            return;
        }
        Http1Connection c;
        while ((c = idle.pollFirst()) != null) {
            idleCount = idle.size();
            if (c.isReusable()) {
                c.start(x);
                return;
            }
            c.close(new ConnectionClosedException("idle connection to " + origin + " was closed"));
        }
        if (all.size() < maxConnections()) {
            open(x);
        } else {
            enqueue(x);
        }
    }

    private boolean anyOpening() {
        for (PooledConnection pc : all) {
            if (pc instanceof Http2Connection c && !c.isReady()) {
                return true;
            }
        }
        return false;
    }

    private void enqueue(ClientExchange x) {
        int max = client.settings().maxWaiters();
        if (waiters.size() >= max) {
            x.fail(new PoolExhaustedException("pool for " + origin + " exhausted: all " + maxConnections()
                    + " connections (max_connections) busy and " + max + " requests already waiting"));
            return;
        }
        waiters.addLast(x);
        x.waiting(client.settings().poolWaitTimeoutMs());
    }

    void removeWaiter(ClientExchange x) {
        waiters.remove(x);
        x.dequeued();
    }

    private ClientExchange pollWaiter() {
        ClientExchange x;
        while ((x = waiters.pollFirst()) != null) {
            x.dequeued();
            if (!x.isDone()) {
                return x;
            }
        }
        return null;
    }

    /** Opens a connection that will serve {@code initiator} first. */
    private void open(ClientExchange initiator) {
        PooledConnection c = http2 ? new Http2Connection(this, initiator) : new Http1Connection(this, initiator);
        all.add(c);
        initiator.phase = ClientExchange.Phase.CONNECTING;
        initiator.connection = c;
        client.connectionOpened();
        connect(c instanceof Http1Connection h1 ? h1.socket() : ((Http2Connection) c).socket());
    }

    /** Resolves the origin's address off the loop when it is a name, connects, and arms the connect timeout. */
    private void connect(ClientSocket socket) {
        long ms = client.settings().connectTimeoutMs();
        socket.connectTimer(client.timer().schedule(() -> loop.execute(() -> socket.connectTimedOut(ms)), ms,
                TimeUnit.MILLISECONDS));
        String host = proxy == null ? origin.host() : proxy.host();
        int port = proxy == null ? origin.port() : proxy.port();
        if (isIpLiteral(host)) {
            try {
                socket.connect(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (UnknownHostException e) {
                socket.failConnect(e);
            }
            return;
        }
        Thread.ofVirtual().name("siphon-client-resolve").start(() -> {
            try {
                InetAddress address = InetAddress.getByName(host);
                loop.execute(() -> socket.connect(new InetSocketAddress(address, port)));
            } catch (IOException e) {
                loop.execute(() -> socket.failConnect(e));
            } catch (Error e) {
                client.fatal(e);
            }
        });
    }

    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** An HTTP/1.1 connection is free (just opened, or its exchange ended cleanly). */
    void onFree(Http1Connection c, ClientExchange initiator) {
        if (closed) {
            c.close(new ConnectionClosedException("client closed"));
            return;
        }
        if (initiator != null && !initiator.isDone()) {
            c.start(initiator);
            return;
        }
        ClientExchange x = pollWaiter();
        if (x != null) {
            c.start(x);
        } else if (idle.size() < poolSize()) {
            idle.addFirst(c);
            idleCount = idle.size();
        } else {
            c.close(new ConnectionClosedException("connection to " + origin + " closed: " + poolSize()
                    + " idle ones kept already (pool_size)"));
        }
    }

    /** An HTTP/2 connection is ready, or a stream on it ended: fill it from the queue. */
    void onStreamsAvailable(Http2Connection c, ClientExchange initiator) {
        if (initiator != null && !initiator.isDone()) {
            c.start(initiator);
        }
        ClientExchange x;
        while (c.canOpenStream() && (x = pollWaiter()) != null) {
            c.start(x);
        }
        refill();
    }

    /** The connection failed to open: its initiator (if it still waits) fails with {@code cause}. */
    void onConnectFailed(ClientExchange initiator, ClientException cause) {
        if (initiator != null && !initiator.isDone()) {
            initiator.fail(cause);
        }
    }

    /**
     * A connection closed. {@code retry} is an exchange the connection gave up on that may be sent
     * again (RFC 9110 §9.2.2): it gets a fresh connection of its own, in the slot just freed.
     */
    void onClosed(PooledConnection c, ClientExchange retry) {
        all.remove(c);
        if (c instanceof Http1Connection h1) {
            idle.remove(h1);
            idleCount = idle.size();
        }
        client.connectionClosed();
        if (retry != null && !retry.isDone()) {
            retry.retried = true;
            if (closed) {
                retry.fail(new ConnectionClosedException("client closed"));
            } else {
                open(retry);
            }
        }
        refill();
    }

    /**
     * Sends {@code x} again on whatever connection the pool gives it: for HTTP/2 streams the
     * origin did not process (above a GOAWAY's last stream id, or REFUSED_STREAM: RFC 9113 §8.7).
     */
    void retry(ClientExchange x) {
        if (x.isDone()) {
            return;
        }
        x.retried = true;
        x.phase = ClientExchange.Phase.NEW;
        x.connection = null;
        submit(x);
    }

    /** Opens connections for queued requests while the pool has room. */
    private void refill() {
        while (!closed && !waiters.isEmpty() && all.size() < maxConnections() && !(http2 && anyOpening())) {
            ClientExchange x = pollWaiter();
            if (x == null) {
                return;
            }
            open(x);
        }
    }

    /** HTTP/1.1 connections waiting for reuse now (an HTTP/2 connection counts as in use). Any thread. */
    int idleConnections() {
        return idleCount;
    }

    /** Closes connections idle since before {@code cutoffNanos}. */
    void closeIdle(long cutoffNanos) {
        for (PooledConnection c : new ArrayList<>(all)) {
            if (c.idleSince(cutoffNanos)) {
                c.close(new ConnectionClosedException("idle connection to " + origin + " expired"));
            }
        }
    }

    /**
     * Closes connections idle since before {@code cutoffNanos}; then retires the pool when it is
     * empty, no request came since the cutoff and none is on its way. True when retired: the
     * caller removes it from the client's map.
     */
    boolean sweep(long cutoffNanos) {
        closeIdle(cutoffNanos);
        return all.isEmpty() && waiters.isEmpty() && lastArrivalNanos - cutoffNanos < 0
                && arriving.compareAndSet(0, RETIRED);
    }

    /** Fails everything queued and closes every connection. */
    void close() {
        closed = true;
        ConnectionClosedException cause = new ConnectionClosedException("client closed before the request to "
                + origin + " completed");
        ClientExchange x;
        while ((x = pollWaiter()) != null) {
            x.fail(cause);
        }
        for (Iterator<PooledConnection> it = new ArrayList<>(all).iterator(); it.hasNext(); ) {
            it.next().close(cause);
        }
    }
}

package dev.siphon.http.client;

import dev.siphon.http.config.CacheConfig.RedisUrl;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A small pipelined Redis client (RESP2) on the engine's NIO socket layer: one connection, opened
 * at {@link #start} and reopened with backoff whenever it is lost, on a loop thread of its own.
 * Commands from any thread are written in the order they arrive, and replies (which Redis sends
 * in the same order) are matched to them first in, first out. AUTH and SELECT go first on every
 * new connection. rediss:// speaks TLS through the same TLS provider as {@link HttpClient}.
 *
 * <p><b>Failures.</b> A call never waits longer than the per-call timeout: no reply in time
 * fails it with {@link RedisException.Kind#TIMEOUT} and closes the connection (whose later
 * replies could no longer be matched), failing the calls behind it as unavailable. While Redis
 * is known to be down (the last connect failed) a call fails at once with
 * {@link RedisException.Kind#UNAVAILABLE}, whose message names the cache, the address and why;
 * reconnecting goes on in the background, every {@value #MIN_BACKOFF_MS} ms at first, backing
 * off to every {@value #MAX_BACKOFF_MS} ms. A command whose connection was lost before its reply
 * may or may not have run.
 *
 * <p>Why not a Redis library: the runtime dependencies are fixed (no Lettuce, Jedis or Netty),
 * and the few commands a cache needs are a small protocol on the socket, TLS and loop code the
 * outbound HTTP client already has.
 */
public final class RedisClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.cache");
    static final long MIN_BACKOFF_MS = 50;
    static final long MAX_BACKOFF_MS = 1000;
    /** Calls waiting for a connection, most: more fail at once. */
    static final int MAX_WAITING = 100_000;

    private final String name;
    private final RedisUrl url;
    private final long timeoutMs;
    private final ClientTls tls;
    private final Origin origin;
    private final EventLoop loop;
    private final ScheduledThreadPoolExecutor timer;

    // ---- loop thread only ----
    private Conn conn;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** Why the last connect failed or the connection was lost; null while connected. */
    private String down;
    /** The last connect failed: calls fail at once until one succeeds. */
    private boolean knownDown;
    private long backoffMs = MIN_BACKOFF_MS;
    private boolean closed;
    private long lastLoggedFailure;

    private enum Phase { CONNECTING, READY }

    /** A call: its commands (written together), the replies it waits for, and who hears the result. */
    private static final class Pending {
        final byte[] bytes;
        final int replies;
        final List<Object> got;
        final CompletableFuture<Object> future;
        final long deadline;
        /** AUTH or SELECT of the connection itself: a failure closes the connection. */
        final String internal;

        Pending(byte[] bytes, int replies, CompletableFuture<Object> future, long deadline, String internal) {
            this.bytes = bytes;
            this.replies = replies;
            this.got = replies > 1 ? new ArrayList<>(replies) : null;
            this.future = future;
            this.deadline = deadline;
            this.internal = internal;
        }
    }

    private RedisClient(String name, RedisUrl url, long timeoutMs, ClientTls tls) {
        this.name = name;
        this.url = url;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
        this.origin = new Origin(url.tls() ? "rediss" : "redis", url.host(), url.port());
        this.loop = new EventLoop(0, 16 * 1024, (thread, error) -> LOG.log(System.Logger.Level.ERROR,
                "cache " + name + ": the Redis client's loop failed", error));
        Thread.ofPlatform().name("siphon-redis-" + name).daemon(true).start(loop);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "siphon-redis-timer-" + name);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        long tick = Math.max(5, Math.min(100, timeoutMs / 4));
        timer.scheduleWithFixedDelay(() -> loop.execute(this::sweep), tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * A client for cache {@code name} that starts connecting at once (in the background: an
     * unreachable server is logged and retried, never an error here).
     *
     * @param verify PEM CA bundle for rediss://, or null for the system roots
     * @throws IllegalArgumentException when rediss:// cannot be set up (no TLS provider, an
     *     unreadable CA file)
     */
    public static RedisClient start(String name, RedisUrl url, long timeoutMs, Path verify) {
        ClientTls tls = null;
        if (url.tls()) {
            try {
                tls = HttpClient.makeTls(verify, null, null, "cache " + name);
            } catch (ConfigException | IllegalStateException e) {
                throw new IllegalArgumentException("rediss:// cannot be used: " + e.getMessage(), e);
            }
        }
        RedisClient c = new RedisClient(name, url, timeoutMs, tls);
        c.loop.execute(c::connect);
        return c;
    }

    /** The server's address as messages name it (never the password). */
    public RedisUrl url() {
        return url;
    }

    /** Sends one command; the future completes with its reply (see {@link RespReader}) or a {@link RedisException}. */
    public CompletableFuture<Object> call(String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return call(a);
    }

    /** Sends one command of byte-string arguments. */
    public CompletableFuture<Object> call(byte[]... args) {
        return submit(RespReader.encode(args), 1);
    }

    /**
     * Sends several commands back to back (one write); the future completes with the list of
     * their replies, an error reply as a {@link RedisException} of kind REPLY in its place.
     */
    public CompletableFuture<Object> pipeline(List<byte[][]> commands) {
        int size = 0;
        List<byte[]> parts = new ArrayList<>();
        for (byte[][] c : commands) {
            byte[] b = RespReader.encode(c);
            parts.add(b);
            size += b.length;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] b : parts) {
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        return submit(all, commands.size());
    }

    private CompletableFuture<Object> submit(byte[] bytes, int replies) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Pending p = new Pending(bytes, replies, f, System.nanoTime() + timeoutMs * 1_000_000L, null);
        loop.execute(() -> enqueue(p));
        return f;
    }

    // ---- the loop thread ----

    private void enqueue(Pending p) {
        if (closed) {
            p.future.completeExceptionally(new RedisException(RedisException.Kind.UNAVAILABLE, prefix() + "closed"));
        } else if (conn != null && conn.phase == Phase.READY) {
            conn.write(p);
        } else if (knownDown || conn == null) {
            p.future.completeExceptionally(unavailable());
        } else if (waiting.size() >= MAX_WAITING) {
            p.future.completeExceptionally(new RedisException(RedisException.Kind.UNAVAILABLE, prefix()
                    + MAX_WAITING + " calls already wait for the connection"));
        } else {
            waiting.add(p);
        }
    }

    private String prefix() {
        return "cache " + name + ": Redis at " + url + ": ";
    }

    private RedisException unavailable() {
        return new RedisException(RedisException.Kind.UNAVAILABLE, prefix() + "unavailable: "
                + (down == null ? "not connected" : down) + " (reconnecting in the background)");
    }

    private void connect() {
        if (closed || conn != null) {
            return;
        }
        Conn c = new Conn();
        conn = c;
        c.socket.connectTimer(timer.schedule(() -> loop.execute(() -> c.socket.connectTimedOut(timeoutMs)), timeoutMs,
                TimeUnit.MILLISECONDS));
        String host = url.host();
        if (host.indexOf(':') >= 0 || host.matches("[0-9.]+")) {
            try {
                c.socket.connect(new InetSocketAddress(InetAddress.getByName(host), url.port()));
            } catch (IOException e) {
                c.socket.failConnect(e);
            }
            return;
        }
        Thread.ofVirtual().name("siphon-redis-resolve").start(() -> {
            try {
                InetAddress address = InetAddress.getByName(host);
                loop.execute(() -> c.socket.connect(new InetSocketAddress(address, url.port())));
            } catch (IOException e) {
                loop.execute(() -> c.socket.failConnect(e));
            }
        });
    }

    /** Fails the calls past their deadline; a connection with one is closed (its replies can no longer be matched). */
    private void sweep() {
        long now = System.nanoTime();
        while (!waiting.isEmpty() && now - waiting.peek().deadline >= 0) {
            waiting.poll().future.completeExceptionally(timedOut());
        }
        Conn c = conn;
        if (c != null && !c.inflight.isEmpty() && now - c.inflight.peek().deadline >= 0) {
            Pending late = c.inflight.poll();
            if (late.future != null) {
                late.future.completeExceptionally(timedOut());
            }
            c.lost("no reply within " + timeoutMs + " ms; the connection was closed");
        }
    }

    private RedisException timedOut() {
        return new RedisException(RedisException.Kind.TIMEOUT, prefix() + "no reply within " + timeoutMs + " ms");
    }

    private void log(boolean wasReady, String why) {
        long now = System.nanoTime();
        // one line per outage, and a reminder every minute while it lasts
        if (wasReady || lastLoggedFailure == 0 || now - lastLoggedFailure > 60_000_000_000L) {
            lastLoggedFailure = now | 1;
            LOG.log(System.Logger.Level.WARNING, prefix() + (wasReady ? "connection lost: " : "cannot connect: ") + why
                    + "; retrying in the background (calls fail at once until it is back)");
        }
    }

    /** Stops the client: calls in flight and later ones fail. Any thread. */
    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            closed = true;
            if (conn != null) {
                conn.lost("the cache is closing");
            }
            for (Pending p; (p = waiting.poll()) != null; ) {
                p.future.completeExceptionally(new RedisException(RedisException.Kind.UNAVAILABLE, prefix() + "closed"));
            }
            done.complete(null);
        });
        try {
            done.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the loop is gone already
        }
        timer.shutdownNow();
        loop.shutdown(0);
    }

    /** One connection: its socket, and the calls written on it in order. */
    private final class Conn implements ClientSocket.Protocol {
        final ClientSocket socket;
        final RespReader reader = new RespReader();
        final ArrayDeque<Pending> inflight = new ArrayDeque<>();
        Phase phase = Phase.CONNECTING;
        /** Redis answered the first PING. */
        boolean answered;
        String failure;

        Conn() {
            socket = new ClientSocket(loop, origin, this, tls, List.of(), false, null); // Redis: never through an HTTP proxy
        }

        void write(Pending p) {
            inflight.add(p);
            socket.out().add(p.bytes);
            socket.flush();
        }

        @Override
        public void onConnected() {
            if (closed) {
                socket.close();
                return;
            }
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            if (url.password() != null) {
                byte[] auth = url.user() == null ? RespReader.encode(b("AUTH"), b(url.password()))
                        : RespReader.encode(b("AUTH"), b(url.user()), b(url.password()));
                write(new Pending(auth, 1, null, deadline, "AUTH"));
            }
            if (url.db() != 0) {
                write(new Pending(RespReader.encode(b("SELECT"), b(Integer.toString(url.db()))), 1, null, deadline,
                        "SELECT " + url.db()));
            }
            // PING: the connection counts as up once Redis answered, so a server that accepts and
            // then refuses (AUTH, a protected mode) is not taken for a working one
            write(new Pending(RespReader.encode(b("PING")), 1, null, deadline, "PING"));
            phase = Phase.READY;
            for (Pending p; (p = waiting.poll()) != null; ) {
                write(p);
            }
        }

        @Override
        public void onConnectFailed(ClientException cause) {
            failure = cause.getMessage();
        }

        @Override
        public void onRead(ByteBuffer in) {
            try {
                reader.feed(in);
                Object reply;
                while ((reply = reader.next()) != RespReader.INCOMPLETE) {
                    Pending p = inflight.peek();
                    if (p == null) {
                        lost("a reply nobody asked for");
                        return;
                    }
                    if (p.internal != null) {
                        inflight.poll();
                        if (reply instanceof RespReader.Error e) {
                            lost(p.internal.split(" ")[0] + " failed: " + e.message());
                            return;
                        }
                        if (p.internal.equals("PING")) {
                            up();
                        }
                        continue;
                    }
                    if (p.replies == 1) {
                        inflight.poll();
                        complete(p.future, reply);
                    } else {
                        p.got.add(errors(reply));
                        if (p.got.size() == p.replies) {
                            inflight.poll();
                            p.future.complete(p.got);
                        }
                    }
                }
            } catch (RespReader.ProtocolException e) {
                lost("not a Redis reply: " + e.getMessage());
            }
        }

        private void complete(CompletableFuture<Object> f, Object reply) {
            if (reply instanceof RespReader.Error e) {
                f.completeExceptionally(new RedisException(RedisException.Kind.REPLY, prefix() + e.message()));
            } else {
                f.complete(errors(reply));
            }
        }

        /** {@code reply} with every error reply in it (EXEC's results hold them) a {@link RedisException}. */
        private Object errors(Object reply) {
            if (reply instanceof RespReader.Error e) {
                return new RedisException(RedisException.Kind.REPLY, prefix() + e.message());
            }
            if (reply instanceof List<?> l) {
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) {
                    out.add(errors(o));
                }
                return out;
            }
            return reply;
        }

        /** Redis answered the first PING: connected. */
        private void up() {
            answered = true;
            LOG.log(System.Logger.Level.INFO, prefix() + "connected" + (lastLoggedFailure != 0 ? " again" : ""));
            down = null;
            knownDown = false;
            backoffMs = MIN_BACKOFF_MS;
            lastLoggedFailure = 0;
        }

        /** Closes this connection for {@code why}. */
        void lost(String why) {
            if (failure == null) {
                failure = why;
            }
            socket.close();
        }

        @Override
        public void onInputClosed() {
            lost("Redis closed the connection");
        }

        @Override
        public void onDrained() {
        }

        @Override
        public void onClosed() {
            String why = failure != null ? failure
                    : socket.failure() != null ? socket.failure().getMessage() : "the connection closed";
            boolean wasUp = answered;
            if (conn == this) {
                conn = null;
            }
            down = (answered ? "connection lost: " : "") + why;
            knownDown = true;
            RedisException e = unavailable();
            for (Pending p; (p = inflight.poll()) != null; ) {
                if (p.future != null) {
                    p.future.completeExceptionally(e);
                }
            }
            for (Pending p; (p = waiting.poll()) != null; ) {
                p.future.completeExceptionally(e);
            }
            if (closed) {
                return;
            }
            log(wasUp, why);
            long delay = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            timer.schedule(() -> loop.execute(RedisClient.this::connect), delay, TimeUnit.MILLISECONDS);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

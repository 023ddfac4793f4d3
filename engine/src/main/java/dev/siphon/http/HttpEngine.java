package dev.siphon.http;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.dispatch.Dispatcher;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.h1.Http1Session;
import dev.siphon.http.h2.Http2Session;
import dev.siphon.http.h2.Http2Settings;
import dev.siphon.http.h2.ProtocolDetector;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.internal.TrustedProxies;
import dev.siphon.http.net.ConnectionLimiter;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.Listener;
import dev.siphon.http.net.SessionFactory;
import dev.siphon.http.net.TlsProvider;
import dev.siphon.http.net.TransportFactory;
import dev.siphon.http.router.Router;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine: event loops, listeners and routes. Start one with {@link #builder()}:
 *
 * <pre>{@code
 * try (HttpEngine engine = HttpEngine.builder()
 *         .listen("127.0.0.1:0")
 *         .route("GET", "/hello/{name}", req -> Response.text(200, "hi " + req.pathParam("name")))
 *         .start()) {
 *     int port = engine.port();
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops accepting, lets requests in flight finish for up to
 * {@code engine.shutdown_grace_ms}, then closes every socket and stops every loop thread,
 * returning every pooled buffer. Thread-safe.
 *
 * <p>An {@link Error} on one of its loop threads is fatal: the engine logs it, closes itself at
 * once, and {@link #awaitTermination()} throws {@link EngineFailedException}; see
 * {@link FatalErrorHandler} and {@link Builder#onFatalError}.
 */
public final class HttpEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.http");
    private static final int BACKLOG = 1024;
    /** Descriptors a process needs besides its connections: jars, listeners, selectors, outbound clients, logs. */
    private static final int DESCRIPTOR_MARGIN = 256;

    private final EngineSettings settings;
    private final EventLoop[] loops;
    private final Thread[] threads;
    private final List<Listener> listeners;
    private final Counters counters;
    private final ConnectionLimiter limiter;
    private final FatalErrorHandler fatalErrorHandler;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down when close() is done, or after a fatal error once the handler ran. */
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile String failedOn;

    private HttpEngine(EngineSettings settings, EventLoop[] loops, Thread[] threads, List<Listener> listeners,
                       Counters counters, ConnectionLimiter limiter, FatalErrorHandler fatalErrorHandler) {
        this.settings = settings;
        this.limiter = limiter;
        this.loops = loops;
        this.threads = threads;
        this.listeners = listeners;
        this.counters = counters;
        this.fatalErrorHandler = fatalErrorHandler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound port of the first listener (useful with port 0). */
    public int port() {
        return port(0);
    }

    public int port(int listener) {
        return listeners.get(listener).localAddress().getPort();
    }

    public List<InetSocketAddress> addresses() {
        return listeners.stream().map(Listener::localAddress).toList();
    }

    /** Each listener as a base URL, {@code http://} or {@code https://} by whether it has TLS. */
    public List<String> urls() {
        return listeners.stream().map(HttpEngine::url).toList();
    }

    private static String url(Listener l) {
        return ((ListenerContext) l.config()).scheme() + "://" + hostPort(l.localAddress());
    }

    public EngineSettings settings() {
        return settings;
    }

    public Counters counters() {
        return counters;
    }

    /**
     * Connections open now, in all and per client address, and TLS handshakes in progress, as
     * counted against {@code engine.max_connections} and its neighbours; all 0 once every
     * connection is closed.
     */
    public ConnectionLimiter connectionLimiter() {
        return limiter;
    }

    /**
     * One line per open connection: the peer, its protocol's state, what it waits for and the
     * bytes it holds. A diagnostic for connections that stay open longer than expected (the
     * soak test prints it); the wording may change between versions. Waits up to a second per loop.
     */
    public List<String> describeConnections() {
        List<String> lines = new ArrayList<>();
        for (EventLoop l : loops) {
            try {
                lines.addAll(l.describeConnections().get(1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                lines.add("loop " + l.id() + ": no answer (" + e + ")");
            }
        }
        return lines;
    }

    /** Pooled buffers currently taken and not returned, over all loops; 0 when idle. */
    public long buffersOutstanding() {
        long n = 0;
        for (EventLoop l : loops) {
            n += l.pool().outstanding();
        }
        return n;
    }

    /**
     * Blocks until the engine is closed (for example by a shutdown hook).
     *
     * @throws EngineFailedException when the engine closed itself because an {@link Error} ended
     *     one of its threads (the cause); the {@link FatalErrorHandler} has run by then
     */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
        Throwable f = failure.get();
        if (f != null) {
            throw new EngineFailedException(failedOn, f);
        }
    }

    /** The error that made the engine close itself ({@link #fail}), or null. */
    public Throwable failure() {
        return failure.get();
    }

    /**
     * Closes the engine at once because {@code error} ended thread {@code thread}: the engine's
     * own loops call this, and so should code that runs this engine's handlers on threads of its
     * own (the Python worker pool does) when an {@link Error} ends one of them. The caller has
     * logged the error with its stack trace; this logs one line, closes every listener (new
     * connections are refused), cuts every connection without grace, then calls the
     * {@link FatalErrorHandler}, on a thread of its own; {@link #awaitTermination()} then throws
     * {@link EngineFailedException}. Any thread; only the first failure counts.
     */
    public void fail(String thread, Throwable error) {
        Objects.requireNonNull(error, "error");
        if (!failure.compareAndSet(null, error)) {
            return;
        }
        failedOn = thread;
        LOG.log(System.Logger.Level.ERROR, "closing the engine after a fatal error on " + thread + " (" + error + ")");
        Thread.ofPlatform().name("siphon-fatal").daemon(true).start(() -> {
            try {
                closed.set(true);
                for (Listener l : listeners) {
                    l.close(); // refused from now on, even while a loop is still stopping
                }
                stopLoops(0);
            } finally {
                try {
                    fatalErrorHandler.onFatalError(thread, error);
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.ERROR, "the fatal error handler failed", t);
                } finally {
                    terminated.countDown();
                }
            }
        });
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            stopLoops(settings.shutdownGraceMs());
        } finally {
            if (failure.get() == null) {
                terminated.countDown(); // after a failure, fail() counts down once its handler ran
            }
        }
    }

    private void stopLoops(long graceMs) {
        long grace = TimeUnit.MILLISECONDS.toNanos(graceMs);
        for (EventLoop l : loops) {
            l.shutdown(grace);
        }
        boolean interrupted = false;
        for (int i = 0; i < loops.length; i++) {
            try {
                if (!loops[i].awaitStopped(graceMs + 5000, TimeUnit.MILLISECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "event loop " + i + " did not stop in time");
                }
                threads[i].join(1000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Collects listeners, settings and routes; {@link #start()} binds and serves. Not thread-safe. */
    public static final class Builder {
        private final List<ServerConfig> servers = new ArrayList<>();
        private final Router.Builder<AsyncHandler> routes = Router.builder();
        private EngineSettings settings = EngineSettings.defaults();
        private FatalErrorHandler fatalErrorHandler = FatalErrorHandler.NONE;

        private Builder() {}

        /**
         * Called once when an {@link Error} ends one of the engine's threads, after the engine
         * closed itself (see {@link FatalErrorHandler}). Default {@link FatalErrorHandler#NONE}: the
         * engine only closes, and {@link HttpEngine#awaitTermination()} throws
         * {@link EngineFailedException}; {@link FatalErrorHandler#exit()} ends the process.
         */
        public Builder onFatalError(FatalErrorHandler handler) {
            this.fatalErrorHandler = Objects.requireNonNull(handler);
            return this;
        }

        /** Adds a cleartext listener on "host:port" ("[::1]:8080" for IPv6; port 0 picks a free port). */
        public Builder listen(String hostPort) {
            servers.add(ServerConfig.listen(hostPort));
            return this;
        }

        public Builder listen(ServerConfig server) {
            servers.add(Objects.requireNonNull(server));
            return this;
        }

        public Builder settings(EngineSettings settings) {
            this.settings = Objects.requireNonNull(settings);
            return this;
        }

        /** Takes the listeners and engine settings of a loaded http.yaml. */
        public Builder config(HttpConfig config) {
            servers.addAll(config.servers());
            settings = config.engine();
            return this;
        }

        /** Loads an http.yaml; a bad file fails with a message naming the file, key and line. */
        public Builder config(Path httpYaml) throws ConfigException {
            return config(ConfigLoader.load(httpYaml));
        }

        /**
         * A route answered on the I/O loop by a handler that must not block.
         *
         * @throws dev.siphon.http.router.RouteException for a malformed pattern or a conflict, naming both patterns
         */
        public Builder route(String method, String pattern, Handler handler) {
            Objects.requireNonNull(handler);
            return routeAsync(method, pattern, (req, out) -> out.send(handler.handle(req)));
        }

        public Builder route(Collection<String> methods, String pattern, Handler handler) {
            Objects.requireNonNull(handler);
            return routeAsync(methods, pattern, (req, out) -> out.send(handler.handle(req)));
        }

        /** A route whose handler answers later, from any thread, through its {@link Responder}. */
        public Builder routeAsync(String method, String pattern, AsyncHandler handler) {
            routes.add(method, pattern, Objects.requireNonNull(handler));
            return this;
        }

        public Builder routeAsync(Collection<String> methods, String pattern, AsyncHandler handler) {
            routes.add(methods, pattern, Objects.requireNonNull(handler));
            return this;
        }

        /**
         * Reads what {@link #start()} reads before it binds, without binding or starting
         * anything: every listener's address and trusted proxies, and the PEM files of its TLS
         * side. The exception names the listener and file, as start() would. For checking a
         * configuration ahead of a deployment.
         */
        public void validate() throws IOException {
            for (int i = 0; i < servers.size(); i++) {
                ServerConfig s = servers.get(i);
                if (s.tls() != null) {
                    tls(s, "servers[" + i + "].tls");
                }
                trustedProxies(s);
                InetAddress.getByName(s.host());
            }
        }

        /**
         * Starts the loops and binds every listener. Either all listeners are bound and serving,
         * or nothing is left running and the exception names the address that failed.
         */
        public HttpEngine start() throws IOException {
            Dispatcher dispatcher = new Dispatcher(routes.build());
            Counters counters = new Counters(settings.maxBufferedBodyBytes());
            int n = settings.ioLoops();
            EventLoop[] loops = new EventLoop[n];
            Thread[] threads = new Thread[n];
            // set before any loop thread starts: a loop that fails closes the whole engine
            AtomicReference<HttpEngine> self = new AtomicReference<>();
            FatalErrorHandler loopFailed = (thread, error) -> self.get().fail(thread, error);
            for (int i = 0; i < n; i++) {
                loops[i] = new EventLoop(i, settings.bufferSize(), loopFailed);
            }
            List<Listener> listeners = new ArrayList<>();
            Http2Settings h2 = settings.http2();
            ConnectionLimiter limiter = new ConnectionLimiter(settings.connections());
            warnIfAboveDescriptorLimit(settings.connections().maxConnections());
            try {
                for (int i = 0; i < servers.size(); i++) {
                    ServerConfig s = servers.get(i);
                    TransportFactory tls = s.tls() == null ? null : tls(s, "servers[" + i + "].tls");
                    ListenerContext ctx = new ListenerContext(s, settings, dispatcher, counters,
                            trustedProxies(s), tls == null ? "http" : "https");
                    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(s.host()), s.port());
                    SessionFactory sessions = tls == null ? c -> new ProtocolDetector(c, ctx, h2) : byAlpn(ctx, h2);
                    TrustedProxies proxies = ctx.trustedProxies();
                    ConnectionLimiter limits = proxies.isEmpty() ? limiter : limiter.exempting(proxies::contains);
                    Listener l;
                    try {
                        l = new Listener(address, BACKLOG, loops[i % n], j -> loops[j], n, sessions, tls, counters,
                                limits, ctx);
                    } catch (IOException e) {
                        throw new IOException("cannot listen on " + s.listen() + ": " + e.getMessage(), e);
                    }
                    listeners.add(l);
                }
            } catch (IOException | RuntimeException e) {
                for (Listener l : listeners) {
                    l.close();
                }
                for (EventLoop loop : loops) {
                    loop.abandon();
                }
                throw e;
            }
            HttpEngine engine = new HttpEngine(settings, loops, threads, List.copyOf(listeners), counters, limiter,
                    fatalErrorHandler);
            self.set(engine);
            for (int i = 0; i < n; i++) {
                String name = "siphon-loop-" + i;
                threads[i] = settings.loopThreads() == LoopThreads.PLATFORM
                        ? Thread.ofPlatform().name(name).start(loops[i])
                        : Thread.ofVirtual().name(name).start(loops[i]);
            }
            for (Listener l : listeners) {
                l.start();
            }
            for (Listener l : listeners) {
                LOG.log(System.Logger.Level.INFO, "listening on " + url(l));
            }
            return engine;
        }

        /**
         * The TLS side of a listener, from the first {@link TlsProvider} on the class path (the
         * siphon-tls jar). Reads the PEM files now, so a bad one stops start-up naming it.
         */
        private static TransportFactory tls(ServerConfig s, String key) throws IOException {
            TlsProvider provider = ServiceLoader.load(TlsProvider.class, HttpEngine.class.getClassLoader())
                    .findFirst()
                    .orElseThrow(() -> new IOException("TLS listener " + s.listen()
                            + " needs siphon-tls on the class path"));
            try {
                return provider.listener(s, key);
            } catch (ConfigException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        /**
         * Over TLS the protocol is chosen by ALPN (RFC 7301): "h2" starts HTTP/2 at once (its
         * session still checks the client preface, RFC 9113 §3.4); "http/1.1" or no ALPN at all
         * is HTTP/1.1. The handshake has finished when this runs.
         */
        private static SessionFactory byAlpn(ListenerContext ctx, Http2Settings h2) {
            return c -> "h2".equals(c.tls().applicationProtocol()) ? new Http2Session(c, ctx, h2) : new Http1Session(c, ctx);
        }

        /**
         * Above the process's descriptor limit, {@code max_connections} is never what stops
         * accepting: accept fails first (EMFILE), for every client alike, and the listener backs off.
         */
        private static void warnIfAboveDescriptorLimit(int maxConnections) {
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.UnixOperatingSystemMXBean os) {
                long fds = os.getMaxFileDescriptorCount();
                if (maxConnections > fds - DESCRIPTOR_MARGIN) {
                    LOG.log(System.Logger.Level.WARNING, "engine.max_connections is " + maxConnections
                            + " but this process may open only " + fds + " files (ulimit -n), some of them for"
                            + " itself: raise the limit or lower max_connections to at most "
                            + Math.max(1, fds - DESCRIPTOR_MARGIN));
                }
            }
        }

        /** The listener's trusted_proxies as ranges; the record has checked every entry already. */
        private static TrustedProxies trustedProxies(ServerConfig s) {
            return TrustedProxies.of(s.trustedProxies());
        }
    }

    /** "host:port", with IPv6 hosts in brackets. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    Map<String, Long> metrics() {
        return counters.snapshot();
    }
}

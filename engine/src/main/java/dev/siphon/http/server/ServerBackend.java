package dev.siphon.http.server;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.AccessLogConfig;
import dev.siphon.http.config.AdminConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConnectionLimits;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TrustedProxies;
import dev.siphon.http.dispatch.AccessLog;
import dev.siphon.http.dispatch.Dispatcher;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.dispatch.RequestMetrics;
import dev.siphon.http.h1.Http1InProcess;
import dev.siphon.http.h1.Http1Session;
import dev.siphon.http.h2.server.Http2Session;
import dev.siphon.http.internal.ConnectionLimiter;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.metrics.MetricsRegistry;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.Listener;
import dev.siphon.http.net.SessionFactory;
import dev.siphon.http.net.TlsProvider;
import dev.siphon.http.net.TransportFactory;
import dev.siphon.http.router.Router;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What serves an {@link HttpEngine}: one {@link EventLoop} per {@code engine.io_loops}, a
 * {@link Listener} per {@code servers:} entry, each connection's protocol chosen by
 * {@link ProtocolDetector} (cleartext) or ALPN (TLS), requests routed by one {@link Dispatcher}.
 * Registered as the engine's {@link HttpEngine.Backend} service.
 */
public final class ServerBackend implements HttpEngine.Backend {
    private static final System.Logger LOG = System.getLogger("siphon.http");
    private static final int BACKLOG = 1024;
    /** Descriptors a process needs besides its connections: jars, listeners, selectors, outbound clients, logs. */
    private static final int DESCRIPTOR_MARGIN = 256;

    @Override
    public void validate(List<ServerConfig> servers) throws IOException {
        for (int i = 0; i < servers.size(); i++) {
            ServerConfig s = servers.get(i);
            if (s.tls() != null) {
                tls(s, "servers[" + i + "].tls");
            }
            trustedProxies(s);
            InetAddress.getByName(s.host());
        }
    }

    @Override
    public HttpEngine.InProcess inProcess(ServerConfig server, EngineSettings settings, Router<AsyncHandler> routes,
                                          FatalErrorHandler loopFailed) {
        return new Http1InProcess(server, settings, routes, loopFailed);
    }

    @Override
    public Serving bind(List<ServerConfig> servers, EngineSettings settings, Router<AsyncHandler> routes,
                        FatalErrorHandler loopFailed, AdminConfig admin, Router<AsyncHandler> adminRoutes,
                        MetricsRegistry registry, AccessLogConfig accessLogConfig) throws IOException {
        Dispatcher dispatcher = new Dispatcher(routes);
        Counters counters = new Counters(settings.maxBufferedBodyBytes());
        RequestMetrics requestMetrics = MetricsRegistry.RECORDING ? new RequestMetrics(registry) : RequestMetrics.OFF;
        AccessLog accessLog = accessLogConfig == null ? null : new AccessLog(accessLogConfig);
        int n = settings.ioLoops();
        EventLoop[] loops = new EventLoop[n];
        for (int i = 0; i < n; i++) {
            loops[i] = new EventLoop(i, settings.bufferSize(), loopFailed);
        }
        List<Listener> listeners = new ArrayList<>();
        List<ReloadableTls> tlsListeners = new ArrayList<>();
        Listener adminListener = null;
        Http2Settings h2 = settings.http2();
        ConnectionLimiter limiter = new ConnectionLimiter(settings.connections());
        warnIfAboveDescriptorLimit(settings.connections().maxConnections());
        try {
            for (int i = 0; i < servers.size(); i++) {
                ServerConfig s = servers.get(i);
                ReloadableTls tls = null;
                if (s.tls() != null) {
                    String key = "servers[" + i + "].tls";
                    tls = new ReloadableTls(s, key, tls(s, key));
                    tlsListeners.add(tls);
                }
                ListenerContext ctx = new ListenerContext(s, settings, dispatcher, counters,
                        trustedProxies(s), tls == null ? "http" : "https", requestMetrics, accessLog);
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
            if (admin != null) {
                adminListener = adminListener(admin, adminRoutes, settings, loops[0]);
            }
        } catch (IOException | RuntimeException e) {
            if (accessLog != null) {
                accessLog.close();
            }
            for (Listener l : listeners) {
                l.close();
            }
            for (EventLoop loop : loops) {
                loop.abandon();
            }
            throw e;
        }
        EngineMetrics.register(registry, counters, listeners, loops, accessLog);
        return new Serving(settings, loops, List.copyOf(listeners), counters, limiter, adminListener, accessLog,
                dispatcher, List.copyOf(tlsListeners));
    }

    /**
     * A TLS listener's transports, made by the context its files gave last ({@link
     * HttpEngine#reloadTls}): each accepted connection reads it once, when its handshake starts,
     * and keeps it. One volatile read per connection.
     */
    private static final class ReloadableTls implements TransportFactory {
        private final ServerConfig server;
        private final String key;
        private volatile TransportFactory current;

        ReloadableTls(ServerConfig server, String key, TransportFactory first) {
            this.server = server;
            this.key = key;
            this.current = first;
        }

        @Override
        public dev.siphon.http.net.Transport create(dev.siphon.http.net.Connection connection) {
            return current.create(connection);
        }

        /** Reads the files again; on any problem keeps the context it has and says why. */
        HttpEngine.TlsReload reload() {
            try {
                current = tls(server, key);
                LOG.log(System.Logger.Level.INFO, "TLS reloaded for " + server.listen() + ": "
                        + server.tls().certPath() + ", " + server.tls().keyPath()
                        + (server.tls().clientCa() == null ? "" : ", " + server.tls().clientCa()));
                return new HttpEngine.TlsReload(server.listen(), null);
            } catch (IOException | RuntimeException e) {
                String problem = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "TLS reload for " + server.listen()
                        + " refused, the listener keeps its current certificate: " + problem);
                return new HttpEngine.TlsReload(server.listen(), problem);
            }
        }
    }

    /** The loops and listeners of one engine. */
    private static final class Serving implements HttpEngine.Backend.Bound {
        private final EngineSettings settings;
        private final EventLoop[] loops;
        private final Thread[] threads;
        private final List<Listener> listeners;
        private final Counters counters;
        private final ConnectionLimiter limiter;
        private final Listener admin; // null without one
        private final AccessLog accessLog; // null without one
        private final Dispatcher dispatcher;
        private final List<ReloadableTls> tls;

        Serving(EngineSettings settings, EventLoop[] loops, List<Listener> listeners, Counters counters,
                ConnectionLimiter limiter, Listener admin, AccessLog accessLog, Dispatcher dispatcher,
                List<ReloadableTls> tls) {
            this.dispatcher = dispatcher;
            this.tls = tls;
            this.accessLog = accessLog;
            this.settings = settings;
            this.loops = loops;
            this.threads = new Thread[loops.length];
            this.listeners = listeners;
            this.counters = counters;
            this.limiter = limiter;
            this.admin = admin;
        }

        @Override
        public void start() {
            for (int i = 0; i < loops.length; i++) {
                String name = "siphon-loop-" + i;
                threads[i] = settings.loopThreads() == LoopThreads.PLATFORM
                        ? Thread.ofPlatform().name(name).start(loops[i])
                        : Thread.ofVirtual().name(name).start(loops[i]);
            }
            for (Listener l : listeners) {
                l.start();
            }
            if (admin != null) {
                admin.start();
            }
            for (Listener l : listeners) {
                LOG.log(System.Logger.Level.INFO, "listening on " + url(l));
            }
            if (admin != null) {
                LOG.log(System.Logger.Level.INFO, "admin listener on " + url(admin) + " (/metrics, /healthz, /readyz)");
            }
        }

        @Override
        public void reroute(Router<AsyncHandler> routes) {
            dispatcher.reroute(routes);
        }

        @Override
        public List<HttpEngine.TlsReload> reloadTls() {
            List<HttpEngine.TlsReload> done = new ArrayList<>(tls.size());
            for (ReloadableTls t : tls) {
                done.add(t.reload());
            }
            return done;
        }

        @Override
        public InetSocketAddress adminAddress() {
            return admin == null ? null : admin.localAddress();
        }

        @Override
        public CompletableFuture<List<String>> probeLoops(long timeoutMs) {
            List<CompletableFuture<String>> probes = new ArrayList<>(loops.length);
            for (EventLoop l : loops) {
                CompletableFuture<String> ran = new CompletableFuture<>();
                l.submit(() -> ran.complete(null));
                probes.add(ran.completeOnTimeout("event loop " + l.id() + " did not run a task within " + timeoutMs
                        + " ms", timeoutMs, TimeUnit.MILLISECONDS));
            }
            return CompletableFuture.allOf(probes.toArray(new CompletableFuture<?>[0])).thenApply(x -> {
                List<String> stalled = new ArrayList<>();
                for (CompletableFuture<String> p : probes) {
                    String problem = p.join();
                    if (problem != null) {
                        stalled.add(problem);
                    }
                }
                return stalled;
            });
        }

        @Override
        public List<InetSocketAddress> addresses() {
            return listeners.stream().map(Listener::localAddress).toList();
        }

        @Override
        public List<String> urls() {
            return listeners.stream().map(ServerBackend::url).toList();
        }

        @Override
        public Counters counters() {
            return counters;
        }

        @Override
        public ConnectionLimiter connectionLimiter() {
            return limiter;
        }

        @Override
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

        @Override
        public long buffersOutstanding() {
            long n = 0;
            for (EventLoop l : loops) {
                n += l.pool().outstanding();
            }
            return n;
        }

        @Override
        public void closeListeners() {
            for (Listener l : listeners) {
                l.close();
            }
            if (admin != null) {
                admin.close();
            }
        }

        @Override
        public void stop(long graceMs) {
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
                    if (threads[i] != null) {
                        threads[i].join(1000);
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (accessLog != null) {
                accessLog.close(); // after the loops: the last responses' lines are queued by now
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The admin listener: cleartext, on loop 0 only, with its own counters and connection limits
     * (probes count in none of the engine's metrics, and a flood of application connections does
     * not keep a probe out).
     */
    private static Listener adminListener(AdminConfig admin, Router<AsyncHandler> routes, EngineSettings settings,
                                          EventLoop loop) throws IOException {
        ServerConfig s = ServerConfig.listen(admin.listen());
        Counters counters = new Counters();
        ListenerContext ctx = new ListenerContext(s, settings, new Dispatcher(routes), counters, trustedProxies(s), "http",
                RequestMetrics.OFF, null);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(s.host()), s.port());
        ConnectionLimiter limits = new ConnectionLimiter(ConnectionLimits.defaults().withMaxConnections(64)
                .withMaxConnectionsPerIp(64));
        try {
            return new Listener(address, 64, loop, j -> loop, 1, c -> new ProtocolDetector(c, ctx, settings.http2()),
                    null, counters, limits, ctx);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + admin.listen() + " (admin.listen): " + e.getMessage(), e);
        }
    }

    private static String url(Listener l) {
        return ((ListenerContext) l.config()).scheme() + "://" + HttpEngine.hostPort(l.localAddress());
    }

    /**
     * The TLS side of a listener, from the first {@link TlsProvider} on the class path (the
     * siphon-tls jar). Reads the PEM files now, so a bad one stops start-up naming it.
     */
    private static TransportFactory tls(ServerConfig s, String key) throws IOException {
        TlsProvider provider = ServiceLoader.load(TlsProvider.class, ServerBackend.class.getClassLoader())
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

package dev.siphon.http;

import dev.siphon.http.config.AccessLogConfig;
import dev.siphon.http.config.AdminConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.ConnectionLimiter;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.metrics.MetricsRegistry;
import dev.siphon.http.router.Router;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
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
 * <p>With an admin listener ({@link Builder#admin}), the engine's own loops answer
 * {@code GET /metrics} (its {@link #metrics() registry} in the Prometheus text format or
 * OpenMetrics), {@code GET /healthz} (every loop answers, and every {@link Builder#healthCheck
 * health check} passes) and {@code GET /readyz} ({@link #ready}; 503 from the moment
 * {@link #close()} begins) on a port of their own.
 *
 * <p>An {@link Error} on one of its loop threads is fatal: the engine logs it, closes itself at
 * once, and {@link #awaitTermination()} throws {@link EngineFailedException}; see
 * {@link FatalErrorHandler} and {@link Builder#onFatalError}.
 */
public final class HttpEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.http");

    private final EngineSettings settings;
    private final Backend.Bound serving;
    private final FatalErrorHandler fatalErrorHandler;
    private final MetricsRegistry metrics;
    private final AdminConfig admin;
    /** Null when ready; else why not ("starting", "shutting down", or what the embedder said). */
    private volatile String notReady;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down when close() is done, or after a fatal error once the handler ran. */
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile String failedOn;
    /** The routes added outside {@link Builder#reloadable}, in order: {@link #reroute} adds them again. */
    private final List<Consumer<Routes>> fixedRoutes;

    private HttpEngine(EngineSettings settings, Backend.Bound serving, FatalErrorHandler fatalErrorHandler,
                       MetricsRegistry metrics, AdminConfig admin, String notReady, List<Consumer<Routes>> fixedRoutes) {
        this.fixedRoutes = fixedRoutes;
        this.settings = settings;
        this.serving = serving;
        this.fatalErrorHandler = fatalErrorHandler;
        this.metrics = metrics;
        this.admin = admin;
        this.notReady = notReady;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound port of the first listener (useful with port 0). */
    public int port() {
        return port(0);
    }

    public int port(int listener) {
        return serving.addresses().get(listener).getPort();
    }

    public List<InetSocketAddress> addresses() {
        return serving.addresses();
    }

    /** Each listener as a base URL, {@code http://} or {@code https://} by whether it has TLS. */
    public List<String> urls() {
        return serving.urls();
    }

    public EngineSettings settings() {
        return settings;
    }

    /** The registry {@code /metrics} serves: the engine's own families, and any added to it. */
    public MetricsRegistry metrics() {
        return metrics;
    }

    /** The admin listener's address, or null without one. */
    public InetSocketAddress adminAddress() {
        return serving.adminAddress();
    }

    /** The admin listener as a base URL ({@code http://127.0.0.1:9090}), or null without one. */
    public String adminUrl() {
        InetSocketAddress a = serving.adminAddress();
        return a == null ? null : "http://" + hostPort(a);
    }

    /**
     * Marks the engine ready ({@code reason} null: {@code /readyz} answers 200) or not, with the
     * reason {@code /readyz} gives. An engine is ready once started unless its builder said
     * {@link Builder#notReadyAtStart}; it is not ready from the moment {@link #close()} begins,
     * whatever is set later. Any thread.
     */
    public void ready(String reason) {
        if (!closed.get()) {
            notReady = reason;
        }
    }

    /** Null when ready, else why not. */
    public String notReadyReason() {
        return notReady;
    }

    /**
     * What routes are added through: the {@link Builder}, and the fresh set a {@link #reroute}
     * builds. A malformed pattern or a conflict throws {@link dev.siphon.http.router.RouteException}
     * naming both patterns.
     */
    public interface Routes {
        Routes routeAsync(String method, String pattern, AsyncHandler handler);

        Routes routeAsync(Collection<String> methods, String pattern, AsyncHandler handler);

        /** The handler of requests that match no route; see {@link Builder#unmatched}. */
        Routes unmatched(AsyncHandler handler);
    }

    /** Routes added to a router under construction. */
    private record RouterRoutes(Router.Builder<AsyncHandler> router) implements Routes {
        @Override
        public Routes routeAsync(String method, String pattern, AsyncHandler handler) {
            router.add(method, pattern, Objects.requireNonNull(handler));
            return this;
        }

        @Override
        public Routes routeAsync(Collection<String> methods, String pattern, AsyncHandler handler) {
            router.add(methods, pattern, Objects.requireNonNull(handler));
            return this;
        }

        @Override
        public Routes unmatched(AsyncHandler handler) {
            router.unmatched(Objects.requireNonNull(handler));
            return this;
        }
    }

    /**
     * Replaces the routes of {@link Builder#reloadable} with the ones {@code layer} adds; the
     * routes added to the builder otherwise (a Java host's) are added again after them, as at
     * start. The new router is built first: a malformed or conflicting pattern throws {@link
     * dev.siphon.http.router.RouteException} and the old routes stay. Then it is switched to at
     * once for every listener: a request whose head arrives from now on is routed by it; one
     * routed before runs the handler it was routed to (see {@link #syncLoops}). Any thread.
     */
    public void reroute(Consumer<? super Routes> layer) {
        Router.Builder<AsyncHandler> b = Router.builder();
        RouterRoutes r = new RouterRoutes(b);
        layer.accept(r);
        for (Consumer<Routes> fixed : fixedRoutes) {
            fixed.accept(r);
        }
        serving.reroute(b.build());
    }

    /**
     * Returns once every loop ran a task submitted now, or after {@code timeoutMs}: whatever a
     * loop did with what it read before this call (a router replaced by {@link #reroute}, a
     * handler's state) is done by then. False when a loop did not answer in time.
     */
    public boolean syncLoops(long timeoutMs) {
        try {
            return serving.probeLoops(timeoutMs).get().isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** What {@link #reloadTls} did for one TLS listener: {@code problem} is null when it took the new files. */
    public record TlsReload(String listener, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    /**
     * Reads every TLS listener's certificate chain, key and {@code client_ca} again, as at start
     * (a key that does not match its certificate, or a file that does not parse, is refused), and
     * makes new handshakes use them; connections already open keep theirs. A listener whose files
     * are refused keeps serving with the ones it had, and the problem (naming the file) is logged
     * as a warning. One entry per TLS listener, in configuration order. Any thread.
     */
    public List<TlsReload> reloadTls() {
        return serving.reloadTls();
    }

    /** What failed: each loop that did not answer in time, each health check with its problem; empty when healthy. */
    java.util.concurrent.CompletableFuture<List<String>> healthProblems(List<HealthCheck> checks, long timeoutMs) {
        java.util.concurrent.CompletableFuture<List<String>> loops = serving.probeLoops(timeoutMs);
        return loops.thenApply(stalled -> {
            List<String> problems = new ArrayList<>(stalled);
            for (HealthCheck c : checks) {
                String p;
                try {
                    p = c.problem().get();
                } catch (RuntimeException e) {
                    p = "check failed: " + e;
                }
                if (p != null) {
                    problems.add(c.name() + ": " + p);
                }
            }
            return problems;
        });
    }

    /** A named check of {@code /healthz}: its supplier gives null when healthy, else the problem. */
    record HealthCheck(String name, Supplier<String> problem) {}

    /** Limits tripped and requests served; for this project's tests and benchmarks, which run on the class path. */
    @SuppressWarnings("exports") // internal is exported to this project's modules only
    public Counters counters() {
        return serving.counters();
    }

    /**
     * Connections open now, in all and per client address, and TLS handshakes in progress, as
     * counted against {@code engine.max_connections} and its neighbours; all 0 once every
     * connection is closed. For this project's tests, which run on the class path.
     */
    @SuppressWarnings("exports") // internal is exported to this project's modules only
    public ConnectionLimiter connectionLimiter() {
        return serving.connectionLimiter();
    }

    /**
     * One line per open connection: the peer, its protocol's state, what it waits for and the
     * bytes it holds. A diagnostic for connections that stay open longer than expected (the
     * soak test prints it); the wording may change between versions. Waits up to a second per loop.
     */
    public List<String> describeConnections() {
        return serving.describeConnections();
    }

    /** Pooled buffers currently taken and not returned, over all loops; 0 when idle. */
    public long buffersOutstanding() {
        return serving.buffersOutstanding();
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
                serving.closeListeners(); // refused from now on, even while a loop is still stopping
                serving.stop(0);
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

    /**
     * Not ready from now on; with an admin listener whose {@code drain_delay_ms} is set, every
     * listener keeps serving that long while {@code /readyz} answers 503; then requests in flight
     * get up to {@code engine.shutdown_grace_ms} before every socket closes.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        notReady = "shutting down";
        try {
            if (admin != null && admin.drainDelayMs() > 0 && failure.get() == null) {
                LOG.log(System.Logger.Level.INFO, "not ready: serving " + admin.drainDelayMs()
                        + " ms more (admin.drain_delay_ms) before draining");
                try {
                    Thread.sleep(admin.drainDelayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            serving.stop(settings.shutdownGraceMs());
        } finally {
            if (failure.get() == null) {
                terminated.countDown(); // after a failure, fail() counts down once its handler ran
            }
        }
    }

    /** Collects listeners, settings and routes; {@link #start()} binds and serves. Not thread-safe. */
    public static final class Builder implements Routes {
        private final List<ServerConfig> servers = new ArrayList<>();
        private final Router.Builder<AsyncHandler> routes = Router.builder();
        /** Each route added outside {@link #reloadable}, to add again after a {@link HttpEngine#reroute}. */
        private final List<Consumer<Routes>> fixedRoutes = new ArrayList<>();
        private EngineSettings settings = EngineSettings.defaults();
        private FatalErrorHandler fatalErrorHandler = FatalErrorHandler.NONE;
        private AdminConfig admin;
        private AccessLogConfig accessLog;
        private MetricsRegistry metrics;
        private final List<HealthCheck> healthChecks = new ArrayList<>();
        private String notReadyAtStart;

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

        /** Takes the listeners, engine settings, admin listener and access log of a loaded http.yaml. */
        public Builder config(HttpConfig config) {
            servers.addAll(config.servers());
            settings = config.engine();
            if (config.admin() != null) {
                admin = config.admin();
            }
            if (config.accessLog() != null) {
                accessLog = config.accessLog();
            }
            return this;
        }

        /** The access log ({@code access_log:} in http.yaml); {@code null} for none (the default). */
        public Builder accessLog(AccessLogConfig accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        /** Adds the admin listener ({@code /metrics}, {@code /healthz}, {@code /readyz}) on "host:port". */
        public Builder admin(String hostPort) {
            return admin(AdminConfig.listen(hostPort));
        }

        /** The admin listener; {@code null} for none (the default). */
        public Builder admin(AdminConfig admin) {
            this.admin = admin;
            return this;
        }

        /** The registry the engine records into and {@code /metrics} serves; default a new one per engine. */
        public Builder metrics(MetricsRegistry registry) {
            this.metrics = Objects.requireNonNull(registry);
            return this;
        }

        /**
         * A check {@code /healthz} runs on each request: {@code problem} gives null while healthy,
         * else what is wrong (then {@code /healthz} answers 503 naming it). It must be quick and
         * thread-safe; it runs on a loop thread.
         */
        public Builder healthCheck(String name, Supplier<String> problem) {
            healthChecks.add(new HealthCheck(Objects.requireNonNull(name), Objects.requireNonNull(problem)));
            return this;
        }

        /**
         * Starts the engine not ready ({@code /readyz} answers 503 with {@code reason}) until
         * {@link HttpEngine#ready(String) ready(null)}: for an embedder with more to start.
         */
        public Builder notReadyAtStart(String reason) {
            this.notReadyAtStart = Objects.requireNonNull(reason);
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

        /**
         * The handler of requests that match no route (the engine answers 404 or 405 itself
         * without one): it gets them with {@link Request#unmatchedAnswer()} set to that answer,
         * which it may send, change or replace. Not for a malformed path (400), and the body of
         * such a request is not kept.
         */
        @Override
        public Builder unmatched(AsyncHandler handler) {
            routes.unmatched(Objects.requireNonNull(handler));
            fixedRoutes.add(r -> r.unmatched(handler));
            return this;
        }

        /** A route whose handler answers later, from any thread, through its {@link Responder}. */
        @Override
        public Builder routeAsync(String method, String pattern, AsyncHandler handler) {
            routes.add(method, pattern, Objects.requireNonNull(handler));
            fixedRoutes.add(r -> r.routeAsync(method, pattern, handler));
            return this;
        }

        @Override
        public Builder routeAsync(Collection<String> methods, String pattern, AsyncHandler handler) {
            routes.add(methods, pattern, Objects.requireNonNull(handler));
            List<String> m = List.copyOf(methods);
            fixedRoutes.add(r -> r.routeAsync(m, pattern, handler));
            return this;
        }

        /**
         * Routes that {@link HttpEngine#reroute} replaces (a script's, which a reload loads
         * again); the others stay. Added now, in order with the others, checked as they are.
         */
        public Builder reloadable(Consumer<? super Routes> layer) {
            layer.accept(new RouterRoutes(routes));
            return this;
        }

        /**
         * Reads what {@link #start()} reads before it binds, without binding or starting
         * anything: every listener's address and trusted proxies, and the PEM files of its TLS
         * side. The exception names the listener and file, as start() would. For checking a
         * configuration ahead of a deployment.
         */
        public void validate() throws IOException {
            TheBackend.INSTANCE.validate(List.copyOf(servers));
        }

        /**
         * The engine without a listener: requests given as HTTP/1.1 bytes are parsed, limited,
         * routed and answered as on a connection of the first listener's configuration (or the
         * defaults when none is given), and the answer comes back as the bytes a connection
         * would write. For test harnesses; see {@link InProcess} for what a connection does and
         * this does not. Neither binds nor starts the admin listener.
         */
        public InProcess startInProcess() {
            ServerConfig server = servers.isEmpty() ? ServerConfig.listen("127.0.0.1:0") : servers.get(0);
            return TheBackend.INSTANCE.inProcess(server, settings, routes.build(), fatalErrorHandler);
        }

        /**
         * Starts the loops and binds every listener. Either all listeners are bound and serving,
         * or nothing is left running and the exception names the address that failed.
         */
        public HttpEngine start() throws IOException {
            // set before any loop thread starts: a loop that fails closes the whole engine
            AtomicReference<HttpEngine> self = new AtomicReference<>();
            int taken = admin == null ? -1 : admin.collidingServer(servers);
            if (taken >= 0) {
                throw new IllegalArgumentException("admin listener " + admin.listen()
                        + " takes the port of the server listening on " + servers.get(taken).listen());
            }
            MetricsRegistry registry = metrics != null ? metrics : new MetricsRegistry();
            List<HealthCheck> checks = List.copyOf(healthChecks);
            Router<AsyncHandler> adminRoutes = admin == null ? null : AdminRoutes.build(self::get, checks);
            Backend.Bound bound = TheBackend.INSTANCE.bind(List.copyOf(servers), settings, routes.build(),
                    (thread, error) -> self.get().fail(thread, error), admin, adminRoutes, registry, accessLog);
            HttpEngine engine = new HttpEngine(settings, bound, fatalErrorHandler, registry, admin, notReadyAtStart,
                    List.copyOf(fixedRoutes));
            self.set(engine);
            bound.start();
            return engine;
        }
    }

    /** The one {@link Backend}, looked up when the first engine is built or validated. */
    private static final class TheBackend {
        static final Backend INSTANCE = ServiceLoader.load(Backend.class, Backend.class.getClassLoader())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no HttpEngine.Backend: the siphon-engine jar's"
                        + " META-INF/services entry is missing (a repackaged jar must merge service files)"));
    }

    /** "host:port", with IPv6 hosts in brackets. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * What serves an engine: its loops, listeners and protocols. This API package depends on
     * none of the packages that implement it: the engine module provides the one implementation
     * ({@code dev.siphon.http.server.ServerBackend}) as a service, found once with
     * {@link ServiceLoader} (module path or class path alike). Not for applications.
     */
    /**
     * An engine with no listener ({@link Builder#startInProcess()}): each {@link #exchange} is one
     * request on a fresh HTTP/1.1 connection, read by the same head parser under the same limits
     * ({@code max_header_bytes}, {@code max_header_count}, {@code max_body_bytes}), routed by the
     * same router (404, 405 with {@code allow}, 400 for a malformed path) and answered through
     * the same exchange, with its deadline ({@code request_timeout_ms}: 504) and request id.
     * Not done here: the shared body budget, request metrics, the access log, chunked request
     * bodies (411: give a {@code content-length}) and pipelining.
     */
    public interface InProcess extends AutoCloseable {
        /**
         * Serves one request: {@code request} is its head and body as a client writes them
         * ({@code content-length} for a body); the future completes with the response's bytes
         * (no body for HEAD) as they would be written to the connection.
         *
         * @param remote the client's address; {@code tls} the TLS it came over, or null for cleartext
         */
        java.util.concurrent.CompletableFuture<byte[]> exchange(byte[] request, InetSocketAddress remote, TlsInfo tls);

        /**
         * As {@link #exchange}, but a streaming response's future completes at its head (framed as
         * a connection frames it: the handler's {@code content-length}, else chunked) with its
         * body left to read from {@link Streamed#body()}; cancelling that stream is the client
         * leaving. Any other response comes whole, with a null {@link Streamed#body()}.
         */
        java.util.concurrent.CompletableFuture<Streamed> open(byte[] request, InetSocketAddress remote, TlsInfo tls);

        /**
         * An answer of {@link #open}: {@code head} the bytes written so far (the whole response
         * when {@code body} is null), {@code body} a streaming response's body still to come.
         */
        record Streamed(byte[] head, BodyStream body) {}

        /**
         * The exchange of {@link #exchange} failed because a streaming response's body could not be
         * read to its end (its producer failed, or its length differs from its content-length): on
         * a connection the client would see the body cut short.
         */
        final class BodyCutException extends IOException {
            public BodyCutException(Throwable cause) {
                super(cause.getMessage(), cause);
            }
        }

        /** Stops its loop: an exchange still waiting for its handler then never completes. */
        @Override
        void close();
    }

    @SuppressWarnings("exports") // Bound names internal types: the one implementation is in this module
    public interface Backend {
        /** {@link Builder#validate()}: reads what {@link #bind} reads, binding and starting nothing. */
        void validate(List<ServerConfig> servers) throws IOException;

        /**
         * Creates the loops and binds every listener (and the admin listener, serving
         * {@code adminRoutes}, when {@code admin} is not null) without starting either, or leaves
         * nothing bound and throws naming the address that failed. An {@link Error} that later
         * ends a loop goes to {@code loopFailed}. The engine's metrics are registered in {@code metrics};
         * {@code accessLog} (or null) starts the access log's writer.
         */
        Bound bind(List<ServerConfig> servers, EngineSettings settings, Router<AsyncHandler> routes,
                   FatalErrorHandler loopFailed, AdminConfig admin, Router<AsyncHandler> adminRoutes,
                   MetricsRegistry metrics, AccessLogConfig accessLog) throws IOException;

        /** {@link Builder#startInProcess()}: the engine without listeners, its loop started. */
        InProcess inProcess(ServerConfig server, EngineSettings settings, Router<AsyncHandler> routes,
                            FatalErrorHandler loopFailed);

        /** A bound engine: {@link #start()} once, then {@link #stop} once (by close or by a fatal error). */
        interface Bound {
            /** Starts the loop threads, then accepting. */
            void start();

            List<InetSocketAddress> addresses();

            List<String> urls();

            Counters counters();

            ConnectionLimiter connectionLimiter();

            List<String> describeConnections();

            long buffersOutstanding();

            /** The admin listener's address, or null. */
            InetSocketAddress adminAddress();

            /** Completes with one line per loop that did not run a task within {@code timeoutMs}; empty when all did. */
            java.util.concurrent.CompletableFuture<List<String>> probeLoops(long timeoutMs);

            /** Stops accepting: new connections are refused from now on. */
            void closeListeners();

            /** Lets requests in flight finish for up to {@code graceMs}, then closes every socket and loop. */
            void stop(long graceMs);

            /** Routes requests from now on with {@code routes} (every listener but the admin one). */
            void reroute(Router<AsyncHandler> routes);

            /** {@link HttpEngine#reloadTls}. */
            List<TlsReload> reloadTls();
        }
    }
}

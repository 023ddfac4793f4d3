package dev.siphon.http.py;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.metrics.Counter;
import dev.siphon.http.router.RouteException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An HTTP engine serving a siphon script: the {@link WorkerPool} plus the {@link HttpEngine}
 * whose routes are the script's.
 *
 * <p>{@link #start} loads the script in worker 0, registers its routes once, runs worker 0's
 * {@code @http.on_startup} hooks, and only then binds the listeners: a script that cannot load
 * or whose hooks fail never serves, and a failure at any of these steps leaves nothing running.
 * The other workers then come up beside the serving one ({@link WorkerPool#startRest}); {@link
 * #workersReady} completes when all of them are, or fails if one cannot (the launcher then exits:
 * a half-started server must not stay up). {@link #close} stops the {@code timer} jobs, drains
 * the requests in flight, then runs the {@code @http.on_shutdown} hooks, then stops the workers.
 *
 * <p>{@link #reload} (the launcher's SIGHUP and {@code --reload}) loads the script again into
 * fresh worker contexts beside the serving ones, runs their on_startup hooks, and then switches
 * the engine's routes to them at once; requests routed before finish on the old contexts, which
 * then run their on_shutdown hooks and are released. A script that fails to load, or whose
 * hooks fail, leaves the old one serving. The same call re-reads every TLS listener's files.
 *
 * <p>A fatal {@link Error} on a worker's thread or an outbound client's is the engine's too
 * ({@link HttpEngine#fail}): it closes, calls the {@link dev.siphon.http.FatalErrorHandler} set on
 * its builder ({@code customize}), and {@link HttpEngine#awaitTermination()} throws. The workers
 * stay until {@link #close}.
 */
public final class PythonServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.http");

    /** The serving generation of the workers; replaced by {@link #reload}. */
    private final AtomicReference<WorkerPool> pool;
    private final HttpEngine engine;
    private final CompletableFuture<Void> workersReady;
    private final Path script;
    private final long requestTimeoutMs;
    private final Counter reloads;
    /** Held for the whole of a {@link #reload}: one at a time. */
    private final ReentrantLock reloading = new ReentrantLock();
    /** Guards {@link #closing} and {@link #retiring} between a reload and {@link #close}. */
    private final Object lock = new Object();
    private boolean closing;
    /** The generation a reload replaced and is handing over, or null. */
    private WorkerPool retiring;

    private PythonServer(AtomicReference<WorkerPool> pool, HttpEngine engine, CompletableFuture<Void> workersReady,
                         Path script, long requestTimeoutMs) {
        this.pool = pool;
        this.engine = engine;
        this.workersReady = workersReady;
        this.script = script;
        this.requestTimeoutMs = requestTimeoutMs;
        this.reloads = pool.get().metrics().counter("siphon_python_reloads",
                "reloads of the script (SIGHUP, --reload) by outcome: ok, or failed (the old script serves on)",
                "outcome");
        reloads.labels("ok"); // both series from the start: a rate() or an alert sees 0, not nothing
        reloads.labels("failed");
    }

    /** Starts serving, and returns once every worker is ready (see {@link #start(HttpConfig, Path, int, Consumer)}). */
    public static PythonServer start(HttpConfig config, Path script) throws ScriptException, IOException {
        PythonServer s = start(config, script, WorkerPool.DEFAULT_QUEUE_CAPACITY, b -> { });
        s.awaitWorkers();
        return s;
    }

    /**
     * Starts serving as soon as worker 0 is ready; the other workers come up beside it
     * ({@link #workersReady}).
     *
     * @param queueCapacity requests queued per worker before the engine answers 503
     * @param customize     adds Java routes or settings to the engine builder before it starts
     */
    public static PythonServer start(HttpConfig config, Path script, int queueCapacity,
                                     Consumer<HttpEngine.Builder> customize) throws ScriptException, IOException {
        return builder(config, script).queueCapacity(queueCapacity).customize(customize).start();
    }

    /**
     * As {@link #start(HttpConfig, Path, int, Consumer)}, with the named caches of siphon.yaml's
     * {@code cache:} ({@link CacheConfig#load}); none: every name is a local cache made on first use.
     */
    public static PythonServer start(HttpConfig config, Path script, List<CacheConfig> caches, int queueCapacity,
                                     Consumer<HttpEngine.Builder> customize) throws ScriptException, IOException {
        return builder(config, script).caches(caches).queueCapacity(queueCapacity).customize(customize).start();
    }

    /** A server of {@code script} under {@code config}, with options a Java host sets before it starts. */
    public static Builder builder(HttpConfig config, Path script) {
        return new Builder(config, script);
    }

    /**
     * How a Java host starts the server: with its own namespaces in every worker context
     * ({@link #namespace}), more routes or settings on the engine ({@link #customize}), and the
     * workers' queue size. docs/embedding.md, "Adding a namespace".
     */
    public static final class Builder {
        private final HttpConfig config;
        private final Path script;
        private int queueCapacity = WorkerPool.DEFAULT_QUEUE_CAPACITY;
        private Consumer<HttpEngine.Builder> customize = b -> { };
        private final Map<String, Object> namespaces = new LinkedHashMap<>();
        private List<CacheConfig> caches = List.of();

        private Builder(HttpConfig config, Path script) {
            this.config = Objects.requireNonNull(config, "config");
            this.script = Objects.requireNonNull(script, "script");
        }

        /** Requests queued per worker before the engine answers 503. */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /** The named caches of siphon.yaml's {@code cache:}; none (the default): every name is a local cache. */
        public Builder caches(List<CacheConfig> caches) {
            this.caches = List.copyOf(caches);
            return this;
        }

        /** Adds Java routes or settings to the engine builder before it starts. */
        public Builder customize(Consumer<HttpEngine.Builder> customize) {
            this.customize = Objects.requireNonNull(customize, "customize");
            return this;
        }

        /**
         * Makes {@code target} {@code siphon.<name>} in every worker context, before the script
         * loads: {@code from siphon import <name>}. Scripts see the public methods and fields the
         * class marks {@link org.graalvm.polyglot.HostAccess.Export}; a method that returns a
         * {@link java.util.concurrent.CompletionStage} is awaited on the worker's loop, as an
         * {@code http.Client} request is, and its failure raises {@code RuntimeError} there. Every
         * worker shares the one object, from its own thread: it must be thread-safe, and its
         * methods must not block (return a future instead).
         *
         * @param name lower-case letters, digits and {@code _}, starting with a letter; not one of
         *             siphon's own modules ({@code http}, {@code cache}, {@code log}, ...)
         * @throws IllegalArgumentException for such a name, or one given twice
         */
        public Builder namespace(String name, Object target) {
            Objects.requireNonNull(target, "target");
            if (namespaces.putIfAbsent(Objects.requireNonNull(name, "name"), target) != null) {
                throw new IllegalArgumentException("namespace \"" + name + "\" is given twice");
            }
            return this;
        }

        /**
         * Starts serving as soon as worker 0 is ready; the other workers come up beside it
         * ({@link #workersReady}). The HTTP side is then one task among the host's own: it runs
         * on its own threads until {@link #close} (or a fatal error, {@link
         * HttpEngine#awaitTermination}).
         */
        public PythonServer start() throws ScriptException, IOException {
            return PythonServer.start(this);
        }
    }

    private static PythonServer start(Builder options) throws ScriptException, IOException {
        HttpConfig config = options.config;
        Path script = options.script;
        Consumer<HttpEngine.Builder> customize = options.customize;
        WorkerPool pool = WorkerPool.loadFirst(script, config.engine().workers(), options.queueCapacity,
                config.clients(), options.caches, options.namespaces);
        try {
            long requestTimeoutMs = config.servers().stream().mapToLong(s -> s.requestTimeoutMs()).max()
                    .orElse(dev.siphon.http.config.ServerConfig.DEFAULT_REQUEST_TIMEOUT_MS);
            AtomicReference<WorkerPool> current = new AtomicReference<>(pool);
            HttpEngine.Builder builder = HttpEngine.builder().config(config)
                    .metrics(pool.metrics())
                    .notReadyAtStart("Python workers starting")
                    .healthCheck("python", () -> current.get().healthProblem(requestTimeoutMs));
            try {
                builder.reloadable(r -> registering(r, pool, script));
            } catch (Registering e) {
                throw e.problem;
            }
            customize.accept(builder);
            pool.runStartupHooks();
            HttpEngine engine = builder.start();
            pool.onFatalError(engine::fail);
            CompletableFuture<Void> rest = pool.startRest();
            // ready once every worker loaded the script and ran its on_startup hooks
            rest.whenComplete((ok, failed) -> engine.ready(failed == null ? null : "a Python worker could not start"));
            return new PythonServer(current, engine, rest, script, requestTimeoutMs);
        } catch (ScriptException | IOException | RuntimeException e) {
            // workers whose on_startup hooks completed (a later worker's raised, or no port) undo them
            try {
                pool.runShutdownHooks(config.engine().shutdownHooksTimeoutMs());
            } finally {
                pool.close();
            }
            throw e;
        }
    }

    /** The script's problem with its routes, carried out of a route-adding callback. */
    private static final class Registering extends RuntimeException {
        final ScriptException problem;

        Registering(ScriptException problem) {
            super(problem.getMessage(), problem, false, false);
            this.problem = problem;
        }
    }

    private static void registering(HttpEngine.Routes routes, WorkerPool pool, Path script) {
        try {
            register(routes, pool, script);
        } catch (ScriptException e) {
            throw new Registering(e);
        }
    }

    /** Registers the script's routes; a malformed or conflicting pattern fails naming the script and both patterns. */
    static void register(HttpEngine.Routes builder, WorkerPool pool, Path script) throws ScriptException {
        List<RouteSpec> routes = pool.registrations().routes();
        for (int i = 0; i < routes.size(); i++) {
            RouteSpec r = routes.get(i);
            try {
                builder.routeAsync(r.methods(), r.pattern(), pool.handler(i));
            } catch (RouteException e) {
                throw new ScriptException(script + ": @http.route(\"" + r.pattern() + "\", methods=" + r.methods()
                        + ") on " + r.handler() + ": " + e.getMessage(), e);
            }
        }
        if (pool.registrations().unmatched() > 0) {
            builder.unmatched(pool.unmatchedHandler());
        }
    }

    public HttpEngine engine() {
        return engine;
    }

    /** Completes when every worker serves; fails with the first worker that could not start. */
    public CompletableFuture<Void> workersReady() {
        return workersReady;
    }

    /**
     * Waits until every worker serves; a worker that could not start closes the server and its
     * problem is thrown.
     */
    public void awaitWorkers() throws ScriptException {
        try {
            workersReady.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptException("interrupted while starting Python workers", e);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof ScriptException se) {
                throw se;
            }
            throw new ScriptException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    /** The workers serving now (a {@link #reload} replaces them). */
    public WorkerPool pool() {
        return pool.get();
    }

    /**
     * What one {@link #reload} did: {@code problem} is null when the new script serves, else why
     * the old one still does; {@code tls} has one entry per TLS listener.
     */
    public record Reload(String problem, List<HttpEngine.TlsReload> tls, long switchedAfterMs, long doneAfterMs) {
        public boolean ok() {
            return problem == null;
        }
    }

    /**
     * Re-reads every TLS listener's files ({@link HttpEngine#reloadTls}), then the script:
     * loads it into as many new worker contexts as serve now (beside them, on the same polyglot
     * engine, outbound clients and caches), runs their {@code @http.on_startup} hooks, and
     * switches the engine's routes to them at once (a Java host's routes stay). Requests routed
     * before the switch finish on the old contexts (up to the longest {@code request_timeout_ms});
     * then the old generation's timers stop, its {@code @http.on_shutdown} hooks run and its
     * contexts are closed. A script that does not load, registers routes that do not build, or
     * whose on_startup hook raises is logged at ERROR with the reason, and the old one serves on
     * (its timers too). Returns when the old generation is released. One reload at a time: a call
     * during another waits for it. Any thread but a worker's.
     */
    public Reload reload() {
        reloading.lock();
        try {
            return reloadNow();
        } finally {
            reloading.unlock();
        }
    }

    private Reload reloadNow() {
        long t0 = System.nanoTime();
        List<HttpEngine.TlsReload> tls = engine.reloadTls();
        try {
            workersReady.join(); // the start-up's other workers read the script too: not replaced half started
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return failed("the server's workers did not all start", tls, t0);
        }
        WorkerPool old;
        synchronized (lock) {
            if (closing) {
                return failed("the server is shutting down", tls, t0);
            }
            old = pool.get();
        }
        WorkerPool next;
        try {
            next = old.successor();
        } catch (ScriptException | RuntimeException e) {
            return failed(e.getMessage(), tls, t0);
        }
        try {
            next.runStartupHooks();
            synchronized (lock) {
                if (closing) {
                    throw new ScriptException("the server is shutting down");
                }
                try {
                    engine.reroute(r -> registering(r, next, script));
                } catch (Registering e) {
                    throw e.problem;
                } catch (RuntimeException e) { // a conflict with a Java host's route
                    throw new ScriptException(script + ": " + e.getMessage(), e);
                }
                old.stopTimers(0); // no timer run of the old generation starts any more
                next.makeCurrent();
                pool.set(next);
                retiring = old;
            }
        } catch (ScriptException | RuntimeException e) {
            try {
                next.runShutdownHooks(engine.settings().shutdownHooksTimeoutMs()); // of the workers whose hooks ran
            } finally {
                next.close();
            }
            return failed(e.getMessage(), tls, t0);
        }
        long switched = (System.nanoTime() - t0) / 1_000_000;
        reloads.labels("ok").inc();
        boolean inTime = old.retire(next, requestTimeoutMs + WorkerPool.CANCEL_GRACE_MS, () -> engine.syncLoops(1000));
        if (!inTime) {
            LOG.log(System.Logger.Level.WARNING, "reload: the old script's requests were not done within "
                    + (requestTimeoutMs + WorkerPool.CANCEL_GRACE_MS) + " ms; releasing its workers anyway");
        }
        synchronized (lock) {
            if (closing) {
                // close() drains and releases it with the serving one
                return new Reload(null, tls, switched, (System.nanoTime() - t0) / 1_000_000);
            }
            retiring = null;
        }
        try {
            old.runShutdownHooks(engine.settings().shutdownHooksTimeoutMs());
        } finally {
            old.close();
        }
        long done = (System.nanoTime() - t0) / 1_000_000;
        LOG.log(System.Logger.Level.INFO, "reloaded " + script + " in " + switched + " ms (new requests on the new"
                + " script from then on); the old script's requests done and its on_shutdown hooks run after "
                + done + " ms");
        return new Reload(null, tls, switched, done);
    }

    private Reload failed(String why, List<HttpEngine.TlsReload> tls, long t0) {
        reloads.labels("failed").inc();
        LOG.log(System.Logger.Level.ERROR, "reload of " + script + " failed; the old script serves on: " + why);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Reload(why, tls, ms, ms);
    }

    /** The bound port of the first listener. */
    public int port() {
        return engine.port();
    }

    /**
     * Stops the script's timers (no {@code @timer.every} run or {@code timer.set} handler starts
     * any more; see {@link WorkerPool#stopTimers}), stops accepting and lets requests in flight
     * finish (engine.shutdown_grace_ms); then every
     * worker runs its {@code @http.on_shutdown} hooks (engine.shutdown_hooks_timeout_ms, see
     * {@link WorkerPool#runShutdownHooks}); then the workers stop and the outbound clients close.
     */
    @Override
    public void close() {
        WorkerPool serving;
        WorkerPool old;
        synchronized (lock) {
            closing = true;
            serving = pool.get();
            old = retiring;
            retiring = null;
        }
        // no timer run starts once shutdown starts; one under way may end while requests drain
        serving.stopTimers(engine.settings().shutdownGraceMs());
        try {
            engine.close();
        } finally {
            try {
                if (old != null) { // a reload was handing it over: its requests drained with the others
                    try {
                        old.runShutdownHooks(engine.settings().shutdownHooksTimeoutMs());
                    } finally {
                        old.close();
                    }
                }
            } finally {
                try {
                    serving.runShutdownHooks(engine.settings().shutdownHooksTimeoutMs());
                } finally {
                    serving.close();
                }
            }
        }
    }
}

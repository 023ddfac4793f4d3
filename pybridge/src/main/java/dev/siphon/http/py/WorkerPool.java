package dev.siphon.http.py;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.dispatch.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * The Python side of a server: one shared polyglot {@link Engine} (contexts on one engine share
 * parsed and compiled code) and N {@link PythonWorker}s, each one context on one platform
 * thread, every one of them running the same script.
 *
 * <p>{@link #load} starts the workers and loads the script in each; {@link #handler} makes the
 * engine route handler for a registered route, which hands each request to the least-loaded
 * ready worker (fewest requests queued or held by Python, one stalled in a long step last; see
 * {@link PythonWorker#load}), or to the next whose bounded queue has room, or answers {@code 503}
 * with {@code Retry-After} when every queue is full.
 *
 * <p>A server starts in stages instead, to answer sooner ({@link PythonServer#start}): {@link
 * #loadFirst} loads the script in worker 0 only; the server runs its on_startup hooks and binds;
 * then {@link #startRest} brings the other workers up beside the serving one, each taking
 * requests once it loaded the script, registered what worker 0 did and ran its hooks.
 *
 * <p>{@link #runStartupHooks} runs {@code @http.on_startup} in every ready worker,
 * {@link #runShutdownHooks} {@code @http.on_shutdown} (once, within a time limit; {@link #close}
 * runs them first if nobody did), after stopping the script's {@code timer} jobs ({@link #stopTimers},
 * {@link ScriptTimers}).
 * A watchdog thread interrupts a worker whose Python code keeps running {@value #CANCEL_GRACE_MS}
 * ms past a request's deadline ({@code request_timeout_ms}) or cancellation without coming back
 * to its loop ({@link PythonWorker#overran}): a CPU-bound or blocking handler that will never
 * reach an await, or code holding the worker while requests queued behind it time out. Each
 * interrupt runs on a thread of its own, so a worker slow to stop holds up no other; the worker
 * answers 504 to the requests whose handlers it cut off, and goes on.
 *
 * <p>A Java {@link Error} on a worker's thread (in the Java code Python calls, or out of the
 * polyglot engine: out of memory, out of stack), on the watchdog or on an outbound client's
 * threads is fatal: it is logged once and handed to {@link #onFatalError the handler}
 * ({@link PythonServer} passes it to its engine, which closes). An error of the script —
 * Python's own exceptions, {@code RecursionError} included — is not:
 * the request gets 500 and the worker goes on.
 *
 * <p>Thread-safe.
 */
public final class WorkerPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.python");

    /** Requests queued per worker, beyond which the engine answers 503. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** How long Python may keep running after a request on its worker was cancelled before it is interrupted. */
    public static final long CANCEL_GRACE_MS = 250;
    private static final long WATCHDOG_PERIOD_MS = 25;
    /** How long an interrupt waits for Python to stop before it is logged and tried again. */
    private static final long INTERRUPT_WAIT_MS = 10_000;

    /** Python sees only what Bridge exports, Java arrays (flat strings) and buffers; the same for every context. */
    static final HostAccess HOST_ACCESS = HostAccess.newBuilder(HostAccess.EXPLICIT)
            .allowArrayAccess(true)
            .allowBufferAccess(true)
            .build();

    /**
     * {@code json.loads} scans through {@link JsonTape} ({@code siphon/_json.py}); {@code
     * -Dsiphon.python.fastJson=false} keeps GraalPy's own scanner, for comparisons.
     */
    static final boolean FAST_JSON = !"false".equals(System.getProperty("siphon.python.fastJson"));

    static final String[] MODULES = {"siphon", "siphon._java", "siphon.http", "siphon.log", "siphon.cache",
        "siphon.metrics", "siphon.timer",
        "siphon._json", "siphon._runtime", "siphon._aio"};
    /** The importer of the siphon package (a resource, evaluated first in every context; see {@link #bootstrap}). */
    private static final String BOOT = "dev/siphon/http/py/boot.py";

    private final Engine engine;
    /** What this pool shares with the generations before and after it ({@link #successor}). */
    private final Shared shared;
    private final PythonWorker[] workers;
    private final int queueCapacity;
    private final Caches caches;
    /** {@code from siphon import metrics}: one registry per process, which the admin listener's /metrics serves. */
    private final ScriptMetrics scriptMetrics;
    private final ClientPools clients;
    private final Source boot = importer();
    private final String[] sources;
    /** The workers that take requests, in index order; replaced (never changed) as workers become ready. */
    private volatile PythonWorker[] ready = new PythonWorker[0];
    private final AtomicLong rejected;
    private final AtomicLong dispatched;
    /**
     * Set once this pool was replaced by a reload and has no request left ({@link #retire}):
     * requests routed to it before the switch but dispatched only now (a body still arriving, an
     * HTTP/2 stream held back) go to the same route of the successor.
     */
    private volatile Successor forwardTo;
    private final dev.siphon.http.metrics.Counter scriptErrors;
    private final ClientMetrics clientMetrics;
    /** {@code from siphon import timer}: the jobs' and one-shots' schedule, one per process. */
    private final ScriptTimers timers;
    private final Thread watchdog;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean shutdownHooksRun = new java.util.concurrent.atomic.AtomicBoolean();
    private Registrations registrations;
    private volatile FatalErrorHandler fatalHandler = FatalErrorHandler.NONE;
    /** The host's namespaces ({@link PythonServer.Builder#namespace}): {@code siphon.<name>} in every context. */
    private final Map<String, Object> namespaces;
    /** A {@link ScriptHarness}'s answers to {@code http.Client} calls; null when they go to the network. */
    private volatile HarnessOutbound outbound;
    /** A {@link ScriptHarness}'s copy of what the script logs (level 0-3, message); null when none. */
    private volatile java.util.function.ObjIntConsumer<String> logTap;

    private WorkerPool(Path script, int workers, int queueCapacity, Map<String, Object> namespaces, Shared shared) {
        this.shared = shared;
        this.engine = shared.engine;
        this.clients = shared.clients;
        this.caches = shared.caches;
        this.scriptMetrics = shared.scriptMetrics;
        this.scriptErrors = shared.scriptErrors;
        this.clientMetrics = shared.clientMetrics;
        this.rejected = shared.rejected;
        this.dispatched = shared.dispatched;
        this.namespaces = namespaces;
        this.queueCapacity = queueCapacity;
        this.generation = shared.generations++;
        this.sources = moduleSources();
        this.workers = new PythonWorker[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = new PythonWorker(i, this, script, queueCapacity);
        }
        this.watchdog = Thread.ofPlatform().name("siphon-py-watchdog").daemon(true).unstarted(this::watch);
        this.timers = new ScriptTimers(this, shared.timerRuns, shared.timerErrors);
        synchronized (shared) {
            shared.live.add(this);
        }
    }

    /**
     * What the generations of one server's pool share across reloads ({@link #successor}): the
     * polyglot engine (contexts on it share parsed and compiled code), the outbound clients, the
     * caches (a local cache keeps its entries), the metrics registry and its families. Closed by
     * the last pool that uses it.
     */
    private static final class Shared {
        final Engine engine;
        /** False when the engine is a test run's, shared by its harnesses' pools ({@link ScriptTestRunner}). */
        final boolean ownEngine;
        final ClientPools clients;
        final Caches caches;
        final ScriptMetrics scriptMetrics = new ScriptMetrics(new dev.siphon.http.metrics.MetricsRegistry());
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong dispatched = new AtomicLong();
        /** Interrupts of the workers of generations already closed. */
        final AtomicLong retiredInterrupts = new AtomicLong();
        final dev.siphon.http.metrics.Counter scriptErrors;
        final ClientMetrics clientMetrics;
        final dev.siphon.http.metrics.Counter timerRuns;
        final dev.siphon.http.metrics.Counter timerErrors;
        /** The pools not closed yet; the serving one is {@link #current}. */
        final java.util.Set<WorkerPool> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** The generation whose workers /metrics shows and whose fatal-error handler is told. */
        volatile WorkerPool current;
        /** Generations made so far (start-up's is 0); the starting thread only. */
        int generations;

        Shared(ClientPools clients, Caches caches, Engine shared) {
            long t0 = System.nanoTime();
            this.clients = clients;
            this.caches = caches;
            this.ownEngine = shared == null;
            this.engine = shared != null ? shared : newEngine();
            LOG.log(System.Logger.Level.INFO, () -> "start-up: polyglot engine " + (System.nanoTime() - t0) / 1_000_000
                    + " ms (" + engine.getImplementationName() + ")");
            clients.onFatalError((thread, error) -> current.fatal(thread, error));
            dev.siphon.http.metrics.MetricsRegistry r = scriptMetrics.registry();
            this.scriptErrors = registerMetrics(r);
            this.clientMetrics = new ClientMetrics(r, clients);
            caches.metrics(new CacheMetrics(r));
            this.timerRuns = ScriptTimers.runsCounter(r);
            this.timerErrors = ScriptTimers.errorsCounter(r);
        }

        /** The workers' families in the process's registry (docs/operations.md lists them); returns the error counter. */
        private dev.siphon.http.metrics.Counter registerMetrics(dev.siphon.http.metrics.MetricsRegistry r) {
            List<String> byWorker = List.of("worker");
            r.callback("siphon_python_queue_depth", "requests waiting in each worker's queue", "gauge", byWorker, s -> {
                for (PythonWorker w : current.workers) {
                    s.add(w.queued(), Integer.toString(w.index));
                }
            });
            r.callback("siphon_python_busy_seconds", "time each worker spent running Python code", "counter", byWorker,
                    s -> {
                        for (PythonWorker w : current.workers) {
                            s.add(w.busyNanos() / 1e9, Integer.toString(w.index));
                        }
                    });
            r.callback("siphon_python_requests_dispatched", "requests handed to a worker's queue", "counter", List.of(),
                    s -> s.add(dispatched.get()));
            r.callback("siphon_python_requests_rejected", "requests answered 503 because every worker's queue was full",
                    "counter", List.of(), s -> s.add(rejected.get()));
            r.callback("siphon_python_interrupts", "handlers the watchdog interrupted (answered 504)", "counter",
                    List.of(), s -> {
                        long n;
                        synchronized (this) {
                            n = retiredInterrupts.get();
                            for (WorkerPool p : live) {
                                n += p.interrupts();
                            }
                        }
                        s.add(n);
                    });
            return r.counter("siphon_python_script_errors",
                    "handler, middleware or hook calls that raised, by function name (the request answered 500)",
                    "handler");
        }
    }

    /** Which generation of its server this pool is: 0 at start-up, one more for each {@link #successor}. */
    private final int generation;

    int generation() {
        return generation;
    }

    ClientMetrics clientMetrics() {
        return clientMetrics;
    }

    /** A handler (or middleware) named {@code who} raised. Any thread. */
    void scriptError(String who) {
        scriptErrors.labels(who == null ? "(unknown)" : who).inc();
    }

    /**
     * Truffle's compilation thresholds for a server that must be fast soon after it starts
     * (docs/performance.md, "The cold path"), each unless the operator sets it
     * ({@code -Dpolyglot.engine.NAME=...}). Truffle lowers its thresholds tenfold while its
     * compile queue is short, and at start-up the queue is short: the import machinery and
     * {@code namedtuple}, run a few hundred times while the standard library loads, got compiled
     * (one of them for 15-30 s on a cold single core), delaying the compilations of the request
     * path that the server needs once traffic arrives. With fixed thresholds a few times above
     * Truffle's defaults, start-up code stays interpreted, while a route called thousands of
     * times a second still reaches them within a second.
     */
    static final Map<String, String> ENGINE_OPTIONS = Map.of(
            "engine.FirstTierCompilationThreshold", "2000",
            "engine.LastTierCompilationThreshold", "20000",
            "engine.DynamicCompilationThresholds", "false");

    static Engine newEngine() {
        Engine.Builder b = Engine.newBuilder("python").allowExperimentalOptions(true);
        for (Map.Entry<String, String> o : ENGINE_OPTIONS.entrySet()) {
            if (System.getProperty("polyglot." + o.getKey()) == null) {
                b.option(o.getKey(), o.getValue());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // Truffle's fallback runtime (no JIT: the launcher warned) has no compilation options
            return Engine.newBuilder("python").allowExperimentalOptions(true).build();
        }
    }

    /**
     * Starts {@code workers} contexts and loads the script in each. Returns once every worker
     * loaded it and registered the same routes; otherwise stops them all and throws.
     */
    public static WorkerPool load(Path script, int workers) throws ScriptException {
        return load(script, workers, DEFAULT_QUEUE_CAPACITY);
    }

    public static WorkerPool load(Path script, int workers, int queueCapacity) throws ScriptException {
        return load(script, workers, queueCapacity, Map.of());
    }

    /**
     * As {@link #load(Path, int, int)}, with the named outbound clients of http.yaml's
     * {@code clients:}: each is started here, before the script loads (module-level code may
     * construct {@code http.Client("name")}), shared by every worker and closed by {@link #close}.
     */
    public static WorkerPool load(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients)
            throws ScriptException {
        return load(script, workers, queueCapacity, clients, List.of());
    }

    /**
     * As {@link #load(Path, int, int, Map)}, with the named caches of siphon.yaml's {@code cache:}
     * (none: every name is a local cache made on first use); their Redis clients start connecting
     * here and close in {@link #close}.
     */
    public static WorkerPool load(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients,
                                  List<CacheConfig> caches) throws ScriptException {
        WorkerPool pool = create(script, workers, queueCapacity, clients, caches, Map.of());
        try {
            pool.startWorkers(script);
        } catch (ScriptException | RuntimeException e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    /** The pool with its engine and outbound clients, no worker started yet. */
    private static WorkerPool create(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients,
                                     List<CacheConfig> caches, Map<String, Object> namespaces) throws ScriptException {
        return create(script, workers, queueCapacity, clients, caches, namespaces, null);
    }

    /** As above; {@code shared} is the polyglot engine to make the contexts on (null: one of the pool's own). */
    private static WorkerPool create(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients,
                                     List<CacheConfig> caches, Map<String, Object> namespaces, Engine shared)
            throws ScriptException {
        Objects.requireNonNull(script, "script");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, was " + workers);
        }
        if (queueCapacity < 2) {
            throw new IllegalArgumentException("queueCapacity must be >= 2, was " + queueCapacity);
        }
        Map<String, Object> checked = checkNamespaces(namespaces);
        ClientPools pools = ClientPools.start(clients);
        Caches c;
        try {
            c = Caches.start(caches);
        } catch (ScriptException | RuntimeException e) {
            pools.close();
            throw e;
        }
        try {
            Shared sh = new Shared(pools, c, shared);
            WorkerPool pool = new WorkerPool(script.toAbsolutePath().normalize(), workers, queueCapacity, checked, sh);
            sh.current = pool;
            return pool;
        } catch (RuntimeException e) {
            pools.close();
            c.close();
            throw e;
        }
    }

    /**
     * The next generation of this pool, for a reload: the script at the same path read again, in
     * as many new worker contexts, on the same polyglot engine, with the same outbound clients,
     * caches, metrics and namespaces. Returns once every worker loaded the script and registered
     * the same routes (not yet its on_startup hooks: {@link #runStartupHooks}); otherwise closes
     * the new workers and throws. This pool serves on meanwhile; {@link #makeCurrent} and {@link
     * #retire} hand over. The starting thread only (one reload at a time).
     */
    WorkerPool successor() throws ScriptException {
        WorkerPool next = new WorkerPool(script(), workers.length, queueCapacity, namespaces, shared);
        next.fatalHandler = fatalHandler;
        try {
            next.startWorkers(script());
        } catch (ScriptException | RuntimeException e) {
            next.close();
            throw e;
        }
        return next;
    }

    /** This generation's workers are the ones /metrics shows, and its fatal-error handler hears of the clients'. */
    void makeCurrent() {
        shared.current = this;
    }

    /** Where late requests of a retired pool go: the successor, and its route index for each of this pool's routes. */
    private record Successor(WorkerPool pool, int[] routes) {}

    /**
     * Hands this pool, replaced by {@code next} (its routes already switched to in the engine),
     * over once its requests are done: waits up to {@code timeoutMs} until no worker holds a
     * request (checked a few times in a row, {@link #idle}); then requests still dispatched to it
     * (routed before the switch, dispatched later) go to {@code next}'s route of the same pattern
     * and methods, or get {@code 503} with {@code Retry-After} when the script no longer has it.
     * Returns whether the requests finished in time. {@code loopsDone} must run once every
     * engine loop has run a task submitted after it was called ({@link HttpEngine#syncLoops}).
     */
    boolean retire(WorkerPool next, long timeoutMs, Runnable loopsDone) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        loopsDone.run(); // every request matched before the switch and dispatched at once is queued by now
        boolean done = awaitIdle(deadline);
        List<RouteSpec> mine = registrations.routes();
        List<RouteSpec> theirs = next.registrations.routes();
        int[] map = new int[mine.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = -2;
            for (int j = 0; j < theirs.size(); j++) {
                if (mine.get(i).sameRoute(theirs.get(j))) {
                    map[i] = j;
                    break;
                }
            }
        }
        forwardTo = new Successor(next, map);
        loopsDone.run(); // a dispatch that read forwardTo before it was set has queued its request by now
        return awaitIdle(deadline) && done;
    }

    /** No worker has a request queued, held by Python, or in its first step, at five checks 10 ms apart. */
    private boolean awaitIdle(long deadline) {
        int quiet = 0;
        while (quiet < 5) {
            boolean idle = true;
            for (PythonWorker w : workers) {
                idle &= w.idle();
            }
            quiet = idle ? quiet + 1 : 0;
            if (quiet < 5) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        return true;
    }

    /** A request dispatched to this pool after it retired: to the successor's same route, else 503. */
    private void forward(Successor to, int index, dev.siphon.http.Request request, dev.siphon.http.Responder responder) {
        if (index == UNMATCHED) {
            if (to.pool.registrations.unmatched() > 0) {
                to.pool.dispatch(UNMATCHED, request, responder);
            } else {
                responder.send(request.unmatchedAnswer());
            }
            return;
        }
        int j = to.routes[index];
        if (j < 0) {
            responder.send(Responses.error(503).header("retry-after", "1"));
            return;
        }
        to.pool.dispatch(j, request, responder);
    }

    /**
     * The first stage of a staged start: loads the script in worker 0 only and returns once it
     * did; the other workers start with {@link #startRest}. A script that cannot load fails here,
     * before anything listens.
     */
    public static WorkerPool loadFirst(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients)
            throws ScriptException {
        return loadFirst(script, workers, queueCapacity, clients, List.of(), Map.of());
    }

    /**
     * As {@link #loadFirst(Path, int, int, Map)}, with the named caches of siphon.yaml (none: every
     * name is a local cache made on first use) and a Java host's namespaces: each object is
     * {@code siphon.<name>} in every worker context ({@link PythonServer.Builder#namespace}).
     */
    public static WorkerPool loadFirst(Path script, int workers, int queueCapacity, Map<String, ClientConfig> clients,
                                       List<CacheConfig> caches, Map<String, Object> namespaces) throws ScriptException {
        WorkerPool pool = create(script, workers, queueCapacity, clients, caches, namespaces);
        pool.startFirst();
        return pool;
    }

    /**
     * As {@link #loadFirst(Path, int, int, Map, List, Map)} for a {@link ScriptHarness}, whose
     * canned outbound answers and log tap must be in place before the script's module code runs.
     */
    static WorkerPool loadFirst(Path script, int workers, Map<String, ClientConfig> clients, List<CacheConfig> caches,
                                Map<String, Object> namespaces, HarnessOutbound outbound,
                                java.util.function.ObjIntConsumer<String> logTap, Engine shared) throws ScriptException {
        WorkerPool pool = create(script, workers, DEFAULT_QUEUE_CAPACITY, clients, caches, namespaces, shared);
        pool.outbound = outbound;
        pool.logTap = logTap;
        pool.startFirst();
        return pool;
    }

    /** Starts worker 0 and waits until it loaded the script; closes the pool and throws when it did not. */
    private void startFirst() throws ScriptException {
        WorkerPool pool = this;
        int workers = this.workers.length;
        try {
            long t0 = System.nanoTime();
            PythonWorker first = pool.workers[0];
            first.start();
            pool.registrations = await(first.loaded);
            LOG.log(System.Logger.Level.INFO, () -> "start-up: worker 0 ready after " + (System.nanoTime() - t0) / 1_000_000
                    + " ms" + (workers > 1 ? "; the other " + (workers - 1) + " start once it serves" : ""));
            pool.markReady(first);
            pool.watchdog.start();
        } catch (ScriptException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * The last stage of a staged start ({@link #loadFirst}): starts the other workers at once;
     * each loads the script, must register what worker 0 did, runs its on_startup hooks, and then
     * takes requests. The future completes when every worker is ready, or fails with the first
     * problem (the workers that did come up keep serving; the caller decides, and the launcher
     * exits, as a half-started server must not stay up). Call once, after the server listens.
     */
    public CompletableFuture<Void> startRest() {
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (workers.length == 1) {
            all.complete(null);
            return all;
        }
        long t0 = System.nanoTime();
        Thread.ofPlatform().name("siphon-py-starter").daemon(true).start(() -> {
            try {
                startOthers(all, t0);
            } catch (Error e) {
                all.completeExceptionally(e);
                fatalHere(e);
            }
        });
        return all;
    }

    private void startOthers(CompletableFuture<Void> all, long t0) {
        for (int i = 1; i < workers.length; i++) {
            workers[i].start();
        }
        ScriptException first = null;
        for (int i = 1; i < workers.length; i++) {
            PythonWorker w = workers[i];
            try {
                String diff = difference(registrations, await(w.loaded));
                if (diff != null) {
                    throw new ScriptException(script() + ": worker 0 and worker " + w.index
                            + " registered different routes (registrations must not depend on the context): " + diff);
                }
                w.startHooks();
                await(w.started);
                markReady(w);
                LOG.log(System.Logger.Level.INFO, () -> "start-up: worker " + w.index + " ready after "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms of serving");
            } catch (ScriptException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first == null) {
            all.complete(null);
        } else {
            all.completeExceptionally(first);
        }
    }

    private synchronized void markReady(PythonWorker w) {
        PythonWorker[] r = java.util.Arrays.copyOf(ready, ready.length + 1);
        r[r.length - 1] = w;
        java.util.Arrays.sort(r, java.util.Comparator.comparingInt(x -> x.index));
        ready = r;
    }

    private Path script() {
        return workers[0].script();
    }

    private void startWorkers(Path script) throws ScriptException {
        // All at once: on a shared engine the contexts split the first parse of the standard
        // library and the JIT's first compilations between them, so starting them together
        // costs less CPU in total than the first alone and then the rest (bench/startup.sh),
        // and on several cores the wall clock falls further.
        long t0 = System.nanoTime();
        for (PythonWorker w : workers) {
            w.start();
        }
        Registrations first = null;
        for (PythonWorker w : workers) {
            Registrations r = await(w.loaded);
            LOG.log(System.Logger.Level.INFO, () -> "start-up: worker " + w.index + " ready after "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
            if (first == null) {
                first = r;
                continue;
            }
            String diff = difference(first, r);
            if (diff != null) {
                throw new ScriptException(script + ": worker 0 and worker " + w.index
                        + " registered different routes (registrations must not depend on the context): " + diff);
            }
        }
        registrations = first;
        for (PythonWorker w : workers) {
            markReady(w);
        }
        watchdog.start();
    }

    private static String difference(Registrations a, Registrations b) {
        int n = Math.min(a.routes().size(), b.routes().size());
        for (int i = 0; i < n; i++) {
            RouteSpec x = a.routes().get(i);
            RouteSpec y = b.routes().get(i);
            if (!x.sameRoute(y)) {
                return "route #" + (i + 1) + " is " + x.methods() + " " + x.pattern() + " in one and "
                        + y.methods() + " " + y.pattern() + " in the other";
            }
        }
        if (a.routes().size() != b.routes().size()) {
            return a.routes().size() + " routes in one, " + b.routes().size() + " in the other";
        }
        if (a.middleware() != b.middleware() || a.unmatched() != b.unmatched()) {
            return a.middleware() + " middleware (" + a.unmatched() + " for unmatched requests) in one, "
                    + b.middleware() + " (" + b.unmatched() + ") in the other";
        }
        return null;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws ScriptException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptException("interrupted while starting Python workers", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ScriptException se) {
                throw se;
            }
            throw new ScriptException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    /**
     * Who hears of a fatal {@link Error} on one of the pool's threads or its clients' (see the class
     * comment); {@link PythonServer} sets its engine's {@link dev.siphon.http.HttpEngine#fail}.
     * Default: nobody (the error is logged, and the thread it ended stops).
     */
    public void onFatalError(FatalErrorHandler handler) {
        this.fatalHandler = java.util.Objects.requireNonNull(handler);
    }

    /** A fatal error, already logged with its stack trace: tell the handler. Any thread. */
    void fatal(String thread, Throwable error) {
        try {
            fatalHandler.onFatalError(thread, error);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "the fatal error handler failed", t);
        }
    }

    /** Logs an Error that ended a pool thread other than a worker's (they log their own), then {@link #fatal}. */
    void fatalHere(Throwable error) {
        String thread = Thread.currentThread().getName();
        LOG.log(System.Logger.Level.ERROR, "fatal error on " + thread + ": " + error, error);
        fatal(thread, error);
    }

    /** Worker {@code index}, for tests in this package. */
    PythonWorker worker(int index) {
        return workers[index];
    }

    /** What the script registered (the same in every worker). */
    public Registrations registrations() {
        return registrations;
    }

    public int size() {
        return workers.length;
    }

    /** The polyglot engine's implementation name: a compiler's name when the JIT is on, "Interpreted" otherwise. */
    public String implementationName() {
        return engine.getImplementationName();
    }

    /** Requests answered 503 because every worker's queue was full. */
    public long rejected() {
        return rejected.get();
    }

    /** Requests handed to a worker's queue. */
    public long dispatched() {
        return dispatched.get();
    }

    /** Times a worker's context was interrupted to stop a runaway handler. */
    public long interrupts() {
        long n = 0;
        for (PythonWorker w : workers) {
            n += w.interrupts;
        }
        return n;
    }

    /**
     * Runs every {@code @http.on_startup} hook in every ready worker (all after {@link #load},
     * worker 0 after {@link #loadFirst}), to completion; the first failure is thrown.
     */
    public void runStartupHooks() throws ScriptException {
        long t0 = System.nanoTime();
        try {
            startHooks();
        } finally {
            LOG.log(System.Logger.Level.INFO, () -> "start-up: on_startup hooks " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    private void startHooks() throws ScriptException {
        PythonWorker[] r = ready; // after loadFirst only worker 0: startRest runs the others' hooks
        for (PythonWorker w : r) {
            w.startHooks();
        }
        ScriptException first = null;
        for (PythonWorker w : r) {
            try {
                await(w.started);
            } catch (ScriptException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Runs the {@code @http.on_shutdown} hooks in every worker whose {@code on_startup} hooks all
     * completed, all workers at once, each on its own loop; returns when every worker is done or
     * {@code timeoutMs} passed. Then a hook still running is cancelled at its await, and one that
     * does not reach an await within {@value #CANCEL_GRACE_MS} ms (CPU-bound) is interrupted;
     * both are logged. A hook that raises is logged by its worker, and the next hooks still run.
     * Runs once: later calls return at once. Call it after the engine stopped serving and before
     * {@link #close}; the outbound clients and the cache stay usable until then.
     */
    public void runShutdownHooks(long timeoutMs) {
        // the timer jobs first: none starts from here on, and a run under way ends before the hooks
        timers.stop(timeoutMs);
        timers.finish();
        if (!shutdownHooksRun.compareAndSet(false, true) || registrations == null
                || registrations.shutdownHooks() == 0) {
            return;
        }
        long t0 = System.nanoTime();
        List<PythonWorker> running = new ArrayList<>();
        for (PythonWorker w : workers) {
            if (w.startShutdownHooks()) {
                running.add(w);
            }
        }
        if (running.isEmpty()) {
            return;
        }
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        List<PythonWorker> late = awaitShutDown(running, deadline);
        if (!late.isEmpty()) {
            for (PythonWorker w : late) {
                LOG.log(System.Logger.Level.WARNING, "worker " + w.index + ": @http.on_shutdown hook "
                        + (w.shutdownHook == null ? "(unknown)" : w.shutdownHook) + " still running after " + timeoutMs
                        + " ms (engine.shutdown_hooks_timeout_ms): cancelling it; the hooks after it do not run");
                w.cancelShutdownHooks();
            }
            late = awaitShutDown(late, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CANCEL_GRACE_MS));
            List<Thread> interrupters = new ArrayList<>();
            for (PythonWorker w : late) {
                LOG.log(System.Logger.Level.WARNING, "worker " + w.index + ": @http.on_shutdown hook "
                        + (w.shutdownHook == null ? "(unknown)" : w.shutdownHook)
                        + " did not stop at its cancellation (it never awaits): interrupting it");
                w.cuttingOffHooks = true;
                interrupters.add(w.interrupt(INTERRUPT_WAIT_MS));
            }
            for (Thread t : interrupters) { // all at once: each waits for its own worker
                join(t);
            }
            for (PythonWorker w : late) {
                w.shutDown.complete(null);
            }
        }
        LOG.log(System.Logger.Level.INFO, () -> "shutdown: on_shutdown hooks " + (System.nanoTime() - t0) / 1_000_000
                + " ms in " + running.size() + " worker(s)");
    }

    /** Waits for the workers' on_shutdown hooks until {@code deadline} (nanoTime); returns the workers not done. */
    private static List<PythonWorker> awaitShutDown(List<PythonWorker> ws, long deadline) {
        List<PythonWorker> late = new ArrayList<>();
        for (PythonWorker w : ws) {
            try {
                w.shutDown.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                late.add(w);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                late.add(w);
            } catch (ExecutionException e) {
                // never completed exceptionally
            }
        }
        return late;
    }

    /**
     * Shutdown starts: no {@code @timer.every} run and no {@code timer.set} handler starts from
     * now on, and the armed one-shots are dropped. A run under way may go on for {@code graceMs}
     * (the requests in flight get {@code engine.shutdown_grace_ms} too); {@link #runShutdownHooks}
     * then cancels it at its await before the hooks run. {@link PythonServer#close} calls it first;
     * {@link #runShutdownHooks} calls it (with its own time limit as the grace) if nobody did.
     */
    public void stopTimers(long graceMs) {
        timers.stop(graceMs);
    }

    /** The engine handler for route {@code index} of {@link #registrations()}. */
    public AsyncHandler handler(int index) {
        Objects.checkIndex(index, registrations.routes().size());
        RouteSpec spec = registrations.routes().get(index);
        // a stream=True route: its handler runs as the head arrives, the body streaming to it
        return spec.stream() ? new dev.siphon.http.StreamingRoute(dispatcher(index), spec.streamCap())
                : dispatcher(index);
    }

    /**
     * The engine's handler for requests no route matched ({@link HttpEngine.Builder#unmatched}):
     * the script's {@code @http.middleware(unmatched=True)} run on them, ending at the engine's
     * own answer. Only when the script registered such middleware.
     */
    public AsyncHandler unmatchedHandler() {
        if (registrations.unmatched() == 0) {
            throw new IllegalStateException("the script registered no @http.middleware(unmatched=True)");
        }
        return dispatcher(UNMATCHED);
    }

    /** The route index of a request no route matched (Python's deliver knows it). */
    static final int UNMATCHED = -1;

    private AsyncHandler dispatcher(int index) {
        return (request, responder) -> dispatch(index, request, responder);
    }

    private void dispatch(int index, dev.siphon.http.Request request, dev.siphon.http.Responder responder) {
        Successor to = forwardTo;
        if (to != null) {
            forward(to, index, request, responder);
            return;
        }
        Dispatch d = new Dispatch(index, request, responder);
        if (!enqueue(d)) {
            rejected.incrementAndGet();
            responder.send(overloaded());
            return;
        }
        dispatched.incrementAndGet();
        responder.onCancel(() -> d.worker.cancel(d));
    }

    private boolean enqueue(Dispatch d) {
        PythonWorker[] r = ready;
        int n = r.length;
        if (n == 1) {
            return r[0].offer(d);
        }
        PythonWorker best = leastLoaded(r);
        if (best.offer(d)) {
            return true;
        }
        for (PythonWorker w : r) { // its queue is full: any with room
            if (w != best && w.offer(d)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The worker with the least {@link PythonWorker#load}: a few reads per worker, no lock and no
     * shared write. The scan starts at a random worker, so that ties (idle workers) share the work.
     */
    /**
     * Null while every worker serves, else each problem ({@link PythonWorker#healthProblem}): a
     * worker stopped, or held by one Python step for longer than {@code requestTimeoutMs} plus the
     * watchdog's grace and its interrupt's wait. For {@code /healthz}.
     */
    public String healthProblem(long requestTimeoutMs) {
        long limit = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs + CANCEL_GRACE_MS
                + INTERRUPT_WAIT_MS);
        long now = System.nanoTime();
        StringBuilder b = null;
        for (PythonWorker w : workers) {
            String p = w == null ? null : w.healthProblem(now, limit);
            if (p != null) {
                b = b == null ? new StringBuilder(p) : b.append("; ").append(p);
            }
        }
        return b == null ? null : b.toString();
    }

    private static PythonWorker leastLoaded(PythonWorker[] r) {
        int n = r.length;
        int i = java.util.concurrent.ThreadLocalRandom.current().nextInt(n);
        long now = System.nanoTime();
        PythonWorker best = null;
        long least = Long.MAX_VALUE;
        for (int k = 0; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            long load = r[i].load(now);
            if (load < least) {
                best = r[i];
                least = load;
                if (load == 0) {
                    break;
                }
            }
        }
        return best == null ? r[0] : best;
    }

    private static Response overloaded() {
        return Responses.error(503).header("retry-after", "1");
    }

    // ---- used by the workers ----

    ScriptMetrics scriptMetrics() {
        return scriptMetrics;
    }

    /** The process's metrics registry: the scripts' metrics; the engine adds its own when given it. */
    public dev.siphon.http.metrics.MetricsRegistry metrics() {
        return scriptMetrics.registry();
    }

    Caches caches() {
        return caches;
    }

    ScriptTimers timers() {
        return timers;
    }

    /** The outbound clients behind {@code http.Client}, shared by every worker. */
    ClientPools clients() {
        return clients;
    }

    Context newContext(Path script) {
        return Context.newBuilder("python")
                .engine(engine)
                .allowHostAccess(HOST_ACCESS)
                .allowIO(IOAccess.ALL)
                .allowCreateThread(true)
                .allowEnvironmentAccess(EnvironmentAccess.INHERIT)
                .arguments("python", new String[] {script.toString()})
                .build();
    }

    /**
     * The namespaces in a fixed order, checked: a name is a lower-case Python identifier that
     * does not start with {@code _} and is not one of siphon's own modules.
     */
    private static Map<String, Object> checkNamespaces(Map<String, Object> namespaces) {
        Map<String, Object> checked = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Object> e : new java.util.TreeMap<>(namespaces).entrySet()) {
            String name = e.getKey();
            if (!name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("namespace \"" + name + "\": a name is lower-case letters, digits "
                        + "and _, starting with a letter (it becomes siphon." + name + ")");
            }
            if (java.util.Arrays.asList(MODULES).contains("siphon." + name)) {
                throw new IllegalArgumentException("namespace \"" + name + "\": siphon." + name + " is siphon's own");
            }
            checked.put(name, Objects.requireNonNull(e.getValue(), "namespace " + name));
        }
        return java.util.Collections.unmodifiableMap(checked);
    }

    /** Where {@code http.Client} calls go instead of the network (a test harness's canned answers), or null. */
    HarnessOutbound outbound() {
        return outbound;
    }

    /** What also gets every line the script logs (level 0 debug .. 3 error), or null. */
    java.util.function.ObjIntConsumer<String> logTap() {
        return logTap;
    }

    /** The host's namespaces, by name ({@link Bridge#namespaces}). */
    Map<String, Object> namespaces() {
        return namespaces;
    }

    Value bootstrap(Context ctx, Bridge bridge) {
        return ctx.eval(boot).execute(MODULES, sources, bridge);
    }

    /** The sources of {@link #MODULES}, in that order, from the jar's resources. */
    static String[] moduleSources() {
        String[] out = new String[MODULES.length];
        for (int i = 0; i < MODULES.length; i++) {
            out[i] = resource(MODULES[i].equals("siphon") ? "siphon/__init__.py" : MODULES[i].replace('.', '/') + ".py");
        }
        return out;
    }

    /** The importer of the siphon package (boot.py), as a worker's and a test's context evaluate it. */
    static Source importer() {
        return Source.newBuilder("python", resource(BOOT), "boot.py").buildLiteral();
    }

    static String resource(String name) {
        try (InputStream in = WorkerPool.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the siphon-http jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void watch() {
        try {
            watchWorkers();
        } catch (Error e) {
            fatalHere(e); // without the watchdog a runaway handler would hold its worker for ever
        }
    }

    /** Never waits for a worker: each interrupt runs on a thread of its own ({@link PythonWorker#interrupt}). */
    private void watchWorkers() {
        long grace = TimeUnit.MILLISECONDS.toNanos(CANCEL_GRACE_MS);
        while (!closed) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(WATCHDOG_PERIOD_MS));
            long now = System.nanoTime();
            for (PythonWorker w : workers) {
                if (w.overran(now, grace)) {
                    Dispatch r = w.running();
                    LOG.log(System.Logger.Level.WARNING, "worker " + w.index + ": "
                            + (r == null ? "Python has not given the worker back " + CANCEL_GRACE_MS
                                    + " ms after one of its requests passed its deadline or was cancelled"
                                    : "the handler of " + PythonWorker.describe(r) + " still runs " + CANCEL_GRACE_MS
                                    + " ms after its request " + (r.pastDeadline(now) ? "passed its deadline"
                                            : "was cancelled"))
                            + ": interrupting it");
                    w.interrupt(INTERRUPT_WAIT_MS);
                }
            }
        }
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the {@code @http.on_shutdown} hooks if {@link #runShutdownHooks} was not called (with
     * {@code engine.shutdown_hooks_timeout_ms}'s default), then stops every worker (requests still
     * queued get 503), closes the engine, then the outbound clients.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        runShutdownHooks(dev.siphon.http.config.EngineSettings.DEFAULT_SHUTDOWN_HOOKS_TIMEOUT_MS); // stops the timers
        closed = true;
        List<PythonWorker> list = new ArrayList<>(List.of(workers));
        for (PythonWorker w : list) {
            w.stop(5000);
        }
        boolean last;
        synchronized (shared) {
            shared.retiredInterrupts.addAndGet(interrupts());
            shared.live.remove(this);
            last = shared.live.isEmpty();
        }
        if (!last) {
            return; // another generation serves on with the engine, clients and caches
        }
        try {
            if (shared.ownEngine) {
                engine.close(true);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the polyglot engine", e);
        }
        clients.close();
        caches.close();
    }
}

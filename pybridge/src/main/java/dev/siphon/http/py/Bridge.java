package dev.siphon.http.py;

import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.Setting;
import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * The Java object the {@code siphon} package of one worker context calls ({@code
 * siphon._java.bridge}). Only the methods marked {@link HostAccess.Export} are visible to
 * Python. Called on the worker's thread (the loop's and the handlers' thread); a Python thread a
 * script starts may call the logging and cache methods too, which are thread-safe.
 *
 * <p>A Java {@link Error} in any of them is fatal ({@link PythonWorker#fatal}): reported here,
 * before it reaches Python, where a handler's {@code except BaseException} could swallow it.
 */
public final class Bridge {
    private static final System.Logger SCRIPT_LOG = System.getLogger("siphon.script");
    private static final System.Logger.Level[] LEVELS = {
        System.Logger.Level.DEBUG, System.Logger.Level.INFO, System.Logger.Level.WARNING, System.Logger.Level.ERROR};

    // not final: detach() lets go of them when the worker's context is closed
    private PythonWorker worker;
    private Caches caches;
    private ClientPools clients;
    private ScriptMetrics metrics;
    private final ThreadLocal<Object> cacheResult = new ThreadLocal<>();
    private final ThreadLocal<String> error = new ThreadLocal<>();
    /** Per thread: json.loads may run on a Python thread a script started, too. */
    private final ThreadLocal<JsonTape> jsonTape = ThreadLocal.withInitial(JsonTape::new);

    /**
     * @param worker the worker whose context this is; null for a test's context ({@link ScriptHarness}),
     *     which calls only the cache methods, from its own thread
     */
    Bridge(PythonWorker worker, Caches caches, ClientPools clients, ScriptMetrics metrics) {
        this.worker = worker;
        this.caches = caches;
        this.clients = clients;
        this.metrics = metrics;
    }

    /**
     * Lets go of the worker and what it shares, once its context is closed: the polyglot engine
     * may keep a closed context's shell (and the host objects it was given) for a while, and it
     * must not keep a stopped pool alive with it. Worker thread, after the context closed.
     */
    void detach() {
        worker = null;
        caches = null;
        clients = null;
        metrics = null;
    }

    /**
     * {@code metrics.counter(...)}, {@code gauge}, {@code histogram}: the process-wide metric
     * {@code name} ({@link ScriptMetrics}), or null when the name, a label or a bound is not
     * one Prometheus accepts, or the name is taken; {@link #metricError} says why.
     *
     * @param buckets a list of floats, or None
     */
    @HostAccess.Export
    public ScriptMetrics.Handle metric(String kind, String name, String help, Value labels, Value buckets) {
        try {
            java.util.List<String> names = new java.util.ArrayList<>();
            for (long i = 0; i < labels.getArraySize(); i++) {
                names.add(labels.getArrayElement(i).asString());
            }
            double[] bounds = null;
            if (!buckets.isNull()) {
                bounds = new double[(int) buckets.getArraySize()];
                for (int i = 0; i < bounds.length; i++) {
                    bounds[i] = buckets.getArrayElement(i).asDouble();
                }
            }
            // a reload's workers register the script's metrics again, and join them as another worker would
            return metrics.register(worker.pool().generation() * 100_000 + worker.index, kind, name, help, names,
                    bounds);
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return null;
        }
    }

    /** Why the last {@link #metric} on this thread failed. */
    @HostAccess.Export
    public String metricError() {
        String e = error.get();
        error.remove();
        return e;
    }

    /**
     * The loop's waiting step: parks until an event or {@code timeoutSeconds} (negative: no
     * limit) pass, and handles what arrived; false when nothing did.
     */
    @HostAccess.Export
    public boolean poll(double timeoutSeconds) {
        try {
            return worker.poll(timeoutSeconds);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public void wakeup() {
        worker.wakeup();
    }

    @HostAccess.Export
    public void reply(long rid, int status, Value headers, Value body) {
        try {
            worker.reply(rid, status, headers, body);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public void fail(long rid, String who, String detail) {
        try {
            worker.fail(rid, who, detail);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public void cancelled(long rid) {
        try {
            worker.cancelled(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** Whether {@code json.loads} takes the fast path of {@code siphon/_json.py} (see {@link WorkerPool#FAST_JSON}). */
    @HostAccess.Export
    public boolean fastJson() {
        return WorkerPool.FAST_JSON;
    }

    /** The tape of the JSON value at {@code idx} of {@code text} ({@link JsonTape}), or null: take the standard path. */
    @HostAccess.Export
    public Object[] jsonScan(String text, int idx) {
        try {
            return jsonTape.get().scan(text, idx);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The request body as a Latin-1 string (one char per byte), which Python encodes back to bytes. */
    @HostAccess.Export
    public String body(long rid) {
        try {
            return worker.body(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The engine's answer to a request no route matched (a middleware's call_next ends there). */
    /** Request {@code rid}'s body stream (opaque to Python), or null when its route buffers bodies. */
    @HostAccess.Export
    public Object requestStream(long rid) {
        try {
            return worker.requestStream(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The next chunk of a body stream as Latin-1, or null: it comes as call {@code cid}. */
    @HostAccess.Export
    public String streamRead(Object stream, long cid) {
        try {
            return worker.streamRead((dev.siphon.http.BodyStream) stream, cid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** Answers {@code rid} with a streaming response; its body stream, or null when answered already. */
    @HostAccess.Export
    public Object replyStream(long rid, int status, Value headers, long token) {
        try {
            return worker.replyStream(rid, status, headers, token);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** Adds a chunk; false: wait for call {@code cid}. */
    @HostAccess.Export
    public boolean streamWrite(Object stream, long cid, Value chunk) {
        try {
            return worker.streamWrite((dev.siphon.http.BodyStream) stream, cid, chunk);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The streaming body is complete. */
    @HostAccess.Export
    public void streamEnd(Object stream) {
        ((dev.siphon.http.BodyStream) stream).end();
    }

    /** The streaming body's iterator raised: logged, and the client sees the body cut short. */
    @HostAccess.Export
    public void streamFail(Object stream, String who, String detail) {
        try {
            worker.streamFail((dev.siphon.http.BodyStream) stream, who, detail);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** A new body stream for an upload that Python fills ({@link #streamWrite}). */
    @HostAccess.Export
    public Object newStream() {
        return new dev.siphon.http.BodyStream(dev.siphon.http.BodyStream.DEFAULT_WINDOW);
    }

    /** An upload's iterator raised: the call fails with {@code message}, which the script sees. */
    @HostAccess.Export
    public void streamAbort(Object stream, String message) {
        worker.streamAbort((dev.siphon.http.BodyStream) stream, message);
    }

    /** An outbound call with a streamed upload ({@code upload}, else null) and/or a streamed response. */
    @HostAccess.Export
    public String clientStream(long call, int client, String method, String url, Value headers, Value body,
                               Object upload, boolean streamResponse) {
        try {
            return worker.sendStreaming(call, client, method, url, headers, body,
                    (dev.siphon.http.BodyStream) upload, streamResponse);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The reader of a body stream will read no more of it. */
    @HostAccess.Export
    public void streamCancel(Object stream) {
        ((dev.siphon.http.BodyStream) stream).cancel(null);
    }

    @HostAccess.Export
    public String[] unmatchedAnswer(long rid) {
        try {
            return worker.unmatchedAnswer(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public String[] query(long rid) {
        try {
            return worker.query(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The query as received (percent-encoded), "" when the target had none. */
    @HostAccess.Export
    public String rawQuery(long rid) {
        try {
            return worker.rawQuery(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public String requestId(long rid) {
        try {
            return worker.requestId(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public String client(long rid) {
        try {
            return worker.client(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public String[] tls(long rid) {
        try {
            return worker.tls(rid);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public void startupDone(String hook, String traceback) {
        try {
            worker.startupDone(hook, traceback);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The {@code @http.on_shutdown} hook {@code hook} starts (named in the log if it outlives the time limit). */
    @HostAccess.Export
    public void shutdownHook(String hook) {
        worker.shutdownHook(hook);
    }

    @HostAccess.Export
    public void shutdownHookFailed(String hook, String traceback) {
        try {
            worker.shutdownHookFailed(hook, traceback);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The worker's {@code @http.on_shutdown} hooks are done (or were cancelled). */
    @HostAccess.Export
    public void shutdownDone() {
        try {
            worker.shutdownDone();
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    // ---- siphon.timer ----

    /**
     * {@code @timer.every}: registers job {@code name} for this worker; its id when this worker
     * owns it (it runs the job), 0 when another does, -1 when the registration is refused
     * ({@link #timerError} says why).
     */
    @HostAccess.Export
    public long timerEvery(String name, String function, long periodMs, long jitterMs) {
        try {
            return worker.timers().every(worker, name, function, periodMs, jitterMs);
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return -1;
        } catch (Error e) {
            throw worker.fatal(e);
        }
    }

    /** {@code timer.set}: the armed timer's id, 0 when shutdown started (nothing armed), -1 ({@link #timerError}). */
    @HostAccess.Export
    public long timerSet(String key, long delayMs) {
        try {
            return worker.timers().set(worker, key, delayMs);
        } catch (IllegalStateException e) {
            error.set(e.getMessage());
            return -1;
        } catch (Error e) {
            throw worker.fatal(e);
        }
    }

    /** Why the last {@link #timerEvery} or {@link #timerSet} on this thread failed. */
    @HostAccess.Export
    public String timerError() {
        String e = error.get();
        error.remove();
        return e;
    }

    @HostAccess.Export
    public boolean timerCancel(String key) {
        try {
            return worker.timers().cancel(key);
        } catch (Error e) {
            throw worker.fatal(e);
        }
    }

    @HostAccess.Export
    public int timerActive() {
        return worker.timers().active();
    }

    /** Run {@code seq} of job {@code id} ended: {@code traceback} when it raised. Worker thread. */
    @HostAccess.Export
    public void timerDone(long id, long seq, String traceback, boolean cancelled) {
        try {
            worker.timers().done(id, seq, traceback, cancelled);
        } catch (Error e) {
            throw worker.fatal(e);
        }
    }

    /** The {@code timer.set} handler of timer {@code id} ended; {@code traceback} is null unless it raised. */
    @HostAccess.Export
    public void timerSetDone(long id, String key, String handler, String traceback) {
        try {
            worker.timers().oneShotDone(id, worker.index, key, handler, traceback);
        } catch (Error e) {
            throw worker.fatal(e);
        }
    }

    // ---- http.Client ----

    /** The client configured as {@code clients.<name>} in http.yaml, as an index, or -1. */
    @HostAccess.Export
    public int clientNamed(String name) {
        return clients.named(name);
    }

    /** The names configured under {@code clients:}, for the error about an unknown one. */
    @HostAccess.Export
    public String[] clientNames() {
        return clients.names();
    }

    /**
     * The keys an inline client takes, as "key KIND type" ("timeout_ms INTEGER integer",
     * "verify SHAPED path"): {@link ClientConfig#SECTION}, which http.yaml's {@code clients.<name>}
     * is read by too. {@code http.Client} checks a value's Python type by its kind.
     */
    @HostAccess.Export
    public String[] clientSettings() {
        return ClientConfig.SECTION.settings().stream()
                .map(s -> s.key() + " " + s.kind() + " " + s.typeDoc())
                .toArray(String[]::new);
    }

    /**
     * The inline client with these settings (shared by every worker, started on first use), as
     * an index; -1 when a setting is invalid, and then {@link #clientError()} says why.
     *
     * @param settings a Python list of key, value, key, value...: an int, a bool or a str each,
     *     None for a key not given
     */
    @HostAccess.Export
    public int clientInline(Value settings) {
        try {
            error.remove();
            Map<String, Object> given = new LinkedHashMap<>();
            for (long i = 0; i + 1 < settings.getArraySize(); i += 2) {
                String key = settings.getArrayElement(i).asString();
                Value v = settings.getArrayElement(i + 1);
                Setting s = ClientConfig.SECTION.get(key);
                if (s != null && v.isNumber() && !v.fitsInLong()) { // a Python int beyond 64 bits
                    throw new IllegalArgumentException(key + " must be from " + s.min() + " to " + s.max() + ", was " + v);
                }
                given.put(key, v.isNull() ? null : v.isBoolean() ? (Object) v.asBoolean()
                        : v.isNumber() ? (Object) v.asLong() : v.asString());
            }
            return clients.inline(given);
        } catch (IllegalArgumentException | IllegalStateException e) {
            error.set(e.getMessage());
            return -1;
        }
    }

    /** Why the last {@link #clientInline} on this thread failed. */
    @HostAccess.Export
    public String clientError() {
        String e = error.get();
        error.remove();
        return e;
    }

    /**
     * Starts outbound call {@code call}; returns null, or why it cannot be sent. Worker thread
     * only: the result comes back through the worker's poll ({@code client_done}/{@code client_failed}).
     */
    @HostAccess.Export
    public String clientSend(long call, int client, String method, String url, Value headers, Value body) {
        try {
            return worker.send(call, client, method, url, headers, body);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The names of the host's namespaces ({@code siphon.<name>}), sorted. */
    @HostAccess.Export
    public String[] namespaceNames() {
        return worker.pool().namespaces().keySet().toArray(new String[0]);
    }

    /** The host's object behind {@code siphon.<name>}; Python sees its exported members. */
    @HostAccess.Export
    public Object namespace(String name) {
        return worker.pool().namespaces().get(name);
    }

    /**
     * A namespace method returned {@code result}: when it is a {@link java.util.concurrent.CompletionStage},
     * Python awaits it as call {@code call} (true); else it is the value itself (false). Worker thread only.
     */
    @HostAccess.Export
    public boolean awaitIfPending(long call, Object result) {
        try {
            if (result instanceof java.util.concurrent.CompletionStage<?> stage) {
                worker.awaitStage(call, stage);
                return true;
            }
            return false;
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** Cancels outbound call {@code call}, whose coroutine was cancelled. Worker thread only. */
    @HostAccess.Export
    public void clientCancel(long call) {
        try {
            worker.cancelCall(call);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public void log(int level, String message) {
        try {
            int l = Math.max(0, Math.min(3, level));
            SCRIPT_LOG.log(LEVELS[l], message);
            java.util.function.ObjIntConsumer<String> tap = worker.pool().logTap();
            if (tap != null) {
                tap.accept(message, l);
            }
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /**
     * Cache operation {@code op} ({@link Caches}'s codes) on cache {@code name}. Returns 0 when it
     * completed ({@link #cacheResult()} gives the result), a negative {@link Caches} failure code
     * when it failed ({@link #cacheError()} says why), or, on the worker's thread while Redis
     * answers, a call id (> 0): the result comes back through the worker's poll
     * ({@code cache_done}/{@code cache_failed}), or {@link #cacheJoin} waits for it. Another
     * thread (one a script started) waits here.
     */
    @HostAccess.Export
    public long cacheCall(int op, String name, String key, int kind, String text, long n) {
        try {
            java.util.concurrent.CompletableFuture<Object> f = caches.call(op, name, key, kind, text, n);
            if (!f.isDone() && worker != null && worker.onWorkerThread()) {
                return worker.awaitCache(f);
            }
            return settle(f);
        } catch (Error error) {
            throw worker == null ? error : worker.fatal(error);
        }
    }

    /** Waits for call {@code call} (its coroutine runs on a loop other than the worker's); as {@link #cacheCall}. */
    @HostAccess.Export
    public long cacheJoin(long call) {
        try {
            java.util.concurrent.CompletableFuture<Object> f = worker.takeCache(call);
            if (f == null) {
                error.set("cache call " + call + " is no longer pending");
                return Caches.CACHE_ERROR;
            }
            return settle(f);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    private long settle(java.util.concurrent.CompletableFuture<Object> f) {
        try {
            // a Redis call completes within its timeout (RedisClient); this bound is only a backstop
            cacheResult.set(f.get(5, java.util.concurrent.TimeUnit.MINUTES));
            return 0;
        } catch (java.util.concurrent.ExecutionException e) {
            Caches.Failure c = e.getCause() instanceof Caches.Failure x ? x
                    : new Caches.Failure(Caches.CACHE_ERROR, String.valueOf(e.getCause()));
            error.set(c.getMessage());
            return c.code;
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            error.set("the cache call did not complete: " + e);
            return Caches.CACHE_ERROR;
        }
    }

    /** The result of the last {@link #cacheCall} or {@link #cacheJoin} on this thread that returned 0. */
    @HostAccess.Export
    public Object cacheResult() {
        Object v = cacheResult.get();
        cacheResult.remove();
        return v;
    }

    /** Why the last {@link #cacheCall} or {@link #cacheJoin} on this thread failed. */
    @HostAccess.Export
    public String cacheError() {
        String e = error.get();
        error.remove();
        return e;
    }

    /** {@code cache.has_cache(name)}: declared in siphon.yaml, or any name when none are. */
    @HostAccess.Export
    public boolean cacheHas(String name) {
        return caches.has(name);
    }
}

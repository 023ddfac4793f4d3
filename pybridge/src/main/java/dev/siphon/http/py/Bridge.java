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

    private final PythonWorker worker;
    private final SharedCache cache;
    private final ClientPools clients;
    private final ScriptMetrics metrics;
    private final ThreadLocal<String> fetched = new ThreadLocal<>();
    private final ThreadLocal<String> error = new ThreadLocal<>();
    /** Per thread: json.loads may run on a Python thread a script started, too. */
    private final ThreadLocal<JsonTape> jsonTape = ThreadLocal.withInitial(JsonTape::new);

    Bridge(PythonWorker worker, SharedCache cache, ClientPools clients, ScriptMetrics metrics) {
        this.worker = worker;
        this.cache = cache;
        this.clients = clients;
        this.metrics = metrics;
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
            return metrics.register(worker.index, kind, name, help, names, bounds);
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

    /** A {@code timer.set} handler raised. */
    @HostAccess.Export
    public void timerSetFailed(String key, String handler, String traceback) {
        try {
            worker.timers().oneShotFailed(worker.index, key, handler, traceback);
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
            SCRIPT_LOG.log(LEVELS[Math.max(0, Math.min(3, level))], message);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /**
     * Stores a value encoded as text by the Python side: {@code kind} says how to decode it
     * (str, bytes as Latin-1, int, float, bool, None; see siphon/cache.py).
     */
    @HostAccess.Export
    public void cacheStore(String name, String key, int kind, String text, long ttlMs) {
        try {
            cache.store(name, key, kind, text, ttlMs);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The kind of the value under name/key ({@link SharedCache#ABSENT} when none); {@link #cacheValue()} gives it. */
    @HostAccess.Export
    public int cacheFetch(String name, String key) {
        try {
            SharedCache.Entry e = cache.fetch(name, key);
            if (e == null) {
                fetched.remove();
                return SharedCache.ABSENT;
            }
            fetched.set(e.value());
            return e.kind();
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The value the last {@link #cacheFetch} on this thread found. */
    @HostAccess.Export
    public String cacheValue() {
        String v = fetched.get();
        fetched.remove();
        return v;
    }

    @HostAccess.Export
    public boolean cacheExists(String name, String key) {
        try {
            return cache.fetch(name, key) != null;
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    @HostAccess.Export
    public boolean cacheDelete(String name, String key) {
        try {
            return cache.delete(name, key);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The new value, as text, of the int under name/key after adding {@code by}; null when it holds another type. */
    @HostAccess.Export
    public String cacheIncr(String name, String key, long by) {
        try {
            return cache.incr(name, key, by);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }

    /** The live keys of table {@code name} starting with {@code prefix}, sorted. */
    @HostAccess.Export
    public String[] cacheKeys(String name, String prefix) {
        try {
            return cache.keys(name, prefix);
        } catch (Error error) {
            throw worker.fatal(error);
        }
    }
}

package dev.siphon.http.py;

import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * The Java object the {@code siphon} package of one worker context calls ({@code
 * siphon._runtime.bridge}). Only the methods marked {@link HostAccess.Export} are visible to
 * Python. Called on the worker's thread (the loop's and the handlers' thread); a Python thread a
 * script starts may call the logging and cache methods too, which are thread-safe.
 */
public final class Bridge {
    private static final System.Logger SCRIPT_LOG = System.getLogger("siphon.script");
    private static final System.Logger.Level[] LEVELS = {
        System.Logger.Level.DEBUG, System.Logger.Level.INFO, System.Logger.Level.WARNING, System.Logger.Level.ERROR};

    private final PythonWorker worker;
    private final SharedCache cache;
    private final ThreadLocal<String> fetched = new ThreadLocal<>();

    Bridge(PythonWorker worker, SharedCache cache) {
        this.worker = worker;
        this.cache = cache;
    }

    /** The loop's waiting step: parks until an event or {@code timeoutSeconds} (negative: no limit). */
    @HostAccess.Export
    public void poll(double timeoutSeconds) {
        worker.poll(timeoutSeconds);
    }

    @HostAccess.Export
    public void wakeup() {
        worker.wakeup();
    }

    @HostAccess.Export
    public void reply(long rid, int status, Value headers, Value body) {
        worker.reply(rid, status, headers, body);
    }

    @HostAccess.Export
    public void fail(long rid, String who, String detail) {
        worker.fail(rid, who, detail);
    }

    @HostAccess.Export
    public void cancelled(long rid) {
        worker.cancelled(rid);
    }

    /** The request body as a Latin-1 string (one char per byte), which Python encodes back to bytes. */
    @HostAccess.Export
    public String body(long rid) {
        return worker.body(rid);
    }

    @HostAccess.Export
    public String[] query(long rid) {
        return worker.query(rid);
    }

    @HostAccess.Export
    public String client(long rid) {
        return worker.client(rid);
    }

    @HostAccess.Export
    public String[] tls(long rid) {
        return worker.tls(rid);
    }

    @HostAccess.Export
    public void startupDone(String hook, String traceback) {
        worker.startupDone(hook, traceback);
    }

    @HostAccess.Export
    public void log(int level, String message) {
        SCRIPT_LOG.log(LEVELS[Math.max(0, Math.min(3, level))], message);
    }

    /**
     * Stores a value encoded as text by the Python side: {@code kind} says how to decode it
     * (str, bytes as Latin-1, int, float, bool, None; see siphon/cache.py).
     */
    @HostAccess.Export
    public void cacheStore(String name, String key, int kind, String text, long ttlMs) {
        cache.store(name, key, kind, text, ttlMs);
    }

    /** The kind of the value under name/key ({@link SharedCache#ABSENT} when none); {@link #cacheValue()} gives it. */
    @HostAccess.Export
    public int cacheFetch(String name, String key) {
        SharedCache.Entry e = cache.fetch(name, key);
        if (e == null) {
            fetched.remove();
            return SharedCache.ABSENT;
        }
        fetched.set(e.value());
        return e.kind();
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
        return cache.fetch(name, key) != null;
    }

    @HostAccess.Export
    public boolean cacheDelete(String name, String key) {
        return cache.delete(name, key);
    }

    /** The new value, as text, of the int under name/key after adding {@code by}; null when it holds another type. */
    @HostAccess.Export
    public String cacheIncr(String name, String key, long by) {
        return cache.incr(name, key, by);
    }

    /** The live keys of table {@code name} starting with {@code prefix}, sorted. */
    @HostAccess.Export
    public String[] cacheKeys(String name, String prefix) {
        return cache.keys(name, prefix);
    }
}

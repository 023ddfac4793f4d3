package dev.siphon.http.py;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store behind the scripts' {@code cache} module: named tables of keys to immutable
 * values with an optional time to live, shared by every worker context. Thread-safe; every
 * operation completes at once (no I/O). Expired entries are dropped when read and by a sweep
 * every {@value #SWEEP_EVERY} stores.
 *
 * <p>Values are kept as text with a kind that tells the Python side how to rebuild them
 * (bytes as Latin-1, numbers in their exact repr), never as Python objects, which belong to
 * one context.
 */
final class SharedCache {
    /** No live entry. Other kinds are the Python side's (siphon/cache.py); the store keeps them as given. */
    static final int ABSENT = 0;

    static final int SWEEP_EVERY = 4096;

    record Entry(int kind, String value, long expiresAtNanos) {
        boolean expired(long now) {
            return expiresAtNanos != 0 && now - expiresAtNanos >= 0;
        }
    }

    private final Map<String, ConcurrentHashMap<String, Entry>> tables = new ConcurrentHashMap<>();
    private final AtomicLong stores = new AtomicLong();

    void store(String name, String key, int kind, String value, long ttlMs) {
        long now = System.nanoTime();
        long expires = ttlMs > 0 ? (now + ttlMs * 1_000_000L) | 1 : 0;
        tables.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put(key, new Entry(kind, value, expires));
        if (stores.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(now);
        }
    }

    /** The live entry, or null. */
    Entry fetch(String name, String key) {
        Map<String, Entry> t = tables.get(name);
        if (t == null) {
            return null;
        }
        Entry e = t.get(key);
        if (e != null && e.expired(System.nanoTime())) {
            t.remove(key, e);
            return null;
        }
        return e;
    }

    boolean delete(String name, String key) {
        Map<String, Entry> t = tables.get(name);
        if (t == null) {
            return false;
        }
        Entry e = t.remove(key);
        return e != null && !e.expired(System.nanoTime());
    }

    int size() {
        long now = System.nanoTime();
        int n = 0;
        for (Map<String, Entry> t : tables.values()) {
            for (Entry e : t.values()) {
                if (!e.expired(now)) {
                    n++;
                }
            }
        }
        return n;
    }

    private void sweep(long now) {
        for (Map<String, Entry> t : tables.values()) {
            t.values().removeIf(e -> e.expired(now));
        }
    }
}

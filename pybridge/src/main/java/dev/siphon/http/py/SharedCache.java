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
    /** siphon/cache.py's kind of an int, the one kind this store reads itself (for {@link #incr}). */
    static final int INT = 3;

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

    /**
     * Adds {@code by} to the int under name/key atomically (a missing or expired entry counts as
     * 0 and gets no expiry; a live one keeps its expiry). Returns the new value as text, or null
     * when the entry holds something other than an int.
     */
    String incr(String name, String key, long by) {
        long now = System.nanoTime();
        Entry[] out = new Entry[1];
        tables.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).compute(key, (k, e) -> {
            if (e == null || e.expired(now)) {
                return out[0] = new Entry(INT, Long.toString(by), 0);
            }
            if (e.kind() != INT) {
                return e;
            }
            return out[0] = new Entry(INT, Long.toString(Math.addExact(Long.parseLong(e.value()), by)), e.expiresAtNanos());
        });
        return out[0] == null ? null : out[0].value();
    }

    /** The live keys of table {@code name} that start with {@code prefix}, sorted. */
    String[] keys(String name, String prefix) {
        Map<String, Entry> t = tables.get(name);
        if (t == null) {
            return new String[0];
        }
        long now = System.nanoTime();
        return t.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && !e.getValue().expired(now))
                .map(Map.Entry::getKey)
                .sorted()
                .toArray(String[]::new);
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

package dev.siphon.http.py;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One named cache held in this process (or the local tier in front of a Redis one): keys to
 * immutable values or lists of strings, each with an optional expiry, at most {@code maxEntries}
 * of them, the least recently used evicted first. Thread-safe (one lock: every operation is a
 * few map steps); every operation completes at once.
 *
 * <p>Values are kept as text with a kind that tells the Python side how to rebuild them
 * (siphon/cache.py: bytes as Latin-1, numbers in their exact repr), never as Python objects,
 * which belong to one context.
 */
final class LocalCache {
    /** No live entry. Other kinds are the Python side's (siphon/cache.py); kept as given. */
    static final int ABSENT = 0;
    /** siphon/cache.py's kind of a str. */
    static final int STR = 1;
    /** siphon/cache.py's kind of an int, the one kind this store reads itself (for {@link #incr}). */
    static final int INT = 3;
    /** A list of str ({@link #listPush}); never a kind Python stores. */
    static final int LIST = 100;

    /** Thrown for an operation on a key that holds the other shape (a list where a value is expected, or back). */
    static final class WrongType extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WrongType(String message) {
            super(message, null, false, false);
        }
    }

    /** A value (kind, text) or a list (kind {@link #LIST}, items); {@code expiresAt} 0 for none. */
    record Entry(int kind, String value, List<String> items, long expiresAt) {
        boolean expired(long now) {
            return expiresAt != 0 && now - expiresAt >= 0;
        }
    }

    private final int maxEntries;
    /** Longest an entry lives, in nanoseconds; 0 for no limit beyond its own ttl. */
    private final long maxTtlNanos;
    private final LinkedHashMap<String, Entry> map;

    LocalCache(int maxEntries, long maxTtlSecs) {
        this.maxEntries = maxEntries;
        this.maxTtlNanos = maxTtlSecs * 1_000_000_000L;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LocalCache.Entry> eldest) {
                return size() > LocalCache.this.maxEntries;
            }
        };
    }

    int maxEntries() {
        return maxEntries;
    }

    /** The expiry of an entry stored now with {@code ttlMs} (<= 0: none), capped by the cache's own limit. */
    private long expiry(long now, long ttlMs) {
        long ttl = ttlMs > 0 ? ttlMs * 1_000_000L : 0;
        if (maxTtlNanos > 0 && (ttl == 0 || ttl > maxTtlNanos)) {
            ttl = maxTtlNanos;
        }
        return ttl == 0 ? 0 : (now + ttl) | 1;
    }

    synchronized void store(String key, int kind, String value, long ttlMs) {
        long now = System.nanoTime();
        map.put(key, new Entry(kind, value, null, expiry(now, ttlMs)));
    }

    /** The live entry (a value or a list), or null. */
    synchronized Entry get(String key) {
        Entry e = map.get(key);
        if (e != null && e.expired(System.nanoTime())) {
            map.remove(key);
            return null;
        }
        return e;
    }

    /**
     * The live value, or null.
     *
     * @throws WrongType when the key holds a list
     */
    Entry fetch(String key) {
        Entry e = get(key);
        if (e != null && e.kind() == LIST) {
            throw new WrongType("holds a list (read it with list_pop_all or list_len)");
        }
        return e;
    }

    /** Removes {@code key}; true when it held a live entry. */
    synchronized boolean delete(String key) {
        Entry e = map.remove(key);
        return e != null && !e.expired(System.nanoTime());
    }

    /**
     * Adds {@code by} to the int under {@code key} (a missing or expired entry counts as 0 and
     * gets no expiry; a live one keeps its expiry). Returns the new value, or null when the entry
     * holds something other than an int.
     *
     * @throws ArithmeticException when the sum leaves 64 bits
     */
    synchronized Long incr(String key, long by) {
        long now = System.nanoTime();
        Entry e = map.get(key);
        long v;
        long expires = 0;
        if (e == null || e.expired(now)) {
            v = by;
            expires = expiry(now, 0);
        } else if (e.kind() != INT) {
            return null;
        } else {
            try {
                v = Math.addExact(Long.parseLong(e.value()), by);
            } catch (NumberFormatException x) {
                return null; // an int beyond 64 bits
            }
            expires = e.expiresAt();
        }
        map.put(key, new Entry(INT, Long.toString(v), null, expires));
        return v;
    }

    /** The live keys that start with {@code prefix}, sorted. */
    synchronized String[] keys(String prefix) {
        long now = System.nanoTime();
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, Entry>> it = map.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getValue().expired(now)) {
                it.remove();
            } else if (e.getKey().startsWith(prefix)) {
                out.add(e.getKey());
            }
        }
        String[] a = out.toArray(String[]::new);
        java.util.Arrays.sort(a);
        return a;
    }

    /** Sets the expiry of a live {@code key} to {@code ttlMs} from now; false when it has none. */
    synchronized boolean expire(String key, long ttlMs) {
        long now = System.nanoTime();
        Entry e = map.get(key);
        if (e == null || e.expired(now)) {
            return false;
        }
        map.put(key, new Entry(e.kind(), e.value(), e.items(), expiry(now, ttlMs)));
        return true;
    }

    /**
     * Appends {@code item} to the list under {@code key} (made when absent); returns its new length.
     *
     * @throws WrongType when the key holds a value
     * @throws IllegalStateException when the list already holds {@code maxEntries} items
     */
    synchronized long listPush(String key, String item) {
        long now = System.nanoTime();
        Entry e = map.get(key);
        if (e != null && e.expired(now)) {
            e = null;
        }
        if (e != null && e.kind() != LIST) {
            throw new WrongType("holds a value, not a list");
        }
        List<String> items = e == null ? new ArrayList<>() : e.items();
        if (items.size() >= maxEntries) {
            throw new IllegalStateException("the list holds " + maxEntries + " items already (local_max_entries)");
        }
        items.add(item);
        if (e == null) {
            map.put(key, new Entry(LIST, null, items, expiry(now, 0)));
        }
        return items.size();
    }

    /** The items of the list under {@code key}, oldest first, removing it; empty when absent. */
    synchronized String[] listPopAll(String key) {
        Entry e = map.get(key);
        if (e == null || e.expired(System.nanoTime())) {
            map.remove(key);
            return new String[0];
        }
        if (e.kind() != LIST) {
            throw new WrongType("holds a value, not a list");
        }
        map.remove(key);
        return e.items().toArray(String[]::new);
    }

    synchronized long listLen(String key) {
        Entry e = get(key);
        if (e == null) {
            return 0;
        }
        if (e.kind() != LIST) {
            throw new WrongType("holds a value, not a list");
        }
        return e.items().size();
    }

    /** The summed length of every live list whose key starts with {@code prefix} (values are skipped). */
    synchronized long listLenSum(String prefix) {
        long now = System.nanoTime();
        long n = 0;
        for (Map.Entry<String, Entry> e : map.entrySet()) {
            if (e.getValue().kind() == LIST && !e.getValue().expired(now) && e.getKey().startsWith(prefix)) {
                n += e.getValue().items().size();
            }
        }
        return n;
    }

    /** Entries held, expired ones not yet dropped included. */
    synchronized int size() {
        return map.size();
    }
}

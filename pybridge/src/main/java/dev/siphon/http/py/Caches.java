package dev.siphon.http.py;

import dev.siphon.http.client.RedisClient;
import dev.siphon.http.client.RedisException;
import dev.siphon.http.config.CacheConfig;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The caches behind the scripts' {@code cache} module, shared by every worker context: the
 * {@code cache:} entries of siphon.yaml, each local ({@link LocalCache}) or Redis-backed
 * ({@link RedisClient}, with an optional local tier in front). When none are declared (the
 * --config/--script mode, or a siphon.yaml without {@code cache:}), every name a script uses is
 * a local cache made on first use, with the default bounds, at most {@value #MAX_IMPLICIT} of
 * them.
 *
 * <p>Every operation returns a future, complete at once for a local cache (or a hit of the local
 * tier); a Redis one completes on the Redis client's loop. Its value is what the Python side
 * takes: {@code Object[]{kind, text}} or null for a fetch, a Boolean, a Long, a String[]. A
 * failure is a {@link Failure} that says which Python exception to raise. Thread-safe.
 *
 * <p><b>Values on Redis.</b> A str is stored as its UTF-8 bytes and an int (64-bit) as its
 * decimal digits, so other Redis clients read them as they are, and INCRBY works on them. The
 * other kinds (bytes, float, bool, None, an int beyond 64 bits, and a str that reads as an
 * integer, which would otherwise come back as an int) are stored as byte 0xFF (which UTF-8 never
 * uses), a tag letter and the value. A value written by another client comes back as an int when
 * it is integer digits, a str when it is UTF-8, else bytes.
 */
final class Caches implements AutoCloseable {
    static final int FETCH = 1;
    static final int STORE = 2;
    static final int DELETE = 3;
    static final int EXISTS = 4;
    static final int INCR = 5;
    static final int KEYS = 6;
    static final int EXPIRE = 7;
    static final int LIST_PUSH = 8;
    static final int LIST_POP_ALL = 9;
    static final int LIST_LEN = 10;
    static final int LIST_LEN_SUM = 11;

    /** Which Python exception a failure raises. */
    static final int CACHE_ERROR = -1;
    static final int TYPE_ERROR = -2;
    static final int OVERFLOW_ERROR = -3;

    /** Names a script may use when siphon.yaml declares none. */
    static final int MAX_IMPLICIT = 256;
    /** Most keys {@code keys} returns (and {@code list_len_sum} sums over) from Redis. */
    static final int MAX_KEYS = 100_000;

    private static final Pattern INT64 = Pattern.compile("-?(0|[1-9][0-9]{0,18})");
    private static final byte TAG = (byte) 0xFF;

    /** A failed operation: {@code code} says which Python exception to raise. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        Failure(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** One cache: a local store, a Redis client, or both (the local one then a tier in front). */
    record Named(CacheConfig config, LocalCache local, RedisClient redis) {
    }

    /** Declared caches; null when none are (then {@link #implicit} is used). */
    private final Map<String, Named> declared;
    private final ConcurrentHashMap<String, Named> implicit = new ConcurrentHashMap<>();
    /** Redis calls on /metrics, or null. */
    private volatile CacheMetrics metrics;

    private Caches(Map<String, Named> declared) {
        this.declared = declared;
    }

    /** Every name a local cache made on first use: the --config/--script mode. */
    static Caches implicitOnly() {
        return new Caches(null);
    }

    /**
     * The caches of siphon.yaml's {@code cache:} (none: {@link #implicitOnly()}); Redis clients start
     * connecting in the background (an unreachable server is logged and retried, never fatal).
     *
     * @throws ScriptException when a rediss:// cache cannot set up TLS
     */
    static Caches start(List<CacheConfig> configs) throws ScriptException {
        if (configs.isEmpty()) {
            return implicitOnly();
        }
        Map<String, Named> m = new LinkedHashMap<>();
        Caches c = new Caches(m);
        try {
            for (CacheConfig cfg : configs) {
                RedisClient r = cfg.redis() == null ? null
                        : RedisClient.start(cfg.name(), cfg.redis(), cfg.timeoutMs(), cfg.verify());
                LocalCache l = cfg.redis() == null || cfg.localTtlSecs() > 0
                        ? new LocalCache(cfg.localMaxEntries(), cfg.localTtlSecs()) : null;
                m.put(cfg.name(), new Named(cfg, l, r));
            }
        } catch (IllegalArgumentException e) {
            c.close();
            throw new ScriptException("siphon.yaml cache: " + e.getMessage(), e);
        }
        return c;
    }

    void metrics(CacheMetrics m) {
        this.metrics = m;
    }

    /** The declared names, in order (empty in the implicit mode). */
    List<String> declaredNames() {
        return declared == null ? List.of() : List.copyOf(declared.keySet());
    }

    /** The caches that exist now: the declared ones, or those made on first use so far. */
    List<String> names() {
        return declared != null ? List.copyOf(declared.keySet()) : List.copyOf(implicit.keySet());
    }

    /** The cache {@code name}, or null when there is no such cache. */
    Named get(String name) {
        if (declared != null) {
            return declared.get(name);
        }
        Named n = implicit.get(name);
        if (n == null) {
            if (implicit.size() >= MAX_IMPLICIT) {
                throw new Failure(CACHE_ERROR, "cache " + name + ": a script may use at most " + MAX_IMPLICIT
                        + " cache names (declare caches in siphon.yaml's cache: section to choose their bounds)");
            }
            n = implicit.computeIfAbsent(name, k -> new Named(CacheConfig.local(k), new LocalCache(
                    CacheConfig.DEFAULT_LOCAL_MAX_ENTRIES, 0), null));
        }
        return n;
    }

    boolean has(String name) {
        return declared == null || declared.containsKey(name);
    }

    /**
     * Runs operation {@code op} on cache {@code name}.
     *
     * @param kind  the value's kind (store)
     * @param text  the value as text (store), the item (list_push) or the prefix (keys, list_len_sum)
     * @param n     ttl in ms (store: <= 0 for none; expire), the increment (incr)
     */
    CompletableFuture<Object> call(int op, String name, String key, int kind, String text, long n) {
        Named c;
        try {
            c = get(name);
        } catch (Failure f) {
            return CompletableFuture.failedFuture(f);
        }
        if (c == null) {
            return CompletableFuture.completedFuture(unknown(op));
        }
        try {
            if (c.redis() == null) {
                return CompletableFuture.completedFuture(local(c.local(), op, key, kind, text, n));
            }
            return redis(c, op, key, kind, text, n);
        } catch (LocalCache.WrongType e) {
            return CompletableFuture.failedFuture(new Failure(TYPE_ERROR, "cache " + name + ": key " + key + " "
                    + e.getMessage()));
        } catch (ArithmeticException e) {
            return CompletableFuture.failedFuture(new Failure(OVERFLOW_ERROR, "cache " + name + ": key " + key
                    + ": the sum leaves 64 bits"));
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(new Failure(CACHE_ERROR, "cache " + name + ": key " + key + ": "
                    + e.getMessage()));
        }
    }

    /** What an operation on a name that is no cache returns (siphon's answers). */
    private static Object unknown(int op) {
        return switch (op) {
            case STORE, DELETE, EXISTS, EXPIRE -> Boolean.FALSE;
            case KEYS, LIST_POP_ALL -> new String[0];
            default -> null; // fetch, incr, list_push, list_len, list_len_sum
        };
    }

    private static Object local(LocalCache l, int op, String key, int kind, String text, long n) {
        return switch (op) {
            case FETCH -> {
                LocalCache.Entry e = l.fetch(key);
                yield e == null ? null : new Object[] {e.kind(), e.value()};
            }
            case STORE -> {
                l.store(key, kind, text, n);
                yield Boolean.TRUE;
            }
            case DELETE -> l.delete(key);
            case EXISTS -> l.get(key) != null;
            case INCR -> {
                Long v = l.incr(key, n);
                if (v == null) {
                    throw new LocalCache.WrongType("holds a value that is not an int");
                }
                yield v;
            }
            case KEYS -> l.keys(text);
            case EXPIRE -> l.expire(key, n);
            case LIST_PUSH -> l.listPush(key, text);
            case LIST_POP_ALL -> l.listPopAll(key);
            case LIST_LEN -> l.listLen(key);
            case LIST_LEN_SUM -> l.listLenSum(text);
            default -> throw new IllegalArgumentException("no cache operation " + op);
        };
    }

    private CompletableFuture<Object> redis(Named c, int op, String key, int kind, String text, long n) {
        LocalCache tier = c.local();
        RedisClient r = c.redis();
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Object> f;
        String what;
        switch (op) {
            case FETCH -> {
                LocalCache.Entry e = tier == null ? null : tier.get(key);
                if (e != null && e.kind() != LocalCache.LIST) {
                    return CompletableFuture.completedFuture(new Object[] {e.kind(), e.value()});
                }
                what = "GET";
                f = r.call(b("GET"), k).thenApply(v -> {
                    if (v == null) {
                        return null;
                    }
                    Object[] kv = decode((byte[]) v);
                    if (tier != null) {
                        tier.store(key, (Integer) kv[0], (String) kv[1], 0);
                    }
                    return kv;
                });
            }
            case STORE -> {
                byte[] v = encode(kind, text);
                what = "SET";
                f = (n > 0 ? r.call(b("SET"), k, v, b("PX"), b(Long.toString(n))) : r.call(b("SET"), k, v)).thenApply(x -> {
                    if (tier != null) {
                        tier.store(key, kind, text, n);
                    }
                    return Boolean.TRUE;
                });
            }
            case DELETE -> {
                if (tier != null) {
                    tier.delete(key);
                }
                what = "DEL";
                f = r.call(b("DEL"), k).thenApply(x -> (Long) x > 0);
            }
            case EXISTS -> {
                LocalCache.Entry e = tier == null ? null : tier.get(key);
                if (e != null) {
                    return CompletableFuture.completedFuture(Boolean.TRUE);
                }
                what = "EXISTS";
                f = r.call(b("EXISTS"), k).thenApply(x -> (Long) x > 0);
            }
            case INCR -> {
                if (tier != null) {
                    tier.delete(key);
                }
                what = "INCRBY";
                f = r.call(b("INCRBY"), k, b(Long.toString(n))).thenApply(x -> x);
            }
            case EXPIRE -> {
                if (tier != null) {
                    tier.expire(key, n);
                }
                what = "PEXPIRE";
                f = r.call(b("PEXPIRE"), k, b(Long.toString(n))).thenApply(x -> (Long) x > 0);
            }
            case KEYS -> {
                what = "SCAN";
                f = scan(r, text, new LinkedHashSet<>(), "0").thenApply(s -> {
                    String[] a = s.toArray(String[]::new);
                    Arrays.sort(a);
                    return a;
                });
            }
            case LIST_PUSH -> {
                what = "RPUSH";
                f = r.call(b("RPUSH"), k, b(text)).thenApply(x -> x);
            }
            case LIST_POP_ALL -> {
                what = "LRANGE";
                f = r.pipeline(List.of(new byte[][] {b("MULTI")}, new byte[][] {b("LRANGE"), k, b("0"), b("-1")},
                        new byte[][] {b("DEL"), k}, new byte[][] {b("EXEC")})).thenApply(x -> {
                            List<?> replies = (List<?>) x;
                            Object exec = replies.get(3);
                            if (exec instanceof RedisException e) {
                                throw e;
                            }
                            Object items = ((List<?>) exec).get(0);
                            if (items instanceof RedisException e) {
                                throw e;
                            }
                            List<?> l = (List<?>) items;
                            String[] out = new String[l.size()];
                            for (int i = 0; i < out.length; i++) {
                                out[i] = new String((byte[]) l.get(i), StandardCharsets.UTF_8);
                            }
                            return out;
                        });
            }
            case LIST_LEN -> {
                what = "LLEN";
                f = r.call(b("LLEN"), k).thenApply(x -> x);
            }
            case LIST_LEN_SUM -> {
                what = "SCAN";
                f = scan(r, text, new LinkedHashSet<>(), "0").thenCompose(keys -> {
                    if (keys.isEmpty()) {
                        return CompletableFuture.completedFuture(0L);
                    }
                    List<byte[][]> cmds = new ArrayList<>();
                    for (String s : keys) {
                        cmds.add(new byte[][] {b("LLEN"), b(s)});
                    }
                    return r.pipeline(cmds).thenApply(x -> {
                        long sum = 0;
                        for (Object o : (List<?>) x) {
                            if (o instanceof Long l) {
                                sum += l; // a key holding a value (WRONGTYPE) counts nothing
                            }
                        }
                        return sum;
                    });
                });
            }
            default -> throw new IllegalArgumentException("no cache operation " + op);
        }
        CacheMetrics m = metrics;
        long t0 = System.nanoTime();
        String name = c.config().name();
        return f.handle((v, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (m != null) {
                m.completed(name, what, t0, cause);
            }
            if (cause == null) {
                return v;
            }
            throw failure(name, key, cause);
        });
    }

    /** The keys matching {@code prefix} literally, with SCAN (never KEYS, which blocks Redis), deduplicated. */
    private static CompletableFuture<Set<String>> scan(RedisClient r, String prefix, Set<String> found, String cursor) {
        return r.call(b("SCAN"), b(cursor), b("MATCH"), b(glob(prefix) + "*"), b("COUNT"), b("512")).thenCompose(x -> {
            List<?> reply = (List<?>) x;
            String next = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
            for (Object k : (List<?>) reply.get(1)) {
                found.add(new String((byte[]) k, StandardCharsets.UTF_8));
            }
            if (found.size() > MAX_KEYS) {
                throw new Failure(CACHE_ERROR, "more than " + MAX_KEYS + " keys start with " + "\"" + prefix + "\"");
            }
            return next.equals("0") ? CompletableFuture.completedFuture(found) : scan(r, prefix, found, next);
        });
    }

    /** {@code s} with Redis's glob characters escaped. */
    static String glob(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' || ch == '*' || ch == '?' || ch == '[' || ch == ']') {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }

    private static Failure failure(String name, String key, Throwable e) {
        if (e instanceof Failure f) {
            return f;
        }
        if (e instanceof RedisException r) {
            if (r.kind() == RedisException.Kind.REPLY) {
                String m = r.getMessage();
                if (m.contains("WRONGTYPE")) {
                    return new Failure(TYPE_ERROR, "cache " + name + ": key " + key
                            + " holds the other shape (a list where a value is expected, or a value where a list is)");
                }
                if (m.contains("not an integer")) {
                    return new Failure(TYPE_ERROR, "cache " + name + ": key " + key + " holds a value that is not an int");
                }
                if (m.contains("overflow")) {
                    return new Failure(OVERFLOW_ERROR, "cache " + name + ": key " + key + ": the sum leaves 64 bits");
                }
            }
            return new Failure(CACHE_ERROR, r.getMessage());
        }
        return new Failure(CACHE_ERROR, "cache " + name + ": " + e);
    }

    // ---- values on Redis ----

    static byte[] encode(int kind, String text) {
        return switch (kind) {
            case 1 -> INT64.matcher(text).matches() && fitsLong(text) ? tagged('s', text.getBytes(StandardCharsets.UTF_8))
                    : text.getBytes(StandardCharsets.UTF_8);
            case 2 -> tagged('b', text.getBytes(StandardCharsets.ISO_8859_1));
            case 3 -> INT64.matcher(text).matches() && fitsLong(text) ? text.getBytes(StandardCharsets.US_ASCII)
                    : tagged('i', text.getBytes(StandardCharsets.US_ASCII));
            case 4 -> tagged('d', text.getBytes(StandardCharsets.US_ASCII));
            case 5 -> tagged(text.equals("1") ? 'T' : 'F', new byte[0]);
            case 6 -> tagged('n', new byte[0]);
            default -> throw new IllegalArgumentException("no value kind " + kind);
        };
    }

    /** {kind, text} of a value read from Redis. */
    static Object[] decode(byte[] v) {
        if (v.length >= 2 && v[0] == TAG) {
            String rest = new String(v, 2, v.length - 2, v[1] == 'b' ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
            switch (v[1]) {
                case 's': return new Object[] {1, rest};
                case 'b': return new Object[] {2, rest};
                case 'i': return new Object[] {3, rest};
                case 'd': return new Object[] {4, rest};
                case 'T': return new Object[] {5, "1"};
                case 'F': return new Object[] {5, "0"};
                case 'n': return new Object[] {6, ""};
                default: break; // not ours: bytes
            }
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(v)).toString();
            return new Object[] {INT64.matcher(s).matches() && fitsLong(s) ? 3 : 1, s};
        } catch (CharacterCodingException e) {
            return new Object[] {2, new String(v, StandardCharsets.ISO_8859_1)};
        }
    }

    private static boolean fitsLong(String s) {
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static byte[] tagged(char tag, byte[] rest) {
        byte[] out = new byte[rest.length + 2];
        out[0] = TAG;
        out[1] = (byte) tag;
        System.arraycopy(rest, 0, out, 2, rest.length);
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Local entries held, over every cache (for tests). */
    int localSize(String name) {
        Named n = declared != null ? declared.get(name) : implicit.get(name);
        return n == null || n.local() == null ? 0 : n.local().size();
    }

    @Override
    public void close() {
        Map<String, Named> all = declared != null ? declared : implicit;
        for (Named n : all.values()) {
            if (n.redis() != null) {
                n.redis().close();
            }
        }
    }
}

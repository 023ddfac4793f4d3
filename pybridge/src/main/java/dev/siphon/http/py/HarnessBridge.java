package dev.siphon.http.py;

import dev.siphon.http.ClientCert;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

/**
 * The Java side of one {@code siphon_testing.HttpTestHarness} in a test's context ({@code
 * siphon-http test}): a {@link ScriptHarness} once a script is loaded, its canned outbound
 * answers before and after. Strings cross as in {@link Bridge}: flat String arrays for pairs,
 * bytes as Latin-1 strings. Failures the test should see come back as a message (null: none).
 */
public final class HarnessBridge implements AutoCloseable {
    private final HarnessOutbound outbound = new HarnessOutbound();
    private final int workers;
    private final org.graalvm.polyglot.Engine engine;
    private final java.util.function.Consumer<HarnessBridge> onClose;
    private ScriptHarness harness;
    private Bridge caches;

    /**
     * @param engine  the test run's polyglot engine, which every harness's worker contexts share
     * @param onClose what the test run does when this harness closes (it forgets it)
     */
    HarnessBridge(int workers, org.graalvm.polyglot.Engine engine, java.util.function.Consumer<HarnessBridge> onClose) {
        this.workers = workers;
        this.engine = engine;
        this.onClose = onClose;
    }

    /**
     * Loads the script; null when it loaded, else why not (the script's traceback when it raised).
     *
     * @param httpYaml the http.yaml text to run under (JSON is YAML), or null for the defaults
     * @param cacheNames the caches to declare (as siphon.yaml's {@code cache:} would, local), or none
     */
    @HostAccess.Export
    public String load(String script, String httpYaml, Value cacheNames) {
        if (harness != null) {
            return "a script is loaded already: one script per harness";
        }
        try {
            HttpConfig config = httpYaml == null ? HttpConfig.defaults()
                    : ConfigLoader.parse(httpYaml, "harness config", Path.of(script).toAbsolutePath().getParent(),
                            System::getenv);
            List<CacheConfig> declared = new ArrayList<>();
            for (long i = 0; i < cacheNames.getArraySize(); i++) {
                declared.add(CacheConfig.local(cacheNames.getArrayElement(i).asString()));
            }
            harness = ScriptHarness.builder(Path.of(script)).config(config).caches(declared).workers(workers)
                    .outbound(outbound).engine(engine).start();
            caches = new Bridge(null, harness.caches(), harness.pool().clients(), harness.pool().scriptMetrics());
            return null;
        } catch (ConfigException | ScriptException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private ScriptHarness harness() {
        if (harness == null) {
            throw new IllegalStateException("no script loaded (or the harness is closed): call load_script or "
                    + "load_source first");
        }
        return harness;
    }

    /** Runs the on_startup hooks; null, or the first hook's failure. */
    @HostAccess.Export
    public String runStartup() {
        try {
            harness().runStartup();
            return null;
        } catch (ScriptException | IllegalStateException e) {
            return e.getMessage();
        }
    }

    @HostAccess.Export
    public void runShutdown() {
        harness().runShutdown();
    }

    /**
     * One request; the answer as {status, name, value, ..., body (Latin-1)}.
     *
     * @param tls  {protocol, cipher suite, ALPN or null, server name or null}, or null for cleartext
     * @param cert {subject, issuer, SAN...}, or null for no client certificate
     */
    @HostAccess.Export
    public String[] request(String method, String target, Value headers, String body, String client, Value tls,
                            Value cert) {
        ScriptHarness.Answer a;
        try {
            a = harness().request(method, target, fields(headers),
                    body == null ? null : body.getBytes(StandardCharsets.ISO_8859_1), client, tls(tls, cert));
        } catch (IllegalArgumentException e) {
            return new String[] {"error", e.getMessage()};
        } catch (ScriptHarness.BodyCutException e) {
            return new String[] {"cut", e.getMessage()};
        }
        return flat(a.status(), a.headers(), a.body());
    }

    /**
     * One request read as it comes ({@link ScriptHarness#open}): a {@link Streamed}, or {"error",
     * why} for a request that cannot be written.
     */
    @HostAccess.Export
    public Object open(String method, String target, Value headers, String body, String client, Value tls,
                       Value cert) {
        try {
            return new Streamed(harness().open(method, target, fields(headers),
                    body == null ? null : body.getBytes(StandardCharsets.ISO_8859_1), client, tls(tls, cert)));
        } catch (IllegalArgumentException e) {
            return new String[] {"error", e.getMessage()};
        }
    }

    /** A {@link ScriptHarness.StreamedAnswer} for Python: its head, then its chunks. */
    public static final class Streamed {
        private final ScriptHarness.StreamedAnswer answer;

        Streamed(ScriptHarness.StreamedAnswer answer) {
            this.answer = answer;
        }

        /** {status, name, value, ..., ""}. */
        @HostAccess.Export
        public String[] head() {
            return flat(answer.status(), answer.headers(), new byte[0]);
        }

        /** {"chunk", bytes (Latin-1)}, {"end"}, {"cut", why} or {"timeout"}. */
        @HostAccess.Export
        public String[] next(long timeoutMs) {
            try {
                byte[] c = answer.next(timeoutMs);
                return c == null ? new String[] {"end"}
                        : new String[] {"chunk", new String(c, StandardCharsets.ISO_8859_1)};
            } catch (ScriptHarness.BodyCutException e) {
                return new String[] {"cut", e.getMessage()};
            } catch (java.util.concurrent.TimeoutException e) {
                return new String[] {"timeout"};
            }
        }

        @HostAccess.Export
        public void close() {
            answer.close();
        }
    }

    private static String[] flat(int status, List<Map.Entry<String, String>> headers, byte[] body) {
        String[] out = new String[2 + 2 * headers.size()];
        out[0] = Integer.toString(status);
        int k = 1;
        for (Map.Entry<String, String> e : headers) {
            out[k++] = e.getKey();
            out[k++] = e.getValue();
        }
        out[k] = new String(body, StandardCharsets.ISO_8859_1);
        return out;
    }

    private static Map<String, String> fields(Value headers) {
        Map<String, String> h = new LinkedHashMap<>();
        for (long i = 0; i + 1 < headers.getArraySize(); i += 2) {
            h.merge(headers.getArrayElement(i).asString(), headers.getArrayElement(i + 1).asString(),
                    (a, b) -> a + ", " + b);
        }
        return h;
    }

    private static TlsInfo tls(Value tls, Value cert) {
        TlsInfo t = null;
        if (!tls.isNull()) {
            ClientCert c = null;
            if (!cert.isNull()) {
                List<String> sans = new ArrayList<>();
                for (long i = 2; i < cert.getArraySize(); i++) {
                    sans.add(cert.getArrayElement(i).asString());
                }
                c = new ClientCert(cert.getArrayElement(0).asString(), cert.getArrayElement(1).asString(), sans,
                        List.of());
            }
            t = new TlsInfo(tls.getArrayElement(0).asString(), tls.getArrayElement(1).asString(),
                    str(tls.getArrayElement(2)), str(tls.getArrayElement(3)), c);
        }
        return t;
    }

    private static String str(Value v) {
        return v.isNull() ? null : v.asString();
    }

    // ---- canned answers ----

    private static HarnessOutbound.Canned canned(int status, Value headers, String body, String kind, String message) {
        if (kind != null) {
            return HarnessOutbound.Canned.failure(kind, message);
        }
        Map<String, String> h = new LinkedHashMap<>();
        for (long i = 0; i + 1 < headers.getArraySize(); i += 2) {
            h.put(headers.getArrayElement(i).asString(), headers.getArrayElement(i + 1).asString());
        }
        return HarnessOutbound.Canned.response(status, h, body.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Queues ({@code path} null and {@code fallback} false), sets for a path, or sets the default
     * answer: a response, or with {@code kind} not null a failure of that error kind.
     */
    @HostAccess.Export
    public void answer(String path, boolean fallback, int status, Value headers, String body, String kind,
                       String message) {
        HarnessOutbound.Canned c = canned(status, headers, body, kind, message);
        if (fallback) {
            outbound.setDefault(c);
        } else if (path != null) {
            outbound.set(path, c);
        } else {
            outbound.add(c);
        }
    }

    @HostAccess.Export
    public void passThrough(String prefix) {
        outbound.passThrough(prefix);
    }

    /** The calls made, each {method, path, url, name, base URL, body (Latin-1), header name, value, ...}. */
    @HostAccess.Export
    public String[][] sent() {
        List<HarnessOutbound.Sent> s = outbound.sent();
        String[][] out = new String[s.size()][];
        for (int i = 0; i < out.length; i++) {
            HarnessOutbound.Sent x = s.get(i);
            String[] a = new String[6 + 2 * x.headers().size()];
            a[0] = x.method();
            a[1] = x.path();
            a[2] = x.url();
            a[3] = x.name();
            a[4] = x.baseUrl();
            a[5] = new String(x.body(), StandardCharsets.ISO_8859_1);
            int k = 6;
            for (Map.Entry<String, String> e : x.headers().entrySet()) {
                a[k++] = e.getKey();
                a[k++] = e.getValue();
            }
            out[i] = a;
        }
        return out;
    }

    /**
     * The queued answers not taken yet: {status, body (Latin-1), header name, value, ...} for a
     * response, {"-1", error kind, message} for a failure.
     */
    @HostAccess.Export
    public String[][] pending() {
        return outbound.pending().stream().map(c -> {
            if (c.errorKind() != null) {
                return new String[] {"-1", c.errorKind(), c.errorMessage()};
            }
            List<String> a = new ArrayList<>(List.of(Integer.toString(c.status()),
                    new String(c.body(), StandardCharsets.ISO_8859_1)));
            c.headers().forEach((k, v) -> {
                a.add(k);
                a.add(v);
            });
            return a.toArray(String[]::new);
        }).toArray(String[][]::new);
    }

    @HostAccess.Export
    public String[] unexpected() {
        return outbound.unexpected().toArray(String[]::new);
    }

    @HostAccess.Export
    public void clearUnexpected() {
        outbound.clearUnexpected();
    }

    @HostAccess.Export
    public void resetOutbound() {
        outbound.reset();
    }

    // ---- log ----

    /** {level, message, level, message, ...}, oldest first. */
    @HostAccess.Export
    public String[] log() {
        if (harness == null) {
            return new String[0];
        }
        List<ScriptHarness.LogLine> lines = harness.log();
        String[] out = new String[2 * lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            out[2 * i] = lines.get(i).level();
            out[2 * i + 1] = lines.get(i).message();
        }
        return out;
    }

    @HostAccess.Export
    public void clearLog() {
        if (harness != null) {
            harness.clearLog();
        }
    }

    // ---- timers and metrics ----

    /** {name, period ms, jitter ms, ...} of the @timer.every jobs. */
    @HostAccess.Export
    public String[] timers() {
        List<String> out = new ArrayList<>();
        harness().timers().forEach((n, v) -> {
            out.add(n);
            out.add(Long.toString(v[0]));
            out.add(Long.toString(v[1]));
        });
        return out.toArray(String[]::new);
    }

    /** {key, delay ms, ...} of the timer.set timers armed now. */
    @HostAccess.Export
    public String[] armedTimers() {
        List<String> out = new ArrayList<>();
        harness().armedTimers().forEach((k, d) -> {
            out.add(k);
            out.add(Long.toString(d));
        });
        return out.toArray(String[]::new);
    }

    /** Runs a job now; null, or why it failed (its traceback). */
    @HostAccess.Export
    public String runTimer(String name) {
        try {
            harness().runTimer(name);
            return null;
        } catch (ScriptException e) {
            return e.getMessage();
        }
    }

    /** Fires an armed timer now; null, or why it failed (its traceback). */
    @HostAccess.Export
    public String fireTimer(String key) {
        try {
            harness().fireTimer(key);
            return null;
        } catch (ScriptException e) {
            return e.getMessage();
        }
    }

    @HostAccess.Export
    public String metricsText() {
        return harness().metricsText();
    }

    // ---- cache: the worker's cache calls, from the test's thread ----

    /** The bridge whose cacheCall, cacheResult, cacheError and cacheHas the test's {@code harness.cache} calls. */
    @HostAccess.Export
    public Bridge caches() {
        harness();
        return caches;
    }

    /** The names of the caches that exist now (declared, or made on first use). */
    @HostAccess.Export
    public String[] cacheNames() {
        return harness().caches().names().toArray(String[]::new);
    }

    /**
     * Closes the harness and lets go of it: the test's Python object may outlive its test (a
     * fixture's value, a traceback), and must not keep a closed pool's workers alive with it.
     */
    @Override
    @HostAccess.Export
    public void close() {
        ScriptHarness h = harness;
        harness = null;
        caches = null;
        if (h != null) {
            h.close();
        }
        onClose.accept(this);
    }
}

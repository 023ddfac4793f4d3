package dev.siphon.http.py;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.HttpConfig;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A siphon script under test, served by the real engine without a listening socket: the script
 * runs in real worker contexts; each {@link #request} is parsed, limited, routed, queued to a
 * worker, run through the middleware and the handler, and answered exactly as on an HTTP/1.1
 * connection ({@link HttpEngine.InProcess}); the answer is read back from the bytes the engine
 * wrote. The script's {@code http.Client} calls get canned answers ({@link #outbound()}) unless
 * a test lets them through to a real upstream; what it logs is kept ({@link #log()}).
 *
 * <p>{@code bin/siphon-http test tests/} runs Python test files against it (docs/testing.md); a
 * Java host's JUnit tests use it directly:
 *
 * <pre>{@code
 * try (ScriptHarness h = ScriptHarness.builder(Path.of("app.py")).start()) {
 *     h.outbound().add(HarnessOutbound.Canned.response(200, Map.of(), "{}".getBytes()));
 *     h.runStartup();
 *     ScriptHarness.Answer a = h.request("GET", "/users/42", Map.of(), null);
 *     assertEquals(200, a.status());
 * }
 * }</pre>
 *
 * The {@code on_startup} hooks run only when asked ({@link #runStartup}), as in the siphon SDK's
 * harness, so a test can queue answers for them first; the {@code on_shutdown} hooks run when
 * asked ({@link #runShutdown}) or at {@link #close}, as when a server stops, in the workers whose
 * {@code on_startup} hooks ran.
 */
public final class ScriptHarness implements AutoCloseable {
    /** How long {@link #request} waits past the route's request_timeout_ms for the engine's answer. */
    private static final long ANSWER_SLACK_MS = 5_000;

    /** A line the script logged: level "debug", "info", "warn" or "error". */
    public record LogLine(String level, String message) {}

    /** The engine's answer: status, header fields in order (names lower-case), and body (empty for HEAD). */
    public record Answer(int status, List<Map.Entry<String, String>> headers, byte[] body) {
        /** The first value of field {@code name}, or null. */
        public String header(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            for (Map.Entry<String, String> e : headers) {
                if (e.getKey().equals(n)) {
                    return e.getValue();
                }
            }
            return null;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A streaming response's body could not be read to its end (its iterator raised or yielded
     * something but bytes or str, or its length differs from the content-length it gave): a
     * client would see it cut short. The message says why, with the script's traceback.
     */
    public static final class BodyCutException extends IllegalStateException {
        BodyCutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * An answer read as it comes ({@link #open}): its status and header fields as written (a
     * streaming response's {@code content-length}, else {@code transfer-encoding: chunked}), and
     * its body a chunk at a time. Closing it before the end is the client leaving: the script's
     * iterator is closed.
     */
    public static final class StreamedAnswer implements AutoCloseable {
        private final Answer head;
        private final dev.siphon.http.BodyStream body;
        private final long declared;
        private long read;
        private boolean done;

        StreamedAnswer(Answer head, dev.siphon.http.BodyStream body) {
            this.head = head;
            this.body = body;
            String cl = body == null ? null : head.header("content-length");
            this.declared = cl == null ? -1 : Long.parseLong(cl);
        }

        public int status() {
            return head.status();
        }

        public List<Map.Entry<String, String>> headers() {
            return head.headers();
        }

        /**
         * The next chunk of the body (a whole answer's body is one), or null at its end.
         *
         * @throws TimeoutException  when no chunk came within {@code timeoutMs} (the answer is closed)
         * @throws BodyCutException  when the body failed, as {@link #request} throws it
         */
        public synchronized byte[] next(long timeoutMs) throws TimeoutException {
            if (done) {
                return null;
            }
            if (body == null) {
                done = true;
                return head.body().length == 0 ? null : head.body();
            }
            byte[] c;
            try {
                c = body.read().get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted waiting for a chunk", e);
            } catch (ExecutionException e) {
                done = true;
                throw cut(e.getCause());
            } catch (TimeoutException e) {
                close();
                throw e;
            }
            if (c == null) {
                done = true;
                if (declared >= 0 && read != declared) {
                    throw new BodyCutException("the streaming response's body is " + read
                            + " bytes, its content-length says " + declared, null);
                }
                return null;
            }
            read += c.length;
            return c;
        }

        /** The client leaves: the rest of the body is not wanted. */
        @Override
        public synchronized void close() {
            if (!done) {
                done = true;
                if (body != null) {
                    body.cancel(new dev.siphon.http.BodyStream.CancelledException("the test closed the response"));
                }
            }
        }
    }

    /** Why a body was cut: the producer's failure, and the script's traceback when there is one. */
    static BodyCutException cut(Throwable failure) {
        Throwable t = failure;
        String why = null;
        String traceback = null;
        while (t != null) {
            if (t instanceof ScriptException se) {
                traceback = se.getMessage();
            } else if (why == null && !(t instanceof java.util.concurrent.CompletionException)
                    && !(t instanceof HttpEngine.InProcess.BodyCutException) && t.getMessage() != null) {
                why = t.getMessage();
            }
            t = t.getCause();
        }
        if (why == null) {
            why = String.valueOf(failure);
        }
        return new BodyCutException(traceback == null ? why : why + ":\n" + traceback, failure);
    }

    private static final String[] LEVELS = {"debug", "info", "warn", "error"};

    private final WorkerPool pool;
    private final HttpEngine.InProcess engine;
    private final HarnessOutbound outbound;
    private final List<LogLine> log;
    private final long answerTimeoutMs;
    private final boolean manyWorkers;
    private final long shutdownHooksTimeoutMs;
    private boolean started;

    private ScriptHarness(WorkerPool pool, HttpEngine.InProcess engine, HarnessOutbound outbound, List<LogLine> log,
                          long answerTimeoutMs, long shutdownHooksTimeoutMs) {
        this.shutdownHooksTimeoutMs = shutdownHooksTimeoutMs;
        this.pool = pool;
        this.engine = engine;
        this.outbound = outbound;
        this.log = log;
        this.answerTimeoutMs = answerTimeoutMs;
        this.manyWorkers = pool.size() > 1;
    }

    public static Builder builder(Path script) {
        return new Builder(script);
    }

    /** Options of a harness; {@link #start()} loads the script. */
    public static final class Builder {
        private final Path script;
        private HttpConfig config = HttpConfig.defaults();
        private List<CacheConfig> caches = List.of();
        private final Map<String, Object> namespaces = new LinkedHashMap<>();
        private int workers = 1;
        private HarnessOutbound outbound = new HarnessOutbound();
        private org.graalvm.polyglot.Engine engine;

        private Builder(Path script) {
            this.script = Objects.requireNonNull(script, "script");
        }

        /** The http.yaml the script would run under: its clients, its first server's limits, engine settings. */
        public Builder config(HttpConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** siphon.yaml's {@code cache:} entries; none: every name is a local cache. */
        public Builder caches(List<CacheConfig> caches) {
            this.caches = List.copyOf(caches);
            return this;
        }

        /** As {@link PythonServer.Builder#namespace}. */
        public Builder namespace(String name, Object target) {
            namespaces.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(target, "target"));
            return this;
        }

        /** Worker contexts (default 1); with more, requests go to them as when serving. */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1, was " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Canned answers made before the script loads (module code may call out); by default an empty set. */
        public Builder outbound(HarnessOutbound outbound) {
            this.outbound = Objects.requireNonNull(outbound, "outbound");
            return this;
        }

        /** The polyglot engine to make the worker contexts on, which outlives the harness (a test run's). */
        Builder engine(org.graalvm.polyglot.Engine shared) {
            this.engine = shared;
            return this;
        }

        /**
         * Loads the script in the first worker and registers its routes.
         *
         * @throws ScriptException when the script raises at import (the message holds its
         *     traceback) or registers a route the router refuses
         */
        public ScriptHarness start() throws ScriptException {
            List<LogLine> log = java.util.Collections.synchronizedList(new ArrayList<>());
            WorkerPool pool = WorkerPool.loadFirst(script, workers, config.clients(), caches, namespaces, outbound,
                    (message, level) -> log.add(new LogLine(LEVELS[level], message)), engine);
            try {
                HttpEngine.Builder b = HttpEngine.builder().config(config);
                PythonServer.register(b, pool, script);
                long timeout = config.servers().isEmpty()
                        ? dev.siphon.http.config.ServerConfig.DEFAULT_REQUEST_TIMEOUT_MS
                        : config.servers().get(0).requestTimeoutMs();
                return new ScriptHarness(pool, b.startInProcess(), outbound, log, timeout + ANSWER_SLACK_MS,
                        config.engine().shutdownHooksTimeoutMs());
            } catch (ScriptException | RuntimeException e) {
                pool.close();
                throw e;
            }
        }
    }

    /** The canned answers to the script's outbound calls, and the record of them. */
    public HarnessOutbound outbound() {
        return outbound;
    }

    /** What the script logged so far, oldest first. */
    public List<LogLine> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public void clearLog() {
        log.clear();
    }

    /**
     * Runs the {@code @http.on_startup} hooks to completion (and, with several workers, starts
     * the others, which run theirs); the first that raises is thrown.
     */
    public void runStartup() throws ScriptException {
        if (started) {
            throw new IllegalStateException("the on_startup hooks already ran");
        }
        started = true;
        pool.runStartupHooks();
        if (manyWorkers) {
            try {
                pool.startRest().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScriptException("interrupted while starting the workers", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof ScriptException se ? se
                        : new ScriptException(String.valueOf(e.getCause()), e.getCause());
            }
        }
    }

    /** Runs the {@code @http.on_shutdown} hooks (once; engine.shutdown_hooks_timeout_ms of the config bounds them). */
    public void runShutdown() {
        pool.runShutdownHooks(shutdownHooksTimeoutMs);
    }

    /** {@link #request(String, String, Map, byte[], String, TlsInfo)} from 127.0.0.1 over cleartext. */
    public Answer request(String method, String target, Map<String, String> headers, byte[] body) {
        return request(method, target, headers, body, "127.0.0.1:0", null);
    }

    /**
     * Sends one request through the engine and waits for its answer.
     *
     * @param target  the request-target: a path with an optional {@code ?query}, percent-encoded as on the wire
     * @param headers fields to send; {@code host} defaults to {@code localhost}, {@code content-length}
     *                is the body's
     * @param body    the body, or null for none
     * @param client  the client's address, {@code ip:port}
     * @param tls     the TLS the request came over, or null for cleartext
     * @throws IllegalArgumentException for a method, target or field that cannot be written on
     *     HTTP/1.1 at all (CR, LF); one the engine refuses (a space in the target) is answered by it
     */
    public Answer request(String method, String target, Map<String, String> headers, byte[] body, String client,
                          TlsInfo tls) {
        byte[] raw = encode(method, target, headers, body);
        try {
            byte[] answer = engine.exchange(raw, address(client), tls).get(answerTimeoutMs, TimeUnit.MILLISECONDS);
            return parse(answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the answer to " + method + " " + target, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HttpEngine.InProcess.BodyCutException) {
                throw cut(e.getCause());
            }
            throw new IllegalStateException("the engine failed on " + method + " " + target + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer to " + method + " " + target + " within " + answerTimeoutMs
                    + " ms", e);
        }
    }

    /**
     * As {@link #request(String, String, Map, byte[], String, TlsInfo)}, returning at the
     * response's head: a streaming response's body is read a chunk at a time from the answer,
     * as a client reads it (server-sent events); other requests may go meanwhile.
     */
    public StreamedAnswer open(String method, String target, Map<String, String> headers, byte[] body, String client,
                               TlsInfo tls) {
        byte[] raw = encode(method, target, headers, body);
        try {
            HttpEngine.InProcess.Streamed s = engine.open(raw, address(client), tls)
                    .get(answerTimeoutMs, TimeUnit.MILLISECONDS);
            return new StreamedAnswer(parse(s.head()), s.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the answer to " + method + " " + target, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the engine failed on " + method + " " + target + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer to " + method + " " + target + " within " + answerTimeoutMs
                    + " ms", e);
        }
    }

    private static byte[] encode(String method, String target, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder();
        head.append(line(method)).append(' ').append(line(target)).append(" HTTP/1.1\r\n");
        boolean host = false;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String name = line(e.getKey());
            if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")) {
                continue; // the body's own length is sent
            }
            host |= name.equalsIgnoreCase("host");
            head.append(name).append(": ").append(line(e.getValue())).append("\r\n");
        }
        if (!host) {
            head.append("host: localhost\r\n");
        }
        int n = body == null ? 0 : body.length;
        if (n > 0 || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            head.append("content-length: ").append(n).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + n);
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        if (n > 0) {
            out.write(body, 0, n);
        }
        return out.toByteArray();
    }

    private static String line(String s) {
        if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("CR or LF in " + s.replace("\r", "\\r").replace("\n", "\\n"));
        }
        return s;
    }

    private static InetSocketAddress address(String client) {
        int colon = client.lastIndexOf(':');
        String host = colon < 0 ? client : client.substring(0, colon);
        int port;
        try {
            port = colon < 0 ? 0 : Integer.parseInt(client.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("client must be an IP address and port, ip:port, was " + client, e);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // a literal only: InetAddress.getByName would look a host name up in DNS
        if (!(host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+")))) {
            throw new IllegalArgumentException("client must be an IP address and port, ip:port, was " + client);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException("client must be an IP address and port, ip:port, was " + client, e);
        }
    }

    /** Reads the engine's HTTP/1.1 answer: status line, fields, and a body of content-length bytes. */
    static Answer parse(byte[] raw) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IllegalStateException("the engine's answer has no complete head");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(Map.entry(lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                    new String(lines[i].substring(colon + 1).strip().getBytes(StandardCharsets.ISO_8859_1),
                            StandardCharsets.UTF_8)));
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        return new Answer(status, List.copyOf(headers), body);
    }

    private static int indexOf(byte[] a, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= a.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (a[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The script's {@code @timer.every} jobs: name to {period ms, jitter ms}. */
    public Map<String, long[]> timers() {
        return pool.timers().jobs();
    }

    /** The {@code timer.set} timers armed now: key to the delay they were armed with (ms). */
    public Map<String, Long> armedTimers() {
        return pool.timers().armed();
    }

    /**
     * Runs {@code @timer.every} job {@code name} once now, on its worker, to completion (time does
     * not pass for its schedule, which goes on as it was).
     *
     * @throws ScriptException when the job raised (its traceback), or there is no such job
     */
    public void runTimer(String name) throws ScriptException {
        awaitRun(pool.timers().runNow(name), "@timer.every job '" + name + "'");
    }

    /** Fires the {@code timer.set} timer armed under {@code key} now, to the end of its handler; as {@link #runTimer}. */
    public void fireTimer(String key) throws ScriptException {
        awaitRun(pool.timers().fireNow(key), "the timer.set handler for '" + key + "'");
    }

    private void awaitRun(java.util.concurrent.CompletableFuture<String> run, String what) throws ScriptException {
        String traceback;
        try {
            traceback = run.get(answerTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptException("interrupted while " + what + " ran", e);
        } catch (ExecutionException e) {
            throw new ScriptException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ScriptException(what + " did not end within " + answerTimeoutMs + " ms", e);
        }
        if (traceback != null) {
            throw new ScriptException(what + " raised:\n" + traceback.stripTrailing());
        }
    }

    /** What the script's metrics ({@code from siphon import metrics}) hold now, in Prometheus' text format. */
    public String metricsText() {
        return pool.scriptMetrics().registry().scrape(dev.siphon.http.metrics.Exposition.negotiate("text/plain"));
    }

    /** The caches the script sees (for a test context's {@code harness.cache}). */
    Caches caches() {
        return pool.caches();
    }

    WorkerPool pool() {
        return pool;
    }

    /** Stops the engine, runs the {@code on_shutdown} hooks (unless they ran, or no {@code on_startup} hook did), stops the workers. */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            pool.close();
        }
    }
}

package dev.siphon.http.client;

import dev.siphon.http.BodyStream;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.config.Bounds;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.TlsProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An asynchronous HTTP/1.1 and HTTP/2 client (h2 over TLS, h2c with prior knowledge) over an
 * in-house keep-alive connection pool per origin.
 *
 * <pre>{@code
 * try (HttpClient client = HttpClient.builder().baseUrl("http://127.0.0.1:8080/api/").build()) {
 *     ClientResponse r = client.get("users/42").join();   // GET http://127.0.0.1:8080/api/users/42
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> The client owns {@code ioLoops} of the engine's {@link EventLoop}s (virtual
 * threads by default) and one timer thread ("siphon-client-timer") for connect, request, pool-wait
 * and idle timeouts. Each origin's pool lives on one loop, chosen round robin when the origin is
 * first used, so a pool needs no lock. Requests may be sent from any thread. Futures complete
 * <em>on the loop</em>: a dependent stage added without an executor runs there and must not block
 * (use the {@code ...Async} variants for anything that does).
 *
 * <p><b>URLs.</b> A request URL that starts with {@code http://} or {@code https://} is used as
 * is; any other is appended to the base URL without its trailing slashes, as the original
 * siphon-http does ({@link UrlResolver}: base {@code https://h/v20.0} and {@code "/1/messages"}
 * give {@code https://h/v20.0/1/messages}). A client with a base URL sends only to that URL's
 * origin: an absolute URL to another fails with {@link OriginNotAllowedException} before anything
 * is sent (a relative one cannot name another host), so that
 * neither a URL built from request data nor a mistake sends the client's identity (its mutual-TLS
 * certificate, the headers the caller adds) elsewhere; {@link Builder#allowOtherOrigins} lifts this.
 *
 * <p><b>Memory.</b> A response body is buffered whole, up to {@link Builder#maxResponseBodyBytes}
 * (a declared length over the cap fails at once); its buffer grows with the bytes that arrive,
 * never sized up front from a Content-Length. Each origin's pool is made on its first request;
 * its connections close after {@link Builder#idleTimeoutMs} idle, and the pool itself is dropped
 * once it has no connection, no waiter and no request for as long, so a client that calls many
 * origins holds what the recent ones need.
 *
 * <p><b>Streamed bodies.</b> {@link #sendStream} sends a request body from a {@link BodyStream}
 * as it is produced, {@link #sendStreaming} hands back the response once its head arrived, with a
 * body that flows into a {@link BodyStream} as it arrives ({@link StreamingResponse}); both ways
 * the client moves bytes only as fast as the other side takes them, so a body of any length
 * holds about one stream window of memory. See {@link #sendStreaming} for what differs.
 *
 * <p><b>Failures</b> complete the future with a {@link ClientException} subtype (see there).
 * Cancelling a future ({@code cancel}, {@code orTimeout}, {@code completeExceptionally}) frees
 * what the request holds: a queued request leaves the queue, an HTTP/1.1 exchange in flight
 * closes its connection, an HTTP/2 stream is reset.
 *
 * <p><b>https.</b> Through the {@link TlsProvider} on the class path (siphon-tls: BouncyCastle's
 * JSSE provider over JDK crypto, TLS 1.3 and 1.2, AEAD suites). The server's certificate must
 * chain to the system roots, or only to the {@link Builder#verify verify} bundle when one is set,
 * and be valid for the URL's host (an IP literal against the certificate's IP addresses); a host
 * name goes out as SNI. ALPN offers "h2" then "http/1.1" and the connection speaks what the server
 * chose. {@link Builder#clientCert} presents a client certificate for mutual TLS. The connect
 * timeout covers the TCP connect and the handshake. Failures complete the future with a
 * {@link TlsException} saying what went wrong (untrusted certificate, name mismatch, a server
 * wanting a client certificate, a reply that is not TLS).
 *
 * <p><b>Proxies.</b> With {@link Builder#proxy} or {@link Builder#proxyFromEnvironment} (the
 * default of a client made from a {@code clients:} entry, as in the original), requests go
 * through an HTTP proxy ({@link ProxyRules} says which, and which hosts bypass it): https:// in a
 * CONNECT tunnel with TLS to the origin inside, http:// in absolute form. Connections through a
 * proxy are pooled apart from direct ones (a pool per origin and proxy). A proxy that will not
 * open the tunnel fails the request with {@link ProxyConnectException}.
 *
 * <p>{@link #close()} fails what is in flight, closes every socket, stops every thread and
 * returns every pooled buffer ({@link #buffersOutstanding()} is then 0). Thread-safe.
 *
 * <p><b>Fatal errors.</b> An {@link Error} on one of the client's threads (a loop, the timer, a
 * name resolution) is logged once with its stack trace; the client then closes itself (what is
 * in flight fails with {@link ConnectionClosedException}) and calls the
 * {@link Builder#onFatalError handler} once, on a thread of its own. Requests sent after that
 * fail at once: the client never goes on with a dead loop whose requests would never complete.
 */
public final class HttpClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.http.client");
    private static final byte[] EMPTY = new byte[0];

    /**
     * Everything a client is configured with; see {@link Builder} for each setting.
     */
    public record Settings(String baseUrl, long timeoutMs, long connectTimeoutMs, long poolWaitTimeoutMs,
                           int poolSize, int maxConnections, ProxyRules proxies, int maxWaiters, long idleTimeoutMs, boolean http2PriorKnowledge,
                           long maxResponseBodyBytes, int maxResponseHeadBytes, int maxResponseFields,
                           int ioLoops, LoopThreads loopThreads, int bufferSize, Path verify, Path clientCert,
                           Path clientKey, boolean http2OverTls, boolean allowOtherOrigins,
                           boolean followRedirects) {}

    /** Redirects followed in a row at most; the next one fails with {@link TooManyRedirectsException}. */
    public static final int MAX_REDIRECTS = 10;

    private final Settings settings;
    private final String name; // for messages: "clients.api", or "client" when built in Java
    /** The base URL's origin, the only one requests may go to; null when any may. */
    private final Origin home;
    private volatile ClientTls tls; // made at build() when verify or cert is set, else on the first https:// request
    private final EventLoop[] loops;
    private final Thread[] threads;
    private final Timer timer;
    private final FatalErrorHandler fatalErrorHandler;
    private final AtomicBoolean failed = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
    private final ConcurrentHashMap<ConnectionPool.Route, ConnectionPool> pools = new ConcurrentHashMap<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private volatile boolean closed;

    private HttpClient(Settings settings, String clientName, ClientTls tls, FatalErrorHandler fatalErrorHandler) {
        this.settings = settings;
        this.name = clientName;
        this.home = settings.baseUrl() == null || settings.allowOtherOrigins() ? null
                : UrlResolver.resolve(settings.baseUrl(), settings.baseUrl()).origin();
        this.tls = tls;
        this.fatalErrorHandler = fatalErrorHandler;
        this.loops = new EventLoop[settings.ioLoops()];
        this.threads = new Thread[loops.length];
        this.timer = new Timer(this);
        timer.setRemoveOnCancelPolicy(true);
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EventLoop(i, settings.bufferSize(), this::fail);
            String name = "siphon-client-loop-" + i;
            threads[i] = settings.loopThreads() == LoopThreads.PLATFORM
                    ? Thread.ofPlatform().name(name).daemon(true).start(loops[i])
                    : Thread.ofVirtual().name(name).start(loops[i]);
        }
        long sweep = Math.max(50, Math.min(1000, settings.idleTimeoutMs() / 2));
        timer.scheduleWithFixedDelay(this::sweepIdle, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A client with the settings of a {@code clients:} entry of http.yaml. */
    public static HttpClient of(ClientConfig config) {
        return builder().config(config).build();
    }

    public Settings settings() {
        return settings;
    }

    public CompletableFuture<ClientResponse> get(String url) {
        return send("GET", url, Map.of(), null);
    }

    public CompletableFuture<ClientResponse> get(String url, Map<String, String> headers) {
        return send("GET", url, headers, null);
    }

    public CompletableFuture<ClientResponse> post(String url, byte[] body) {
        return send("POST", url, Map.of(), body);
    }

    public CompletableFuture<ClientResponse> post(String url, byte[] body, Map<String, String> headers) {
        return send("POST", url, headers, body);
    }

    public CompletableFuture<ClientResponse> put(String url, byte[] body) {
        return send("PUT", url, Map.of(), body);
    }

    public CompletableFuture<ClientResponse> put(String url, byte[] body, Map<String, String> headers) {
        return send("PUT", url, headers, body);
    }

    public CompletableFuture<ClientResponse> patch(String url, byte[] body) {
        return send("PATCH", url, Map.of(), body);
    }

    public CompletableFuture<ClientResponse> patch(String url, byte[] body, Map<String, String> headers) {
        return send("PATCH", url, headers, body);
    }

    public CompletableFuture<ClientResponse> delete(String url) {
        return send("DELETE", url, Map.of(), null);
    }

    public CompletableFuture<ClientResponse> delete(String url, Map<String, String> headers) {
        return send("DELETE", url, headers, null);
    }

    /**
     * Sends one request. Any thread.
     *
     * @param method  a token, upper-cased for you ("get" sends GET)
     * @param url     absolute, or relative to the base URL; on a client with a base URL, another
     *                origin than the base URL's fails the future with {@link OriginNotAllowedException}
     *                unless {@link Builder#allowOtherOrigins} was set
     * @param headers extra fields, or null; framing and connection fields (Content-Length,
     *                Transfer-Encoding, Connection, Keep-Alive, Proxy-Connection, TE, Upgrade) are
     *                the client's and are dropped; a Host field replaces the one derived from the URL
     * @param body    the whole request body, or null; sent with Content-Length
     * @throws IllegalArgumentException for a URL that does not resolve to an absolute http(s) URL,
     *     or a method, field name or value that could not be sent safely (CR, LF, NUL)
     */
    public CompletableFuture<ClientResponse> send(String method, String url, Map<String, String> headers,
                                                  byte[] body) {
        return start(call(method, url, headers, body, null, -1), BUFFERED);
    }

    /**
     * Sends one request whose body is produced while it goes out, and buffers the response as
     * {@link #send} does. Any thread. The client is the stream's reader: it takes chunks only as
     * fast as the socket (and on HTTP/2 the peer's stream and connection windows) takes them, so
     * the producer waits ({@link BodyStream#write}, {@link BodyStream#onDemand}) rather than the
     * body piling up; a stream of any length holds about its window of memory.
     *
     * <p>Over HTTP/1.1 the body goes chunked, or with the caller's {@code content-length} when
     * {@code headers} give one (then exactly that many octets must come: a stream that ends short
     * or runs long fails the request with {@link RequestBodyException} and the connection closes,
     * never reused). Over HTTP/2 as DATA frames, END_STREAM at the stream's end. A producer that
     * {@linkplain BodyStream#fail fails} aborts the request: HTTP/1.1 closes the connection without
     * the last chunk, HTTP/2 resets the stream (CANCEL); the future fails with
     * {@link RequestBodyException} (the producer's failure as its cause). When the request fails
     * or the response ends before the body was sent whole, the stream is
     * {@linkplain BodyStream#cancel cancelled}: the producer's writes fail from then on.
     *
     * <p>Such a request is never sent twice: not retried after a connection failed it (which a
     * body in bytes may be), and a 307 or 308 redirect is returned as the response, not followed;
     * 301, 302 and 303 are followed with a GET without a body, as for {@link #send}. The request
     * timeout covers the whole exchange, upload included.
     *
     * @param headers as {@link #send}, but a {@code content-length} field is kept: the body's
     *                length, 1*DIGIT
     * @param body    the request body; the client is its only reader
     * @throws IllegalArgumentException as {@link #send}, and for a content-length that is no number
     */
    public CompletableFuture<ClientResponse> sendStream(String method, String url, Map<String, String> headers,
                                                        BodyStream body) {
        return start(call(method, url, headers, null, Objects.requireNonNull(body, "body"), -1), BUFFERED);
    }

    /** {@link #sendStreaming(String, String, Map, BodyStream, int)} with a body in bytes (or none). */
    public CompletableFuture<StreamingResponse> sendStreaming(String method, String url, Map<String, String> headers,
                                                              byte[] body) {
        return start(call(method, url, headers, body, null, BodyStream.DEFAULT_WINDOW), STREAMING);
    }

    /**
     * Sends one request and completes the future as soon as the response head arrived; the body
     * then flows into {@link StreamingResponse#body()} as it arrives, the client its producer.
     * Any thread. The caller reads the body to its end or cancels it; until then the exchange
     * holds its HTTP/1.1 connection or HTTP/2 stream.
     *
     * <p><b>Backpressure.</b> While the stream holds {@code responseWindow} octets the client
     * stops taking the origin's: HTTP/1.1 stops reading the socket (the origin's writes block),
     * HTTP/2 withholds the stream's WINDOW_UPDATE and credits it as the reader takes bytes, so a
     * stalled reader holds at most {@code responseWindow} plus one socket read (HTTP/1.1), or
     * {@code responseWindow} plus 64 KiB (HTTP/2; the stream's first MiB, its initial window, may
     * arrive before the reader took anything). The HTTP/2 connection window is credited as bytes
     * arrive: other streams go on.
     *
     * <p><b>Ending.</b> A body that ends normally ends the stream, and an HTTP/1.1 connection goes
     * back to the pool. A reader's {@linkplain BodyStream#cancel cancel} closes the HTTP/1.1
     * connection (never reused) or resets the HTTP/2 stream (CANCEL; the connection stays). A
     * broken connection, a reset stream or malformed framing fails the stream with a
     * {@link ClientException} the reader sees after the chunks before it.
     *
     * <p><b>Limits and time.</b> {@link Builder#maxResponseBodyBytes} does not apply: the stream,
     * not the client, holds the body. The request timeout runs until the head arrives (upload
     * included); from then on the body fails with {@link RequestTimeoutException} when no byte of
     * it arrives for {@code timeoutMs} while the reader waits for one (time the stream is full is
     * the reader's, not counted).
     *
     * <p><b>Redirects</b> are followed as by {@link #send} (the redirect's own body is read and
     * dropped, up to 64 KiB, else cancelled), except that with a streamed request body a 307 or
     * 308 is the response (see {@link #sendStream}).
     *
     * @param body           the request body as a stream, or null for none
     * @param responseWindow the response stream's window, octets (at least 1); {@link
     *                       BodyStream#DEFAULT_WINDOW} by default
     * @throws IllegalArgumentException as {@link #send} and {@link #sendStream}, or for a window
     *     below 1
     */
    public CompletableFuture<StreamingResponse> sendStreaming(String method, String url, Map<String, String> headers,
                                                              BodyStream body, int responseWindow) {
        if (responseWindow < 1) {
            throw new IllegalArgumentException("responseWindow must be at least 1, was " + responseWindow);
        }
        return start(call(method, url, headers, null, body, responseWindow), STREAMING);
    }

    /** One request as the caller gave it, checked. */
    private record Call(String method, UrlResolver.Target target, String[] names, String[] values, byte[] body,
                        BodyStream stream, long length, int responseWindow) {}

    private Call call(String method, String url, Map<String, String> headers, byte[] body, BodyStream stream,
                      int responseWindow) {
        String m = checkMethod(method);
        UrlResolver.Target t = UrlResolver.resolve(settings.baseUrl(), Objects.requireNonNull(url, "url"));
        int n = headers == null ? 0 : headers.size();
        String[] names = new String[n];
        String[] values = new String[n];
        int k = 0;
        long length = -1;
        if (headers != null) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                String name = checkFieldName(e.getKey());
                if (isConnectionField(name)) {
                    if (stream != null && name.equalsIgnoreCase("content-length")) {
                        length = contentLength(e.getValue());
                    }
                    continue;
                }
                names[k] = name;
                values[k++] = checkFieldValue(name, e.getValue());
            }
        }
        if (k < n) {
            names = java.util.Arrays.copyOf(names, k);
            values = java.util.Arrays.copyOf(values, k);
        }
        return new Call(m, t, names, values, stream != null || body == null ? EMPTY : body, stream, length,
                responseWindow);
    }

    /** RFC 9110 §8.6: Content-Length = 1*DIGIT. */
    private static long contentLength(String v) {
        String s = v == null ? "" : v.strip();
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("content-length \"" + v + "\" is not a length (RFC 9110 §8.6: digits)");
        }
        return Long.parseLong(s);
    }

    /** How the caller gets a response: whole, or as a head and a stream. */
    private record Kind<R>(Function<ClientExchange, CompletableFuture<R>> future, Function<R, Integer> status,
                           Function<R, String> location, boolean streaming) {}

    private static final Kind<ClientResponse> BUFFERED = new Kind<>(x -> x.future, ClientResponse::status,
            r -> r.header("location"), false);
    private static final Kind<StreamingResponse> STREAMING = new Kind<>(x -> x.headFuture, StreamingResponse::status,
            r -> r.header("location"), true);
    /** A redirect's own body read and dropped before the next hop; past this it is cancelled. */
    private static final int REDIRECT_BODY_DRAIN = 64 * 1024;

    private <R> CompletableFuture<R> start(Call c, Kind<R> kind) {
        if (!settings.followRedirects()) {
            return exchange(c, kind, settings.timeoutMs());
        }
        CompletableFuture<R> result = new CompletableFuture<>();
        hop(result, c, kind, 0, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.timeoutMs()));
        return result;
    }

    /**
     * The absolute URL a {@link #send} of {@code url} goes to, joined onto the base URL as a send
     * joins it (what a test harness records of a call it answers itself).
     *
     * @throws IllegalArgumentException as {@link #send} does for a URL it cannot send to
     */
    public String resolve(String url) {
        UrlResolver.Target t = UrlResolver.resolve(settings.baseUrl(), Objects.requireNonNull(url, "url"));
        return t.origin().scheme() + "://" + t.origin().authority() + t.requestTarget();
    }

    /** One request on its origin's pool, with {@code timeoutMs} to complete. */
    private <R> CompletableFuture<R> exchange(Call c, Kind<R> kind, long timeoutMs) {
        UrlResolver.Target t = c.target();
        ClientException refused = null;
        if (home != null && !home.equals(t.origin())) {
            refused = otherOrigin(t.origin());
        } else if (t.origin().secure() && tls == null) {
            try {
                tls();
            } catch (TlsException e) {
                refused = e;
            }
        }
        if (refused == null && closed) {
            refused = new ConnectionClosedException("client is closed");
        }
        if (refused != null) {
            if (c.stream() != null) {
                c.stream().cancel(refused); // nothing will read it: the producer's writes fail
            }
            return CompletableFuture.failedFuture(refused);
        }
        ConnectionPool pool = pool(new ConnectionPool.Route(t.origin(), settings.proxies().select(t.origin())));
        ClientExchange x = new ClientExchange(pool, c.method(), t.requestTarget(), c.names(), c.values(), c.body(),
                c.stream(), c.length(), kind.streaming() ? new BodyStream(c.responseWindow()) : null);
        x.arm(timeoutMs);
        pool.loop.execute(() -> pool.arrive(x));
        return kind.future().apply(x);
    }

    /**
     * Sends one request of a chain and follows its redirect (RFC 9110 §15.4), as reqwest does: 301,
     * 302 and 303 turn any method but GET and HEAD into GET without a body; 307 and 308 repeat the
     * method and body; a hop to another origin drops Authorization, Cookie and Proxy-Authorization;
     * the whole chain shares one timeout. Cancelling {@code result} cancels the hop in flight. A
     * streamed request body is never sent twice: its 307 and 308 are the answer. A streamed
     * redirect's own body is read and dropped before the next hop.
     */
    private <R> void hop(CompletableFuture<R> result, Call c, Kind<R> kind, int hops, long deadline) {
        String m = c.method();
        UrlResolver.Target t = c.target();
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            RequestTimeoutException e = new RequestTimeoutException("no complete response to " + m + " "
                    + t.requestTarget() + " from " + t.origin() + " within " + settings.timeoutMs()
                    + " ms, redirects included");
            if (c.stream() != null) {
                c.stream().cancel(e);
            }
            result.completeExceptionally(e);
            return;
        }
        CompletableFuture<R> f = exchange(c, kind, left);
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                f.cancel(false);
            }
        });
        f.whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e instanceof java.util.concurrent.CompletionException ce
                        && ce.getCause() != null ? ce.getCause() : e);
                return;
            }
            int s = kind.status().apply(r);
            String location = kind.location().apply(r);
            if (location == null || (s != 301 && s != 302 && s != 303 && s != 307 && s != 308)
                    || (c.stream() != null && s >= 307)) { // a streamed body cannot be sent again
                result.complete(r);
                return;
            }
            if (hops == MAX_REDIRECTS) {
                discard(r);
                result.completeExceptionally(new TooManyRedirectsException(m + " " + t.origin() + t.requestTarget()
                        + " was redirected " + (hops + 1) + " times in a row; the client follows " + MAX_REDIRECTS));
                return;
            }
            UrlResolver.Target next;
            try {
                next = UrlResolver.location(t, location);
            } catch (IllegalArgumentException bad) {
                result.complete(r); // a Location that cannot be followed: the answer is the redirect itself
                return;
            }
            boolean toGet = s <= 303;
            String nm = toGet && !m.equals("HEAD") ? "GET" : m;
            boolean crossOrigin = !next.origin().equals(t.origin());
            String[] names = c.names();
            String[] values = c.values();
            String[] nn = names;
            String[] nv = values;
            if (toGet || crossOrigin) {
                int keep = 0;
                nn = new String[names.length];
                nv = new String[names.length];
                for (int i = 0; i < names.length; i++) {
                    if (!(toGet && isBodyField(names[i])) && !(crossOrigin && isCredentialField(names[i]))) {
                        nn[keep] = names[i];
                        nv[keep++] = values[i];
                    }
                }
                nn = java.util.Arrays.copyOf(nn, keep);
                nv = java.util.Arrays.copyOf(nv, keep);
            }
            Call nextCall = new Call(nm, next, nn, nv, toGet ? EMPTY : c.body(), toGet ? null : c.stream(),
                    toGet ? -1 : c.length(), c.responseWindow());
            if (r instanceof StreamingResponse sr && !sr.body().isDone()) {
                // the redirect's own body: read and dropped (a long one is cancelled), then the next hop
                sr.body().readAll(REDIRECT_BODY_DRAIN).whenComplete((b, x) -> hop(result, nextCall, kind, hops + 1,
                        deadline));
                return;
            }
            hop(result, nextCall, kind, hops + 1, deadline);
        });
    }

    /** A streamed response that will not be handed to the caller: its body is not wanted. */
    private static void discard(Object r) {
        if (r instanceof StreamingResponse sr) {
            sr.body().cancel(new BodyStream.CancelledException("redirect not followed: too many in a row"));
        }
    }

    private static boolean isBodyField(String name) {
        return name.equalsIgnoreCase("content-type") || name.equalsIgnoreCase("content-encoding")
                || name.equalsIgnoreCase("content-language") || name.equalsIgnoreCase("content-location");
    }

    /** What reqwest drops on a redirect to another host: the caller's credentials for this one. */
    private static boolean isCredentialField(String name) {
        return name.equalsIgnoreCase("authorization") || name.equalsIgnoreCase("cookie")
                || name.equalsIgnoreCase("proxy-authorization");
    }

    /** The origin is not the base URL's; the message says how the caller allows it, in its terms. */
    private OriginNotAllowedException otherOrigin(Origin origin) {
        String allow = name.startsWith("clients.") ? "allow_other_origins: true under " + name + " in http.yaml"
                : name.equals("http.Client") ? "allow_other_origins=True" : "allowOtherOrigins(true)";
        return new OriginNotAllowedException(name + " sends only to " + home + ", the origin of its base URL; "
                + "a request to " + origin + " was not sent (" + allow + " allows other origins)");
    }

    /**
     * The pool of {@code route}, made on first use, with one arrival counted: an idle pool the
     * sweep retires in the meantime is replaced, so a request never lands in a dropped pool.
     */
    private ConnectionPool pool(ConnectionPool.Route route) {
        while (true) {
            ConnectionPool p = pools.get(route);
            if (p == null || p.retired()) {
                p = pools.compute(route, (o, old) -> old != null && !old.retired() ? old
                        : new ConnectionPool(this, o, loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)]));
            }
            if (p.arriving()) {
                return p;
            }
        }
    }

    private static String checkMethod(String method) {
        String m = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        if (!FieldSyntax.isToken(m)) { // RFC 9110 §9.1: method = token
            throw new IllegalArgumentException("invalid method \"" + method + "\"");
        }
        return m;
    }

    private static String checkFieldName(String name) {
        if (name == null || !FieldSyntax.isToken(name)) {
            throw new IllegalArgumentException("invalid header name \"" + name + "\" (RFC 9110 §5.1: a token)");
        }
        return name;
    }

    private static String checkFieldValue(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("header " + name + " has a null value");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // RFC 9110 §5.5: CR, LF and NUL in a value would split or end the head. Narrower than
            // FieldSyntax.isValueOctet on purpose, as documented on send: other control characters
            // and DEL are sent as given, and a strict origin may refuse them.
            if (c == '\r' || c == '\n' || c == 0 || c > 0xFF) {
                throw new IllegalArgumentException("header " + name + " has a character that cannot be sent (CR, "
                        + "LF, NUL or beyond ISO-8859-1) at index " + i);
            }
        }
        return value.strip();
    }

    /** RFC 9110 §7.6.1 / RFC 9113 §8.2.2: connection-specific fields belong to the client. */
    private static boolean isConnectionField(String name) {
        return switch (Ascii.lower(name)) {
            case "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te",
                 "upgrade" -> true;
            default -> false;
        };
    }

    /**
     * The client's TLS side; with neither verify nor cert set it is made on first use (trusting
     * the system roots, shared by every such client in the JVM).
     *
     * @throws TlsException when no TLS provider (siphon-tls) is on the class path
     */
    ClientTls tls() throws TlsException {
        ClientTls t = tls;
        if (t == null) {
            synchronized (this) {
                t = tls;
                if (t == null) {
                    try {
                        tls = t = makeTls(null, null, null, name);
                    } catch (ConfigException | IllegalStateException e) {
                        throw new TlsException("https:// cannot be used: " + e.getMessage(), e);
                    }
                }
            }
        }
        return t;
    }

    /** The TLS side once made: {@link #send} makes it before the first https:// pool exists. */
    ClientTls madeTls() {
        return tls;
    }

    static ClientTls makeTls(Path verify, Path cert, Path key, String name) throws ConfigException {
        TlsProvider provider = ServiceLoader.load(TlsProvider.class, HttpClient.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("TLS needs siphon-tls (and its BouncyCastle jars) on the "
                        + "class path"));
        return provider.client(verify, cert, key, name);
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    void connectionOpened() {
        openConnections.incrementAndGet();
        connectionsOpened.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    /** Connections open or opening now, over all origins. */
    public int openConnections() {
        return openConnections.get();
    }

    /** HTTP/1.1 connections open and waiting for reuse, over all origins; the rest of {@link #openConnections} are in use. */
    public int idleConnections() {
        int n = 0;
        for (ConnectionPool p : pools.values()) {
            n += p.idleConnections();
        }
        return n;
    }

    /** Connections opened since the client started (reuse keeps this low). */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    /** Pooled buffers taken and not returned, over all loops; 0 when nothing is in flight. */
    public long buffersOutstanding() {
        long n = 0;
        for (EventLoop l : loops) {
            n += l.pool().outstanding();
        }
        return n;
    }

    /** Origins with a pool now (each holds its connections, idle or busy, and its wait queue). */
    public int origins() {
        return pools.size();
    }

    /** Timer thread: one task per loop closes its idle connections and drops its idle, empty pools. */
    private void sweepIdle() {
        long cutoff = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
        for (EventLoop loop : loops) {
            loop.execute(() -> {
                for (ConnectionPool p : pools.values()) {
                    if (p.loop == loop && p.sweep(cutoff)) {
                        pools.remove(p.route, p);
                    }
                }
            });
        }
    }

    /**
     * The one timer thread; a task that ended with an {@link Error} (a plain executor would keep it
     * in its future, unseen, and a periodic task would silently stop) is fatal to the client.
     */
    private static final class Timer extends ScheduledThreadPoolExecutor {
        private final HttpClient client;

        Timer(HttpClient client) {
            super(1, r -> {
                Thread t = new Thread(r, "siphon-client-timer");
                t.setDaemon(true);
                return t;
            });
            this.client = client;
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            if (r instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        client.fatal(error);
                    }
                } catch (InterruptedException | java.util.concurrent.CancellationException e) {
                    // not a failure of the task
                }
            }
        }
    }

    /** An {@link Error} on one of this client's threads other than its loops (which log their own): log it, then {@link #fail}. */
    void fatal(Throwable error) {
        String thread = Thread.currentThread().getName();
        LOG.log(System.Logger.Level.ERROR, "fatal error on " + thread + " of " + name + ": " + error, error);
        fail(thread, error);
    }

    /**
     * An {@link Error} (already logged) ended one of this client's threads: close the client, then
     * tell the handler. Any thread; only the first failure counts.
     */
    private void fail(String thread, Throwable error) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "closing " + name + " after a fatal error on " + thread + " (" + error + ")");
        Thread.ofPlatform().name("siphon-client-fatal").daemon(true).start(() -> {
            try {
                close();
            } finally {
                try {
                    fatalErrorHandler.onFatalError(thread, error);
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.ERROR, "the fatal error handler of " + name + " failed", t);
                }
            }
        });
    }

    @Override
    public void close() {
        if (closed) {
            awaitClosed();
            return;
        }
        closed = true;
        try {
            closeNow();
        } finally {
            closeDone.countDown();
        }
    }

    /**
     * Another thread is closing the client (after a fatal error, say): returns once it is done,
     * so that what the caller expects of a closed client holds. Not on one of the client's own
     * loops, which that close may be waiting for.
     */
    private void awaitClosed() {
        EventLoop here = EventLoop.current();
        for (EventLoop l : loops) {
            if (l == here) {
                return;
            }
        }
        try {
            closeDone.await(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeNow() {
        List<java.util.concurrent.CountDownLatch> done = new ArrayList<>();
        for (ConnectionPool p : pools.values()) {
            if (stopped(p.loop)) {
                p.close(); // its loop died (a fatal error): nothing else touches the pool now
                continue;
            }
            java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
            done.add(latch);
            p.loop.execute(() -> {
                try {
                    p.close();
                } finally {
                    latch.countDown();
                }
            });
        }
        boolean interrupted = false;
        for (java.util.concurrent.CountDownLatch latch : done) {
            try {
                latch.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (EventLoop l : loops) {
            l.shutdown(0);
        }
        for (int i = 0; i < loops.length; i++) {
            try {
                loops[i].awaitStopped(5, TimeUnit.SECONDS);
                threads[i].join(1000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        timer.shutdownNow();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean stopped(EventLoop loop) {
        try {
            return loop.awaitStopped(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Collects settings; {@link #build()} starts the client's loops. Not thread-safe. Defaults are
     * those of a {@code clients:} entry (SPEC §3) plus this implementation's own:
     */
    public static final class Builder {
        /** Most requests queued per origin while its pool is full. */
        public static final int MAX_WAITERS = 1_000_000;

        private String baseUrl;
        private long timeoutMs = ClientConfig.DEFAULT_TIMEOUT_MS;
        private long connectTimeoutMs = -1;
        private long poolWaitTimeoutMs = -1;
        private int poolSize = ClientConfig.DEFAULT_POOL_SIZE;
        private int maxConnections = ClientConfig.DEFAULT_MAX_CONNECTIONS;
        /** An explicit proxy URL, or null. */
        private String proxy;
        private String noProxy;
        /** Read the proxy variables of this environment at build(), when no explicit proxy is set; null: direct. */
        private Map<String, String> proxyEnv;
        private int maxWaiters = 1024;
        private long idleTimeoutMs = 30_000;
        private boolean http2PriorKnowledge;
        private long maxResponseBodyBytes = ClientConfig.DEFAULT_MAX_RESPONSE_BYTES;
        private int maxResponseHeadBytes = 16 * 1024;
        private int maxResponseFields = 128;
        private int ioLoops = 1;
        private LoopThreads loopThreads = LoopThreads.VIRTUAL;
        private int bufferSize = 32 * 1024;
        private Path verify;
        private Path clientCert;
        private Path clientKey;
        private boolean http2OverTls = true;
        private boolean allowOtherOrigins;
        private boolean followRedirects = true;
        private String name = "client";
        private FatalErrorHandler fatalErrorHandler = FatalErrorHandler.NONE;

        private Builder() {}

        /**
         * Called once when an {@link Error} ends one of the client's threads, after the client
         * closed itself (see the class comment). Default {@link FatalErrorHandler#NONE}.
         */
        public Builder onFatalError(FatalErrorHandler handler) {
            this.fatalErrorHandler = Objects.requireNonNull(handler);
            return this;
        }

        /**
         * Takes every setting of a configured client: base_url, timeout_ms, verify, cert, key,
         * pool_size, max_connections, proxy, no_proxy, http2_prior_knowledge, max_response_bytes,
         * allow_other_origins and follow_redirects; messages about its files name it as
         * {@code clients.<name>}. Without a {@code proxy} the client reads the proxy variables of
         * the process's environment when it is built, as the original siphon-http does
         * ({@link #proxyFromEnvironment()}); {@code proxy: none} goes direct.
         */
        public Builder config(ClientConfig c) {
            baseUrl = c.baseUrl();
            timeoutMs = c.timeoutMs();
            poolSize = c.poolSize();
            maxConnections = c.maxConnections();
            if (c.proxy() == null) {
                proxyFromEnvironment();
            } else if (c.proxy().equals(ClientConfig.NO_PROXY_VALUE)) {
                proxy(null);
            } else {
                proxy(c.proxy());
            }
            noProxy = c.noProxy();
            http2PriorKnowledge = c.http2PriorKnowledge();
            maxResponseBodyBytes = c.maxResponseBytes();
            allowOtherOrigins = c.allowOtherOrigins();
            followRedirects = c.followRedirects();
            verify = c.verify();
            clientCert = c.cert();
            clientKey = c.key();
            name = "clients." + c.name();
            return this;
        }

        /**
         * How messages name this client's settings, as {@code <name>.verify}: {@code clients.api}
         * after {@link #config}, {@code client} by default. An embedder whose users configure the
         * client elsewhere sets the name they know it by (scripts' inline clients are
         * {@code http.Client}).
         */
        public Builder name(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /**
         * PEM CA bundle that https:// servers' certificates must chain to; only these CAs are
         * trusted then. Default (null): the JDK's system roots ({@code cacerts}).
         */
        public Builder verify(Path caBundle) {
            this.verify = caBundle;
            return this;
        }

        /**
         * The client's identity for mutual TLS: {@code cert} holds the certificate chain (leaf
         * first) and {@code key} its private key (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted); with
         * {@code key} null, {@code cert} is a combined PEM holding both. Null {@code cert}: none.
         */
        public Builder clientCert(Path cert, Path key) {
            if (cert == null && key != null) {
                throw new IllegalArgumentException("a client key needs its certificate: clientCert(cert, key)");
            }
            this.clientCert = cert;
            this.clientKey = key;
            return this;
        }

        /**
         * Offer "h2" by ALPN on https:// (default true): the server then picks HTTP/2 or
         * HTTP/1.1. Off: only "http/1.1" is offered.
         */
        public Builder http2OverTls(boolean on) {
            this.http2OverTls = on;
            return this;
        }

        /**
         * Absolute http:// or https:// URL that relative request URLs are appended to; none by
         * default. It also binds the client to its origin (see {@link #allowOtherOrigins}).
         */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /**
         * Let a client with a base URL send to other origins too (default false: a URL resolving
         * to another origin fails with {@link OriginNotAllowedException}, nothing sent). Without a
         * base URL every origin is allowed anyway.
         */
        public Builder allowOtherOrigins(boolean on) {
            this.allowOtherOrigins = on;
            return this;
        }

        /**
         * Follow redirects (default true): 301, 302, 303, 307 and 308 answers with a Location, at
         * most {@link #MAX_REDIRECTS} in a row (see {@link HttpClient#send}); false returns them.
         */
        public Builder followRedirects(boolean on) {
            this.followRedirects = on;
            return this;
        }

        /** Budget of one request, from the call to the last byte of the response (default 5000 ms). */
        public Builder timeoutMs(long ms) {
            this.timeoutMs = ms;
            return this;
        }

        /** Budget of one TCP connect (default: the request timeout). */
        public Builder connectTimeoutMs(long ms) {
            this.connectTimeoutMs = ms;
            return this;
        }

        /** Longest wait in a full pool's queue (default: the request timeout). */
        public Builder poolWaitTimeoutMs(long ms) {
            this.poolWaitTimeoutMs = ms;
            return this;
        }

        /**
         * Most idle connections kept per origin for reuse (default 8), as reqwest's
         * {@code pool_max_idle_per_host}: a connection freed while as many are idle closes. Not a
         * cap on the connections in use: that is {@link #maxConnections}.
         */
        public Builder poolSize(int n) {
            this.poolSize = n;
            return this;
        }

        /**
         * Most connections per origin open at once, busy or idle (default
         * {@value ClientConfig#DEFAULT_MAX_CONNECTIONS}, at most
         * {@value ClientConfig#MAX_MAX_CONNECTIONS}): a request beyond waits for one to come free,
         * up to the pool wait timeout ({@link PoolTimeoutException}), in a queue of at most
         * {@link #maxWaiters} ({@link PoolExhaustedException}). The original has no such cap; this
         * one keeps a burst of requests to one origin from taking every file descriptor.
         */
        public Builder maxConnections(int n) {
            this.maxConnections = n;
            return this;
        }

        /**
         * Sends every request through the HTTP proxy {@code url}
         * ({@code http://[user:password@]host[:port]}, port 80 by default; the user info goes to
         * the proxy as Proxy-Authorization: Basic): https:// ones in a CONNECT tunnel, with TLS to
         * the origin inside it, http:// ones in absolute form. Null: direct (the default), the
         * environment ignored. A URL that cannot be used fails {@link #build()}.
         */
        public Builder proxy(String url) {
            this.proxy = url;
            this.proxyEnv = null;
            return this;
        }

        /**
         * Hosts that bypass the proxy: {@code NO_PROXY}'s syntax (see {@link ProxyRules}),
         * for an explicit {@link #proxy}; null for none. The environment's {@code NO_PROXY}
         * applies to the environment's proxies.
         */
        public Builder noProxy(String hosts) {
            this.noProxy = hosts;
            return this;
        }

        /**
         * Takes the proxies from the process's environment when the client is built
         * ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code ALL_PROXY}, {@code NO_PROXY}, upper or
         * lower case: see {@link ProxyRules}), read once then, not per request. A Java client
         * goes direct unless told so (or through {@link #config}); scripts' clients read the
         * environment by default, as the original's do.
         */
        public Builder proxyFromEnvironment() {
            return proxyFromEnvironment(System.getenv());
        }

        /** As {@link #proxyFromEnvironment()}, reading {@code env} instead of the process's environment. */
        public Builder proxyFromEnvironment(Map<String, String> env) {
            this.proxyEnv = Map.copyOf(Objects.requireNonNull(env, "env"));
            this.proxy = null;
            return this;
        }

        /** Most requests queued per origin while the pool is full (default 1024). */
        public Builder maxWaiters(int n) {
            this.maxWaiters = n;
            return this;
        }

        /** An idle pooled connection is closed after this long (default 30 000 ms). */
        public Builder idleTimeoutMs(long ms) {
            this.idleTimeoutMs = ms;
            return this;
        }

        /** Open http:// connections directly as HTTP/2 (h2c with prior knowledge, RFC 9113 §3.3). */
        public Builder http2PriorKnowledge(boolean on) {
            this.http2PriorKnowledge = on;
            return this;
        }

        /**
         * Response body cap (default 64 MiB, at most 1 GiB); a larger declared length, or more
         * bytes received → {@link ResponseTooLargeException}, and the HTTP/1.1 connection is
         * closed (the HTTP/2 stream reset). The body buffer grows as bytes arrive.
         */
        public Builder maxResponseBodyBytes(long n) {
            this.maxResponseBodyBytes = n;
            return this;
        }

        /** HTTP/1.1 response head cap (default 16 KiB) and HTTP/2 header list cap. */
        public Builder maxResponseHeadBytes(int n) {
            this.maxResponseHeadBytes = n;
            return this;
        }

        /** Most header fields in one response head (default 128). */
        public Builder maxResponseFields(int n) {
            this.maxResponseFields = n;
            return this;
        }

        /** Selector loops of this client (default 1); each origin's pool lives on one of them. */
        public Builder ioLoops(int n) {
            this.ioLoops = n;
            return this;
        }

        public Builder loopThreads(LoopThreads kind) {
            this.loopThreads = Objects.requireNonNull(kind);
            return this;
        }

        /** Bytes of each pooled I/O buffer (default 32 KiB); a response head must fit in one. */
        public Builder bufferSize(int n) {
            this.bufferSize = n;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first setting out of its range (timeouts 1 ms to
         *     24 h, {@code poolSize} up to {@value ClientConfig#MAX_POOL_SIZE}, {@code maxWaiters} up
         *     to {@value #MAX_WAITERS}, {@code maxResponseBodyBytes} up to 1 GiB, {@code
         *     maxResponseFields}, {@code ioLoops} and {@code bufferSize} as the engine's; see
         *     {@link Bounds}), or the proxy URL that cannot be used (naming where it came from:
         *     {@code client.proxy}, {@code HTTPS_PROXY}...), or the PEM file
         *     of {@code verify}, {@code cert} or {@code key} that is missing, unreadable or wrong
         *     (the cause is then the {@link ConfigException}), or saying that TLS needs siphon-tls
         *     on the class path
         */
        public HttpClient build() {
            if (baseUrl != null) {
                UrlResolver.resolve(baseUrl, baseUrl); // absolute http(s) with a host, or a clear error
            }
            long time = Bounds.MAX_TIMEOUT_MS;
            ClientConfig.SECTION.check("timeoutMs", timeoutMs);
            if (connectTimeoutMs > 0) {
                Bounds.check("connectTimeoutMs", connectTimeoutMs, 1, time);
            }
            if (poolWaitTimeoutMs > 0) {
                Bounds.check("poolWaitTimeoutMs", poolWaitTimeoutMs, 1, time);
            }
            ClientConfig.SECTION.check("poolSize", poolSize);
            ClientConfig.SECTION.check("maxConnections", maxConnections);
            ProxyRules proxies;
            if (proxy != null) {
                proxies = ProxyRules.of(proxy, noProxy, name + ".proxy");
            } else if (proxyEnv != null) {
                proxies = ProxyRules.fromEnvironment(proxyEnv);
            } else {
                proxies = ProxyRules.DIRECT;
            }
            Bounds.check("maxWaiters", maxWaiters, 1, MAX_WAITERS);
            Bounds.check("idleTimeoutMs", idleTimeoutMs, 1, time);
            // a response body is buffered whole in one array, as a request body is
            Bounds.check("maxResponseBodyBytes", maxResponseBodyBytes, 1, ClientConfig.MAX_MAX_RESPONSE_BYTES);
            Bounds.check("maxResponseFields", maxResponseFields, 1, EngineSettings.MAX_HEADER_COUNT);
            EngineSettings.SECTION.check("ioLoops", ioLoops);
            EngineSettings.SECTION.check("bufferSize", bufferSize);
            if (bufferSize < 16_384 + 9 + 1024 || maxResponseHeadBytes < 256
                    || maxResponseHeadBytes > bufferSize - 1024) {
                throw new IllegalArgumentException("need 256 <= maxResponseHeadBytes <= bufferSize - 1024 and "
                        + "bufferSize >= 17417 (one HTTP/2 frame), were " + maxResponseHeadBytes + " and "
                        + bufferSize);
            }
            long connect = connectTimeoutMs > 0 ? connectTimeoutMs : timeoutMs;
            long poolWait = poolWaitTimeoutMs > 0 ? poolWaitTimeoutMs : timeoutMs;
            ClientTls tls = null;
            if (verify != null || clientCert != null) {
                try {
                    tls = makeTls(verify, clientCert, clientKey, name); // reads the PEM files now
                } catch (ConfigException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                } catch (IllegalStateException e) {
                    throw new IllegalArgumentException(name + ": verify and cert: " + e.getMessage(), e);
                }
            }
            return new HttpClient(new Settings(baseUrl, timeoutMs, connect, poolWait, poolSize, maxConnections, proxies,
                    maxWaiters,
                    idleTimeoutMs, http2PriorKnowledge, maxResponseBodyBytes, maxResponseHeadBytes, maxResponseFields,
                    ioLoops, loopThreads, bufferSize, verify, clientCert, clientKey, http2OverTls, allowOtherOrigins,
                    followRedirects),
                    name, tls, fatalErrorHandler);
        }

    }
}

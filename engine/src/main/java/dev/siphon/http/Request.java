package dev.siphon.http;

import dev.siphon.http.config.TrustedProxies;
import dev.siphon.http.router.QueryParser;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One inbound request, fully buffered (head and body, within the listener's caps).
 *
 * <p>Built by the connection's I/O loop once the route is resolved; immutable except for the
 * lazily computed views ({@link #queryParams()}, {@link #client()}), which may be computed twice
 * under a race but always to the same value. Safe to hand to another thread.
 */
public final class Request {
    private static final byte[] EMPTY = new byte[0];

    private final String method;
    private final String path;
    private final String rawQuery;
    private final String version;
    private final String scheme;
    private final Headers headers;
    private final byte[] body;
    private final InetSocketAddress remote;
    private final TrustedProxies trustedProxies;
    private final Map<String, String> pathParams;
    private final String routePattern;
    private final TlsInfo tls;
    private final String requestId;
    private final Response unmatchedAnswer;
    private final BodyStream bodyStream;
    private Map<String, String> queryParams;
    private String client;

    public Request(String method, String path, String rawQuery, String version, String scheme,
                   Headers headers, byte[] body, InetSocketAddress remote, TrustedProxies trustedProxies,
                   String routePattern, Map<String, String> pathParams) {
        this(method, path, rawQuery, version, scheme, headers, body, remote, trustedProxies, routePattern, pathParams,
                null);
    }

    /** @param tls the connection's TLS handshake result, {@code null} on cleartext */
    public Request(String method, String path, String rawQuery, String version, String scheme,
                   Headers headers, byte[] body, InetSocketAddress remote, TrustedProxies trustedProxies,
                   String routePattern, Map<String, String> pathParams, TlsInfo tls) {
        this(method, path, rawQuery, version, scheme, headers, body, remote, trustedProxies, routePattern, pathParams,
                tls, null);
    }

    /** @param requestId the request's id ({@link #requestId()}), or null for a request made outside a listener */
    public Request(String method, String path, String rawQuery, String version, String scheme,
                   Headers headers, byte[] body, InetSocketAddress remote, TrustedProxies trustedProxies,
                   String routePattern, Map<String, String> pathParams, TlsInfo tls, String requestId) {
        this(method, path, rawQuery, version, scheme, headers, body, remote, trustedProxies, routePattern, pathParams,
                tls, requestId, null, null);
    }

    /**
     * A request no route matched, for the engine's unmatched handler ({@link
     * HttpEngine.Builder#unmatched}): no pattern, no parameters, no body (an unmatched request's
     * body is not kept), and {@code unmatchedAnswer} the engine's own answer (404, or 405 with
     * {@code allow}).
     */
    public static Request unmatched(String method, String path, String rawQuery, String version, String scheme,
                                    Headers headers, InetSocketAddress remote, TrustedProxies trustedProxies,
                                    TlsInfo tls, String requestId, Response unmatchedAnswer) {
        return new Request(method, path, rawQuery, version, scheme, headers, EMPTY, remote, trustedProxies, null,
                Map.of(), tls, requestId, java.util.Objects.requireNonNull(unmatchedAnswer, "unmatchedAnswer"), null);
    }

    /**
     * A request to a streaming route ({@link StreamingRoute}), handed to its handler as soon as
     * its head is read: its body arrives through {@code bodyStream} ({@link #bodyStream()}) while
     * the handler runs, and {@link #body()} is empty.
     */
    public static Request streaming(String method, String path, String rawQuery, String version, String scheme,
                                    Headers headers, BodyStream bodyStream, InetSocketAddress remote,
                                    TrustedProxies trustedProxies, String routePattern, Map<String, String> pathParams,
                                    TlsInfo tls, String requestId) {
        return new Request(method, path, rawQuery, version, scheme, headers, EMPTY, remote, trustedProxies,
                routePattern, pathParams, tls, requestId, null,
                java.util.Objects.requireNonNull(bodyStream, "bodyStream"));
    }

    private Request(String method, String path, String rawQuery, String version, String scheme,
                    Headers headers, byte[] body, InetSocketAddress remote, TrustedProxies trustedProxies,
                    String routePattern, Map<String, String> pathParams, TlsInfo tls, String requestId,
                    Response unmatchedAnswer, BodyStream bodyStream) {
        this.bodyStream = bodyStream;
        this.unmatchedAnswer = unmatchedAnswer;
        this.requestId = requestId;
        this.tls = tls;
        this.method = method;
        this.path = path;
        this.rawQuery = rawQuery;
        this.version = version;
        this.scheme = scheme;
        this.headers = headers;
        this.body = body == null ? EMPTY : body;
        this.remote = remote;
        this.trustedProxies = trustedProxies;
        this.routePattern = routePattern;
        this.pathParams = pathParams == null ? Map.of() : pathParams;
    }

    public String method() {
        return method;
    }

    /** The request path as received (percent-encoded), without the query string. */
    public String path() {
        return path;
    }

    /** The raw query string without '?', or null when the target had none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2". */
    public String version() {
        return version;
    }

    /** "http" or "https". */
    public String scheme() {
        return scheme;
    }

    public Headers headers() {
        return headers;
    }

    /** One header, case-insensitive; repeated fields joined with ", "; null when absent. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The whole buffered body; empty when there was none, and for a streaming route (see {@link #bodyStream()}). */
    public byte[] body() {
        return body;
    }

    /**
     * The body as it arrives, for a request to a streaming route ({@link StreamingRoute}); null
     * for a buffered request. The handler reads it ({@link BodyStream#read}) or {@linkplain
     * BodyStream#cancel cancels} it; the connection reads the socket (HTTP/1.1) or opens the
     * stream's window (HTTP/2) only as fast as the handler takes the chunks. It ends once the
     * whole body arrived, and fails with {@link BodyStream.BodyFailedException} when it cannot
     * (the client stalled past {@code request_timeout_ms}: 408; longer than the route's cap:
     * 413; the client went away or reset the stream).
     */
    public BodyStream bodyStream() {
        return bodyStream;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /**
     * The TLS handshake of the connection this request came on: protocol version, cipher suite,
     * ALPN protocol, SNI host name and the verified client certificate. {@code null} on cleartext.
     */
    /**
     * The request's id: its {@code x-request-id} when that is 1 to 128 visible ASCII characters,
     * else one the engine made. The response carries it back in {@code x-request-id} (unless the
     * handler set that field itself). Null for a request not read from a listener.
     */
    public String requestId() {
        return requestId;
    }

    public TlsInfo tls() {
        return tls;
    }

    /**
     * The client certificate verified by a mutual-TLS listener ({@code tls.client_ca} set):
     * subject, issuer, subject alternative names and chain. {@code null} on cleartext and on TLS
     * listeners without {@code client_ca}. A request never reaches a handler on a mutual-TLS
     * listener without one: the handshake fails first.
     */
    public ClientCert clientCert() {
        return tls == null ? null : tls.clientCert();
    }

    /**
     * The host name the client named with TLS SNI (RFC 6066 §3), or {@code null} on cleartext
     * and when the client sent none (as clients connecting to an IP address do).
     */
    public String serverName() {
        return tls == null ? null : tls.serverName();
    }

    /** Percent-decoded values of the matched route's {name} and {*rest} segments. */
    public Map<String, String> pathParams() {
        return pathParams;
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /**
     * For a request no route matched, given to the unmatched handler: the answer the engine
     * would give (404, or 405 with {@code allow}); null for a routed request.
     */
    public Response unmatchedAnswer() {
        return unmatchedAnswer;
    }

    /** The pattern of the route that matched, e.g. "/hello/{name}". */
    public String routePattern() {
        return routePattern;
    }

    /** Query parameters: '+' and %XX decoded, the last value wins for repeated keys. */
    public Map<String, String> queryParams() {
        Map<String, String> q = queryParams;
        if (q == null) {
            q = rawQuery == null ? Map.of() : QueryParser.parse(rawQuery);
            queryParams = q;
        }
        return q;
    }

    /**
     * The client as "ip:port" ("[::1]:port" for IPv6): the socket peer.
     *
     * <p>When the peer is one of the listener's {@code trusted_proxies} and the request carries
     * {@code X-Forwarded-For} (all its field lines, in order, read as one list), the client is
     * read from that list right to left: trusted addresses are skipped and the first untrusted
     * one is the client, given as written without brackets or port ({@code "203.0.113.7"},
     * {@code "2001:db8::7"}), as a proxy writes it. An entry that is not an IP address stops the
     * walk at the nearest address that could be verified: the trusted hop just right of it, or the
     * peer itself ("ip:port") when it is the right-most entry. When every address is trusted, the
     * left-most. See {@link TrustedProxies#forwardedClient}.
     */
    public String client() {
        String c = client;
        if (c == null) {
            c = computeClient();
            client = c;
        }
        return c;
    }

    private String computeClient() {
        if (trustedProxies.contains(remote.getAddress())) {
            String xff = headers.get("x-forwarded-for");
            String forwarded = xff == null ? null : trustedProxies.forwardedClient(xff);
            if (forwarded != null) {
                return forwarded;
            }
        }
        String ip = remote.getAddress().getHostAddress();
        if (remote.getAddress() instanceof Inet6Address) {
            int zone = ip.indexOf('%');
            return "[" + (zone < 0 ? ip : ip.substring(0, zone)) + "]:" + remote.getPort();
        }
        return ip + ":" + remote.getPort();
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery) + " " + version;
    }
}

package dev.siphon.http.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A named, pooled outbound client ({@code clients.<name>}).
 *
 * @param name                the key under {@code clients:}; scripts ask for the client by it
 * @param baseUrl             absolute http:// or https:// URL that relative request paths are joined
 *                            onto, or {@code null}
 * @param timeoutMs           per-request timeout
 * @param verify              PEM CA bundle that server certificates must chain to, or {@code null}
 *                            for the system roots
 * @param cert                client certificate for mTLS (alone: a combined PEM with the key), or
 *                            {@code null}
 * @param key                 private key for {@code cert} when it is a separate file, or {@code null}
 * @param poolSize            most idle connections kept per origin for reuse (reqwest's
 *                            {@code pool_max_idle_per_host}), not a cap on those in use
 * @param http2PriorKnowledge open cleartext connections directly as HTTP/2 (h2c prior knowledge)
 * @param maxResponseBytes    response body cap; a larger body fails the request
 * @param allowOtherOrigins   whether an absolute URL may name another origin than {@code baseUrl}'s
 *                            (without a base URL every origin is allowed)
 * @param followRedirects     follow 301, 302, 303, 307 and 308 answers
 * @param maxConnections      most connections per origin open at once, busy or idle; more
 *                            requests wait for one to come free
 * @param proxy               an http:// proxy URL every request goes through, {@value #NO_PROXY_VALUE}
 *                            to go direct, or {@code null} to read {@code HTTPS_PROXY},
 *                            {@code HTTP_PROXY}, {@code ALL_PROXY} and {@code NO_PROXY} from the
 *                            environment when the client starts (the original's behaviour)
 * @param noProxy             hosts that bypass {@code proxy} ({@code NO_PROXY} syntax), or {@code null}
 */
public record ClientConfig(String name, String baseUrl, long timeoutMs, Path verify, Path cert, Path key,
                           int poolSize, boolean http2PriorKnowledge, long maxResponseBytes,
                           boolean allowOtherOrigins, boolean followRedirects, int maxConnections, String proxy,
                           String noProxy) {

    public static final long DEFAULT_TIMEOUT_MS = 5_000;
    public static final int DEFAULT_POOL_SIZE = 8;
    /** Most connections per origin: each is a socket (a file descriptor) and its buffers. */
    public static final int MAX_POOL_SIZE = 1024;
    /**
     * Connections per origin open at once by default: far more than one origin usually needs,
     * few enough that a burst of requests to one origin cannot take every file descriptor.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int MAX_MAX_CONNECTIONS = 16_384;
    /** The {@code proxy} value that means "direct, whatever the environment says". */
    public static final String NO_PROXY_VALUE = "none";
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L << 20;
    /** A response body is buffered whole in one array, as a request body is. */
    public static final long MAX_MAX_RESPONSE_BYTES = ServerConfig.MAX_BODY_BYTES;

    /** The keys of {@code clients.<name>}, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("clients.<name>",
            Setting.shaped("base_url", "baseUrl", "string", "none", "absolute http:// or https:// URL request paths are appended to"),
            Setting.integer("timeout_ms", "timeoutMs", 1, Bounds.MAX_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, "per-request timeout"),
            Setting.shaped("verify", "verify", "path", "system roots", "PEM CA bundle server certificates must chain to"),
            Setting.shaped("cert", "cert", "path", "none", "client certificate for mTLS, or a combined PEM with its key"),
            Setting.shaped("key", "key", "path", "none", "private key for cert; only valid together with cert"),
            Setting.integer("pool_size", "poolSize", 1, MAX_POOL_SIZE, DEFAULT_POOL_SIZE,
                    "most idle connections kept per origin for reuse (not a cap on those in use)"),
            Setting.integer("max_connections", "maxConnections", 1, MAX_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS,
                    "most connections per origin open at once; more requests wait for one, up to timeout_ms"),
            Setting.shaped("proxy", "proxy", "string", "environment",
                    "http:// proxy URL (user:password@ for Basic credentials) every request goes through, or "
                            + "\"none\"; unset: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY of the environment"),
            Setting.shaped("no_proxy", "noProxy", "string", "none",
                    "hosts that bypass proxy, comma-separated (NO_PROXY syntax)"),
            Setting.bool("http2_prior_knowledge", "http2PriorKnowledge", false,
                    "open cleartext connections directly as HTTP/2"),
            Setting.integer("max_response_bytes", "maxResponseBytes", 1, MAX_MAX_RESPONSE_BYTES,
                    DEFAULT_MAX_RESPONSE_BYTES, "response body cap; a larger body fails the request"),
            Setting.bool("allow_other_origins", "allowOtherOrigins", false,
                    "whether a client with base_url may send to other origins"),
            Setting.bool("follow_redirects", "followRedirects", true,
                    "follow 301, 302, 303, 307 and 308 answers, at most 10 in a row"));

    public ClientConfig {
        if (Objects.requireNonNull(name, "name").isEmpty()) {
            throw new IllegalArgumentException("client name must not be empty");
        }
        if (baseUrl != null) {
            String bad = checkBaseUrl(baseUrl);
            if (bad != null) {
                throw new IllegalArgumentException(bad);
            }
        }
        SECTION.check("timeoutMs", timeoutMs);
        SECTION.check("poolSize", poolSize);
        SECTION.check("maxConnections", maxConnections);
        if (proxy != null && !proxy.equals(NO_PROXY_VALUE)) {
            ProxyUrl.parse(proxy, "proxy"); // a clear IllegalArgumentException now, not at the first request
        }
        SECTION.check("maxResponseBytes", maxResponseBytes);
        if (key != null && cert == null) {
            throw new IllegalArgumentException("key is only valid together with cert");
        }
    }

    /** A client called {@code name} with every setting at its default. */
    public static ClientConfig named(String name) {
        return new ClientConfig(name, null, DEFAULT_TIMEOUT_MS, null, null, null, DEFAULT_POOL_SIZE, false,
                DEFAULT_MAX_RESPONSE_BYTES, false, true, DEFAULT_MAX_CONNECTIONS, null, null);
    }

    /**
     * Why {@code url} cannot be a base URL, or {@code null} when it can: it must be absolute,
     * http or https, and name a host.
     */
    static String checkBaseUrl(String url) {
        String expected = "expected an absolute http:// or https:// URL with a host, like \"https://api.example.com/v1\", found "
                + Texts.quote(url);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return expected + " (" + e.getReason() + " at index " + e.getIndex() + ")";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return expected;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return expected + " (no host)";
        }
        return null;
    }

    // The withers call the constructor directly, not Section.with: every http.Client(...) a script
    // makes goes through a chain of them (ClientPools.inline), where reflection would cost.

    public ClientConfig withBaseUrl(String baseUrl) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withTimeoutMs(long timeoutMs) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withVerify(Path verify) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    /** Sets the client identity: {@code key} may be {@code null} when {@code cert} is a combined PEM. */
    public ClientConfig withIdentity(Path cert, Path key) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withPoolSize(int poolSize) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withHttp2PriorKnowledge(boolean http2PriorKnowledge) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withFollowRedirects(boolean followRedirects) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withMaxResponseBytes(long maxResponseBytes) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withAllowOtherOrigins(boolean allowOtherOrigins) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    public ClientConfig withMaxConnections(int maxConnections) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }

    /** {@code proxy}: a URL, {@value #NO_PROXY_VALUE}, or null for the environment's; {@code noProxy} for a URL's exceptions. */
    public ClientConfig withProxy(String proxy, String noProxy) {
        return new ClientConfig(name, baseUrl, timeoutMs, verify, cert, key, poolSize, http2PriorKnowledge,
                maxResponseBytes, allowOtherOrigins, followRedirects, maxConnections, proxy, noProxy);
    }
}

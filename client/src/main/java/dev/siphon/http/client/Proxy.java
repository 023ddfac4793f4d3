package dev.siphon.http.client;

import dev.siphon.http.config.ProxyUrl;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An HTTP proxy (RFC 9110 §3.7): https:// requests go through it in a CONNECT tunnel (RFC 9110
 * §9.3.6), http:// requests are sent to it in absolute form (RFC 9112 §3.2.2). Immutable.
 *
 * @param host          a host name (lower case) or an IP literal, IPv6 without brackets
 * @param port          its port; 80 when the URL names none
 * @param authorization the Proxy-Authorization value (RFC 9110 §11.7.1, Basic: RFC 7617) made
 *                      from the URL's user info, or null
 */
public record Proxy(String host, int port, String authorization) {

    /**
     * Reads a proxy URL ({@link ProxyUrl#parse}): {@code http://[user[:password]@]host[:port]},
     * the user info becoming Basic credentials (RFC 7617).
     *
     * @param what how messages name where the URL came from ({@code HTTPS_PROXY}, {@code client.proxy})
     * @throws IllegalArgumentException naming {@code what} and saying what is wrong, the password
     *     left out
     */
    public static Proxy parse(String url, String what) {
        ProxyUrl u = ProxyUrl.parse(url, what);
        String auth = u.user() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (u.user() + ":" + u.password()).getBytes(StandardCharsets.UTF_8));
        return new Proxy(u.host(), u.port(), auth);
    }

    /** The CONNECT request-target and Host of a tunnel to {@code origin} (RFC 9112 §3.2.3: authority-form). */
    static String authorityForm(Origin origin) {
        return (origin.host().indexOf(':') >= 0 ? "[" + origin.host() + "]" : origin.host()) + ":" + origin.port();
    }

    /** {@code http://host:port}, never the credentials: what messages name the proxy by. */
    @Override
    public String toString() {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

package dev.siphon.http.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which {@link Proxy}, if any, a request to an origin goes through: one for http:// targets, one
 * for https:// targets, and a {@code NO_PROXY} list of hosts that go direct. Immutable.
 *
 * <p>{@link #fromEnvironment} reads the variables as the original siphon-http's HTTP client
 * (reqwest 0.12, whose rules are hyper-util's and curl's) does:
 * <ul>
 *   <li>{@code HTTP_PROXY} for http:// targets, {@code HTTPS_PROXY} for https://, each falling
 *       back to {@code ALL_PROXY}; the upper-case name first, the lower-case one only when the
 *       upper-case is not set at all (an empty value counts as set and means none).</li>
 *   <li>{@code NO_PROXY} (else {@code no_proxy}): comma-separated entries, blanks around them
 *       ignored. {@code *} matches every host. An IP address, or a network as
 *       {@code 192.168.1.0/24}, matches a URL whose host is such an address. Any other entry is a
 *       domain that matches itself and its subdomains, a leading dot or not
 *       ({@code example.com} and {@code .example.com} both match {@code example.com} and
 *       {@code api.example.com}, not {@code notexample.com}), case-insensitively.</li>
 *   <li>None of it when {@code REQUEST_METHOD} is set (a CGI program, where {@code HTTP_PROXY}
 *       may come from a request's {@code Proxy:} header: "httpoxy").</li>
 * </ul>
 * Two departures, both toward the safer side: a proxy URL that cannot be used (a bad port, a
 * {@code socks5://} or {@code https://} scheme) is an error when the client is made, where reqwest
 * silently goes direct; and a {@code NO_PROXY} entry may end in {@code :port}
 * ({@code localhost:8080}, {@code [::1]:8080}) to match that port only (curl's reading), where
 * reqwest never matches it.
 */
public final class ProxyRules {
    /** Every request goes direct. */
    public static final ProxyRules DIRECT = new ProxyRules(null, null, List.of(), "");

    private final Proxy http;
    private final Proxy https;
    private final List<Entry> noProxy;
    private final String description;

    private ProxyRules(Proxy http, Proxy https, List<Entry> noProxy, String description) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
        this.description = description;
    }

    /**
     * Every request through {@code proxyUrl} but those to the hosts of {@code noProxy} (the
     * {@code NO_PROXY} syntax; null or empty for none).
     *
     * @throws IllegalArgumentException for a proxy URL that cannot be used, naming {@code what}
     */
    public static ProxyRules of(String proxyUrl, String noProxy, String what) {
        Proxy p = Proxy.parse(proxyUrl, what);
        return new ProxyRules(p, p, parseNoProxy(noProxy), "proxy " + p
                + (noProxy == null || noProxy.isBlank() ? "" : " except " + noProxy.strip()));
    }

    /**
     * The rules of the proxy variables in {@code env} (see the class comment); {@link #DIRECT}
     * when none is set. Pass {@code System.getenv()} for the process's environment.
     *
     * @throws IllegalArgumentException naming the variable whose proxy URL cannot be used
     */
    public static ProxyRules fromEnvironment(Map<String, String> env) {
        if (env.get("REQUEST_METHOD") != null) {
            return DIRECT;
        }
        Proxy all = proxyVar(env, "ALL_PROXY");
        Proxy http = proxyVar(env, "HTTP_PROXY");
        Proxy https = proxyVar(env, "HTTPS_PROXY");
        http = http != null ? http : all;
        https = https != null ? https : all;
        if (http == null && https == null) {
            return DIRECT;
        }
        String no = first(env, "NO_PROXY");
        return new ProxyRules(http, https, parseNoProxy(no), "environment: http:// via "
                + (http == null ? "none" : http) + ", https:// via " + (https == null ? "none" : https)
                + (no == null || no.isBlank() ? "" : ", NO_PROXY " + no.strip()));
    }

    private static Proxy proxyVar(Map<String, String> env, String upper) {
        String name = env.get(upper) != null ? upper : upper.toLowerCase(Locale.ROOT);
        String v = env.get(name);
        return v == null || v.isBlank() ? null : Proxy.parse(v, name);
    }

    private static String first(Map<String, String> env, String upper) {
        String v = env.get(upper);
        return v != null ? v : env.get(upper.toLowerCase(Locale.ROOT));
    }

    /** The proxy for {@code origin}, or null to go direct. */
    Proxy select(Origin origin) {
        Proxy p = origin.secure() ? https : http;
        if (p == null || bypassed(origin.host(), origin.port())) {
            return null;
        }
        return p;
    }

    /** True when {@code NO_PROXY} sends a request to {@code host} (lower case, IPv6 unbracketed) on {@code port} direct. */
    public boolean bypassed(String host, int port) {
        byte[] ip = ipLiteral(host);
        for (Entry e : noProxy) {
            if (e.port >= 0 && e.port != port) {
                continue;
            }
            if (e.wildcard) {
                return true;
            }
            if (ip != null) {
                if (e.network != null && inNetwork(ip, e.network, e.prefix)) {
                    return true;
                }
            } else if (e.domain != null && (host.equals(e.domain)
                    || host.endsWith(e.domain) && host.charAt(host.length() - e.domain.length() - 1) == '.')) {
                return true;
            }
        }
        return false;
    }

    /** True when some request may go through a proxy. */
    public boolean any() {
        return http != null || https != null;
    }

    private static boolean inNetwork(byte[] ip, byte[] net, int prefix) {
        if (ip.length != net.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit & 7);
            if ((ip[bit >> 3] & mask) != (net[bit >> 3] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** One NO_PROXY entry: {@code *}, an address or network, or a domain; with a port or not (-1). */
    private record Entry(boolean wildcard, byte[] network, int prefix, String domain, int port) {}

    private static List<Entry> parseNoProxy(String list) {
        List<Entry> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String raw : list.split(",")) {
            String s = raw.strip().toLowerCase(Locale.ROOT);
            if (s.isEmpty()) {
                continue;
            }
            int port = -1;
            if (s.startsWith("[")) { // [v6] or [v6]:port
                int close = s.indexOf(']');
                if (close > 0) {
                    port = portOf(s.substring(close + 1));
                    s = s.substring(1, close);
                }
            } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') > 0) { // host:port, not bare IPv6
                int colon = s.indexOf(':');
                int p = portOf(s.substring(colon));
                if (p >= 0) {
                    port = p;
                    s = s.substring(0, colon);
                }
            }
            if (s.equals("*")) {
                out.add(new Entry(true, null, 0, null, port));
                continue;
            }
            int slash = s.indexOf('/');
            byte[] addr = ipLiteral(slash < 0 ? s : s.substring(0, slash));
            if (addr != null) {
                int max = addr.length * 8;
                int prefix = max;
                if (slash >= 0) {
                    String bits = s.substring(slash + 1);
                    prefix = bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Character::isDigit) ? -1
                            : Integer.parseInt(bits);
                    if (prefix < 0 || prefix > max) {
                        continue; // reqwest reads it as a domain, which matches no host: drop it
                    }
                }
                out.add(new Entry(false, addr, prefix, null, port));
                continue;
            }
            String domain = s.startsWith(".") ? s.substring(1) : s;
            if (!domain.isEmpty()) {
                out.add(new Entry(false, null, 0, domain, port));
            }
        }
        return List.copyOf(out);
    }

    /** {@code ":8080"} → 8080; anything else → -1. */
    private static int portOf(String s) {
        if (s.length() < 2 || s.length() > 6 || s.charAt(0) != ':' || !s.substring(1).chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int p = Integer.parseInt(s.substring(1));
        return p >= 1 && p <= 65535 ? p : -1;
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for a name (never resolved). */
    private static byte[] ipLiteral(String s) {
        if (s.isEmpty()) {
            return null;
        }
        boolean v6 = s.indexOf(':') >= 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = v6 ? c == ':' || c == '.' || Character.digit(c, 16) >= 0 : c == '.' || c >= '0' && c <= '9';
            if (!ok) {
                return null;
            }
        }
        if (!v6 && s.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** What the rules are, for logs and messages; never a password. */
    @Override
    public String toString() {
        return any() ? description : "direct";
    }
}

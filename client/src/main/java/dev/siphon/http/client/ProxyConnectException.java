package dev.siphon.http.client;

/**
 * The proxy did not open the tunnel to an https:// origin: it answered the CONNECT (RFC 9110
 * §9.3.6) with a status other than 2xx ({@link #status()}: 403 when its rules forbid the
 * destination, 407 when it wants credentials, 502 when it cannot reach the origin), or closed the
 * connection or sent something that is no HTTP response instead ({@link #status()} -1). Nothing
 * was sent to the origin.
 */
public final class ProxyConnectException extends ConnectFailedException {
    private final String proxy;
    private final int status;

    public ProxyConnectException(String message, String proxy, int status) {
        super(message);
        this.proxy = proxy;
        this.status = status;
    }

    /** The proxy, as {@code http://host:port} (never its credentials). */
    public String proxy() {
        return proxy;
    }

    /** The proxy's status code, or -1 when it gave none. */
    public int status() {
        return status;
    }
}

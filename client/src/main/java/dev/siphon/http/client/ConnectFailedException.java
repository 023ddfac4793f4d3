package dev.siphon.http.client;

/**
 * The connection could not be opened for another reason: unknown host, unreachable network, or
 * (as {@link ProxyConnectException}) a proxy that would not open the tunnel.
 */
public sealed class ConnectFailedException extends ClientException permits ProxyConnectException {
    public ConnectFailedException(String message) {
        super(message, null);
    }

    public ConnectFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

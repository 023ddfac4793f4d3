package dev.siphon.http.client;

/** The TCP connection to the origin did not open within the connect timeout. */
public final class ConnectTimeoutException extends ClientException {
    public ConnectTimeoutException(String message) {
        super(message, null);
    }

    public ConnectTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}

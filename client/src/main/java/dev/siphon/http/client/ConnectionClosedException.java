package dev.siphon.http.client;

/** The connection ended before the response was complete, the HTTP/2 stream was reset, or the client was closed. */
public final class ConnectionClosedException extends ClientException {
    public ConnectionClosedException(String message) {
        super(message, null);
    }

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}

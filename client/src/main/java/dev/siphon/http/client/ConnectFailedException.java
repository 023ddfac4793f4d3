package dev.siphon.http.client;

/** The TCP connection could not be opened for another reason: unknown host, unreachable network. */
public final class ConnectFailedException extends ClientException {
    public ConnectFailedException(String message) {
        super(message, null);
    }

    public ConnectFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

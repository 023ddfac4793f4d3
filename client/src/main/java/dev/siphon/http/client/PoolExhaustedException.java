package dev.siphon.http.client;

/** Every connection of the origin's pool was busy and its bounded wait queue was full: the request was refused at once. */
public final class PoolExhaustedException extends ClientException {
    public PoolExhaustedException(String message) {
        super(message, null);
    }

    public PoolExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}

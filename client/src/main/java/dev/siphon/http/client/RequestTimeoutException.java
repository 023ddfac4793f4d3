package dev.siphon.http.client;

/** No complete response arrived within the request's {@code timeout_ms}; its connection was closed if the exchange had started. */
public final class RequestTimeoutException extends ClientException {
    public RequestTimeoutException(String message) {
        super(message, null);
    }

    public RequestTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.siphon.http.client;

/** The origin sent a response that breaks HTTP/1.1 (RFC 9112) or HTTP/2 (RFC 9113) framing; the connection was closed. */
public final class MalformedResponseException extends ClientException {
    public MalformedResponseException(String message) {
        super(message, null);
    }

    public MalformedResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}

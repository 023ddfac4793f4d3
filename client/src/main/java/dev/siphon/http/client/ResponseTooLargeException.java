package dev.siphon.http.client;

/** The response head or body passed its configured cap; the connection was closed without buffering past the cap. */
public final class ResponseTooLargeException extends ClientException {
    public ResponseTooLargeException(String message) {
        super(message, null);
    }

    public ResponseTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}

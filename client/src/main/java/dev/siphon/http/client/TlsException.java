package dev.siphon.http.client;

/** An https:// request could not be made: the TLS handshake or certificate verification failed, or TLS is unavailable. */
public final class TlsException extends ClientException {
    public TlsException(String message) {
        super(message, null);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}

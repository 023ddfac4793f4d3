package dev.siphon.http.client;

/**
 * The request URL names another origin than the client's base URL, and the client was not built
 * to allow that ({@code allow_other_origins}): nothing was sent, no connection was opened.
 */
public final class OriginNotAllowedException extends ClientException {
    public OriginNotAllowedException(String message) {
        super(message, null);
    }
}

package dev.siphon.http.client;

/**
 * A redirect answered the tenth redirect in a row ({@link HttpClient#MAX_REDIRECTS}): a loop, or
 * a chain longer than the client follows. The last answer was not returned.
 */
public final class TooManyRedirectsException extends ClientException {
    public TooManyRedirectsException(String message) {
        super(message, null);
    }
}

package dev.siphon.http.client;

/** Thrown by {@link ClientResponse#raiseForStatus()} for a 4xx or 5xx response, which it carries. */
public final class HttpStatusException extends ClientException {
    private final transient ClientResponse response;

    public HttpStatusException(ClientResponse response) {
        super("HTTP " + response.status() + (response.status() < 500 ? " (client error)" : " (server error)"), null);
        this.response = response;
    }

    public ClientResponse response() {
        return response;
    }
}

package dev.siphon.http.client;

import dev.siphon.http.BodyStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A response whose body flows while it arrives ({@link HttpClient#sendStreaming}): the head is
 * here, the body is read from {@link #body()} chunk by chunk, with backpressure: the client reads
 * the origin's bytes only as fast as they are taken from the stream (HTTP/1.1 stops reading the
 * socket, HTTP/2 withholds the stream's WINDOW_UPDATE).
 *
 * <p>The caller must read the body to its end or {@linkplain BodyStream#cancel cancel} it: until
 * then the exchange holds its connection (HTTP/1.1) or stream (HTTP/2). Cancelling closes the
 * HTTP/1.1 connection (it is not reused) or resets the HTTP/2 stream. A body that cannot be
 * completed (the connection broke, the stream was reset, no byte came for {@code timeout_ms})
 * fails the stream with a {@link ClientException}: a read sees it after the chunks before it.
 *
 * @param status  the final status code (interim 1xx responses are never returned)
 * @param headers lower-case name to value, as {@link ClientResponse#headers()}; unmodifiable
 * @param version "HTTP/1.1", "HTTP/1.0" or "HTTP/2"
 * @param body    the body as it arrives; ends at once for HEAD, 204, 304 and empty bodies
 */
public record StreamingResponse(int status, Map<String, String> headers, String version, BodyStream body) {

    /** The value of a header field by case-insensitive name, or {@code null}. */
    public String header(String name) {
        return headers.get(Ascii.lower(name));
    }

    /**
     * Reads the rest of the body into a {@link ClientResponse}; past {@code cap} octets the body
     * is cancelled and the future fails with {@link ResponseTooLargeException}.
     */
    public CompletableFuture<ClientResponse> readAll(long cap) {
        CompletableFuture<ClientResponse> r = new CompletableFuture<>();
        body.readAll(cap).whenComplete((bytes, e) -> {
            if (e == null) {
                r.complete(new ClientResponse(status, headers, bytes, version));
            } else if (e instanceof BodyStream.BodyTooLargeException) {
                r.completeExceptionally(new ResponseTooLargeException("response body longer than " + cap
                        + " octets; cancelled"));
            } else {
                r.completeExceptionally(e);
            }
        });
        return r;
    }

    @Override
    public String toString() {
        return "StreamingResponse[" + version + " " + status + ", " + headers.size() + " fields, " + body + "]";
    }
}

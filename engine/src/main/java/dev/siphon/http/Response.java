package dev.siphon.http;

import java.nio.charset.StandardCharsets;

/**
 * A final response a handler returns: status 200 to 599. The engine sets {@code Content-Length}
 * and {@code Date} itself (any framing headers the handler sets are replaced); the body is sent
 * as given.
 *
 * <p>Built by one thread, then handed to the engine, which owns it from then on.
 */
public final class Response {
    /** The lowest status a handler may answer with: a final response (RFC 9110 §15.3). */
    public static final int MIN_STATUS = 200;
    /** The highest status a handler may answer with: RFC 9110 §15 defines none above 599. */
    public static final int MAX_STATUS = 599;
    private static final byte[] EMPTY = new byte[0];

    private final int status;
    private final Headers headers;
    private byte[] body;
    private BodyStream bodyStream;

    public Response(int status) {
        this(status, new Headers(4), EMPTY);
    }

    /**
     * @throws IllegalArgumentException for a status outside {@value #MIN_STATUS}..{@value #MAX_STATUS}:
     *     a handler answering a request from its handler's code gets {@code 500} instead
     */
    public Response(int status, Headers headers, byte[] body) {
        if (status < MIN_STATUS || status > MAX_STATUS) {
            // RFC 9110 §15.2: a client reads a 1xx as interim and waits on for the final response,
            // so a 1xx answered as final would pair every later response on the connection with
            // the wrong request. Interim responses are the engine's own (100 Continue).
            throw new IllegalArgumentException("a response status must be from " + MIN_STATUS + " to " + MAX_STATUS
                    + ", was " + status + (status >= 100 && status < 200
                    ? " (a 1xx is an interim response, which the engine sends itself)" : ""));
        }
        this.status = status;
        this.headers = headers == null ? new Headers(4) : headers;
        this.body = body == null ? EMPTY : body;
    }

    /** A {@code text/plain; charset=utf-8} response. */
    public static Response text(int status, String body) {
        Response r = new Response(status);
        r.headers.add("content-type", "text/plain; charset=utf-8");
        r.body = body.getBytes(StandardCharsets.UTF_8);
        return r;
    }

    /**
     * A response whose body is produced while it is sent: the engine writes the head, then each
     * chunk {@code body} yields as it comes (HTTP/1.1 chunked, or exactly the {@code
     * content-length} the headers give; HTTP/2 DATA frames under flow control), taking chunks
     * only as fast as the client reads them. When the client goes away the engine {@linkplain
     * BodyStream#cancel cancels} {@code body}; when the producer {@linkplain BodyStream#fail
     * fails} it, HTTP/1.1 closes the connection without the last chunk and HTTP/2 resets the
     * stream (INTERNAL_ERROR), so a client never takes a truncated body for a whole one.
     */
    public static Response streaming(int status, Headers headers, BodyStream body) {
        Response r = new Response(status, headers, null);
        r.bodyStream = java.util.Objects.requireNonNull(body, "body");
        return r;
    }

    /** The body of a {@link #streaming} response; null for a whole one ({@link #body()}). */
    public BodyStream bodyStream() {
        return bodyStream;
    }

    public static Response of(int status, byte[] body) {
        return new Response(status, null, body);
    }

    public Response header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    public Response body(byte[] body) {
        this.body = body == null ? EMPTY : body;
        return this;
    }

    public Response body(String body) {
        return body(body.getBytes(StandardCharsets.UTF_8));
    }

    public int status() {
        return status;
    }

    public Headers headers() {
        return headers;
    }

    public byte[] body() {
        return body;
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + headers + ", " + (bodyStream != null ? "streaming" : body.length + " bytes") + "]";
    }
}

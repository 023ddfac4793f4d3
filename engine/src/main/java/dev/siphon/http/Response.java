package dev.siphon.http;

import java.nio.charset.StandardCharsets;

/**
 * A response a handler returns. The engine sets {@code Content-Length} and {@code Date} itself
 * (any framing headers the handler sets are replaced); the body is sent as given.
 *
 * <p>Built by one thread, then handed to the engine, which owns it from then on.
 */
public final class Response {
    private static final byte[] EMPTY = new byte[0];

    private final int status;
    private final Headers headers;
    private byte[] body;

    public Response(int status) {
        this(status, new Headers(4), EMPTY);
    }

    public Response(int status, Headers headers, byte[] body) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status out of range: " + status);
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
        return "Response[" + status + ", " + headers + ", " + body.length + " bytes]";
    }
}

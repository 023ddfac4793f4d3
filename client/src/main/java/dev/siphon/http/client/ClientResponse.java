package dev.siphon.http.client;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A complete response: status, header fields with lower-case names (a repeated field's values
 * joined with ", ", RFC 9110 §5.3), and the whole body. Immutable once built; safe to hand to
 * any thread. The body array is not copied: callers must not change it.
 *
 * @param status  the final status code (interim 1xx responses are never returned)
 * @param headers lower-case name to value, in the order received; unmodifiable
 * @param body    the body, empty (never null) for HEAD, 204, 304 and empty bodies
 * @param version "HTTP/1.1", "HTTP/1.0" or "HTTP/2"
 */
public record ClientResponse(int status, Map<String, String> headers, byte[] body, String version) {

    /** The value of a header field by case-insensitive name, or {@code null}. */
    public String header(String name) {
        return headers.get(Ascii.lower(name));
    }

    /** The body decoded as UTF-8. */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns this response for 1xx-3xx; throws {@link HttpStatusException} for 4xx and 5xx. */
    public ClientResponse raiseForStatus() throws HttpStatusException {
        if (status >= 400) {
            throw new HttpStatusException(this);
        }
        return this;
    }

    @Override
    public String toString() {
        return "ClientResponse[" + version + " " + status + ", " + headers.size() + " fields, " + body.length + " bytes]";
    }
}

package dev.siphon.http.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed HTTP/1.1 response head. Built by {@link Http1ResponseParser}; immutable after.
 *
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1 (higher minors are read as 1.1, RFC 9110 §2.5)
 * @param status       the status code, 100 to 599
 * @param fields       lower-case names to values; repeated fields joined with ", " (RFC 9110 §5.3)
 */
record ResponseHead(int minorVersion, int status, Map<String, String> fields) {

    static ResponseHead of(int minorVersion, int status, LinkedHashMap<String, String> fields) {
        return new ResponseHead(minorVersion, status, Collections.unmodifiableMap(fields));
    }

    String field(String lowerName) {
        return fields.get(lowerName);
    }

    String version() {
        return minorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1";
    }
}

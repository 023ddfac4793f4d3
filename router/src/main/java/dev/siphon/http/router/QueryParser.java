package dev.siphon.http.router;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses a raw query string ({@code application/x-www-form-urlencoded} pairs, the part after
 * {@code '?'} without it) into {@code req.query_params}.
 *
 * <ul>
 *   <li>Pairs are separated by {@code '&'} only ({@code ';'} is data, as in Python 3.10+).</li>
 *   <li>Empty pairs ({@code a=1&&b=2}) are skipped.</li>
 *   <li>A key without {@code '='} maps to {@code ""}; {@code =v} maps {@code ""} to {@code v}
 *       (Python's {@code parse_qsl(..., keep_blank_values=True)} does the same).</li>
 *   <li>A repeated key keeps its last value (SPEC §4) and its first position.</li>
 *   <li>Keys and values go through {@link PathDecoder#decodeQuery}: {@code '+'} is a space,
 *       {@code %XX} is decoded, malformed escapes are kept literally.</li>
 * </ul>
 * The result is unmodifiable and iterates in first-occurrence order.
 *
 * <p>Stateless; any thread (runs on the thread that builds the request).
 */
public final class QueryParser {

    private QueryParser() {}

    public static Map<String, String> parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, String> params = new LinkedHashMap<>();
        int length = rawQuery.length();
        int start = 0;
        while (start <= length) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                int eq = rawQuery.indexOf('=', start);
                if (eq < 0 || eq > end) {
                    params.put(PathDecoder.decodeQuery(rawQuery, start, end), "");
                } else {
                    params.put(PathDecoder.decodeQuery(rawQuery, start, eq),
                            PathDecoder.decodeQuery(rawQuery, eq + 1, end));
                }
            }
            start = end + 1;
        }
        return Collections.unmodifiableMap(params);
    }
}

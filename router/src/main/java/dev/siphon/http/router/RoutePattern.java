package dev.siphon.http.router;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed route pattern: the text as registered and its segments.
 *
 * <p>Grammar: the pattern starts with {@code '/'}; the rest is split on {@code '/'} into
 * segments, each one of
 * <ul>
 *   <li>static text: matched exactly against the raw (still percent-encoded) request segment.
 *       Characters a client has to percent-encode (RFC 3986 §3.3: anything outside
 *       {@code pchar}, e.g. a space or non-ASCII text) are encoded here as UTF-8 with
 *       upper-case hex, so {@code /café} matches {@code /caf%C3%A9}. An existing
 *       {@code %XX} is kept, its hex upper-cased. An empty static segment is allowed: it is
 *       how {@code /} and a trailing slash ({@code /users/}) are written.</li>
 *   <li>{@code {name}}: exactly one non-empty segment.</li>
 *   <li>{@code {*name}}: the rest of the path, one character at least, {@code '/'} included;
 *       only as the last segment.</li>
 * </ul>
 * A brace anywhere else, an empty or brace-holding name, a malformed {@code %}, or a name used
 * twice in one pattern is a {@link RouteException} naming the pattern.
 *
 * <p>Immutable; built on the thread that registers routes.
 */
record RoutePattern(String text, List<Segment> segments) {

    sealed interface Segment permits Static, Param, CatchAll {}

    /** {@code literal} is in the raw form a request carries (see the class comment). */
    record Static(String literal) implements Segment {}

    record Param(String name) implements Segment {}

    record CatchAll(String name) implements Segment {}

    static RoutePattern parse(String text) {
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw invalid(text, "a pattern must start with '/'");
        }
        List<Segment> segments = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int start = 1;
        while (true) {
            int end = text.indexOf('/', start);
            boolean last = end < 0;
            if (last) {
                end = text.length();
            }
            Segment segment = segment(text, start, end);
            if (segment instanceof CatchAll && !last) {
                throw invalid(text, "a catch-all {*...} must be the last segment");
            }
            String name = switch (segment) {
                case Param p -> p.name();
                case CatchAll c -> c.name();
                case Static s -> null;
            };
            if (name != null && !names.add(name)) {
                throw invalid(text, "parameter name '" + name + "' is used twice");
            }
            segments.add(segment);
            if (last) {
                return new RoutePattern(text, List.copyOf(segments));
            }
            start = end + 1;
        }
    }

    private static Segment segment(String text, int start, int end) {
        if (end > start && text.charAt(start) == '{' && text.charAt(end - 1) == '}') {
            boolean catchAll = end - start > 2 && text.charAt(start + 1) == '*';
            String name = text.substring(start + (catchAll ? 2 : 1), end - 1);
            if (name.isEmpty()) {
                throw invalid(text, "empty parameter name in '" + text.substring(start, end) + "'");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c == '{' || c == '}' || c == '*') {
                    throw invalid(text, "'" + c + "' in parameter name '" + name + "'");
                }
            }
            return catchAll ? new CatchAll(name) : new Param(name);
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}') {
                throw invalid(text, "'" + c + "' outside a whole-segment {name} or {*name}");
            }
        }
        return new Static(rawForm(text, start, end));
    }

    /** The segment as a client sends it: RFC 3986 §2.1 percent-encoding, upper-case hex. */
    private static String rawForm(String text, int start, int end) {
        StringBuilder out = new StringBuilder(end - start);
        int i = start;
        while (i < end) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= end || PathDecoder.hex(text.charAt(i + 1)) < 0 || PathDecoder.hex(text.charAt(i + 2)) < 0) {
                    throw invalid(text, "malformed percent-encoding at index " + i);
                }
                out.append('%')
                        .append(Character.toUpperCase(text.charAt(i + 1)))
                        .append(Character.toUpperCase(text.charAt(i + 2)));
                i += 3;
            } else if (isPchar(c)) {
                out.append(c);
                i++;
            } else {
                int cp = text.codePointAt(i);
                int n = Character.charCount(cp);
                for (byte b : text.substring(i, i + n).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
                i += n;
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    // RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
    private static boolean isPchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    private static RouteException invalid(String text, String why) {
        return new RouteException("invalid route pattern '" + text + "': " + why);
    }
}

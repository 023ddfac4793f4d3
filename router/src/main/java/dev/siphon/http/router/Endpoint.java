package dev.siphon.http.router;

import java.util.Map;

/**
 * What a trie node that ends a pattern holds: the handler per method, the precomputed 405
 * answer, and where the pattern's parameters sit in the path.
 *
 * <p>Immutable once built; read concurrently by every thread that matches.
 */
final class Endpoint<H> {

    private static final String HEAD = "HEAD";

    private final String[] methods;
    private final Object[] handlers;
    private final String[] patterns;
    /** Index of GET in {@link #methods} when HEAD is not registered itself, else -1. */
    private final int headFallback;
    private final RouteMatch.MethodNotAllowed<H> notAllowed;
    /** Per method, the answer of a pattern without parameters: immutable, so one instance serves every match. */
    private final RouteMatch.Found<H>[] constant;

    private final String[] paramNames;
    /**
     * Per parameter, the characters between the previous parameter's end (or the leading '/')
     * and its start: the static segments in between with their slashes, all '/'-terminated,
     * so a parameter starts at {@code previousEnd + 1 + gap} (the first at {@code 1 + gap}).
     */
    private final int[] paramGaps;
    /** Whether the last parameter is a catch-all, which runs to the end of the path. */
    private final boolean endsWithCatchAll;

    Endpoint(String[] methods, Object[] handlers, String[] patterns, String allow,
             String[] paramNames, int[] paramGaps, boolean endsWithCatchAll) {
        this.methods = methods;
        this.handlers = handlers;
        this.patterns = patterns;
        int get = -1;
        boolean head = false;
        for (int i = 0; i < methods.length; i++) {
            get = methods[i].equals("GET") ? i : get;
            head |= methods[i].equals(HEAD);
        }
        // RFC 9110 §9.3.2: HEAD is GET without the content; the engine drops the body.
        this.headFallback = head ? -1 : get;
        this.notAllowed = new RouteMatch.MethodNotAllowed<>(allow);
        this.paramNames = paramNames;
        this.paramGaps = paramGaps;
        this.endsWithCatchAll = endsWithCatchAll;
        this.constant = paramNames.length == 0 ? constantMatches(handlers, patterns) : null;
    }

    @SuppressWarnings("unchecked")
    private static <H> RouteMatch.Found<H>[] constantMatches(Object[] handlers, String[] patterns) {
        RouteMatch.Found<H>[] found = (RouteMatch.Found<H>[]) new RouteMatch.Found<?>[handlers.length];
        for (int i = 0; i < found.length; i++) {
            found[i] = new RouteMatch.Found<>((H) handlers[i], patterns[i], Map.of());
        }
        return found;
    }

    /** Picks the handler for {@code method} and captures the parameters from {@code path}. */
    @SuppressWarnings("unchecked")
    RouteMatch<H> select(String method, String path) {
        int route = -1;
        for (int i = 0; i < methods.length; i++) {
            if (methods[i].equals(method)) {
                route = i;
                break;
            }
        }
        if (route < 0) {
            if (headFallback < 0 || !method.equals(HEAD)) {
                return notAllowed;
            }
            route = headFallback;
        }
        int count = paramNames.length;
        if (count == 0) {
            return constant[route];
        }
        H handler = (H) handlers[route];
        // The path matched this endpoint's pattern, so its static segments are the pattern's
        // literals: each parameter's start is known from the lengths, and only the parameters
        // themselves are scanned, once, for their end and for a '%' to decode.
        PathParams params = new PathParams(paramNames);
        int length = path.length();
        int start = 1;
        for (int p = 0; p < count; p++) {
            start += paramGaps[p];
            String value;
            int end;
            if (endsWithCatchAll && p == count - 1) {
                end = length;
                value = PathDecoder.decodePath(path, start, end);
            } else {
                boolean percent = false;
                end = start;
                for (char c; end < length && (c = path.charAt(end)) != '/'; end++) {
                    percent |= c == '%';
                }
                value = percent ? PathDecoder.decodePath(path, start, end) : path.substring(start, end);
            }
            if (value == null) {
                return new RouteMatch.BadPath<>("path parameter '" + paramNames[p] + "': "
                        + PathDecoder.pathError(path, start, end));
            }
            params.set(p, value);
            start = end + 1;
        }
        return new RouteMatch.Found<>(handler, patterns[route], params);
    }
}

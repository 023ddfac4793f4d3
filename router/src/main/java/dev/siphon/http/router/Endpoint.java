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

    private final String[] paramNames;
    /** Segment index (0 = first after the leading '/') of each parameter, ascending. */
    private final int[] paramSegments;
    /** Whether the last parameter is a catch-all, which runs to the end of the path. */
    private final boolean endsWithCatchAll;

    Endpoint(String[] methods, Object[] handlers, String[] patterns, String allow,
             String[] paramNames, int[] paramSegments, boolean endsWithCatchAll) {
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
        this.paramSegments = paramSegments;
        this.endsWithCatchAll = endsWithCatchAll;
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
        H handler = (H) handlers[route];
        int count = paramNames.length;
        if (count == 0) {
            return new RouteMatch.Found<>(handler, patterns[route], Map.of());
        }
        String[] values = new String[count];
        int length = path.length();
        int segment = 0;
        int start = 1;
        for (int p = 0; p < count; p++) {
            int wanted = paramSegments[p];
            for (; segment < wanted; segment++) {
                start = path.indexOf('/', start) + 1;
            }
            int end;
            if (endsWithCatchAll && p == count - 1) {
                end = length;
            } else {
                end = path.indexOf('/', start);
                end = end < 0 ? length : end;
            }
            String value = PathDecoder.decodePath(path, start, end);
            if (value == null) {
                return new RouteMatch.BadPath<>("path parameter '" + paramNames[p] + "': "
                        + PathDecoder.pathError(path, start, end));
            }
            values[p] = value;
        }
        return new RouteMatch.Found<>(handler, patterns[route], new PathParams(paramNames, values));
    }
}

package dev.siphon.http.py;

import java.util.List;

/**
 * One {@code @http.route} registration as a worker context recorded it.
 *
 * @param pattern the route pattern, e.g. {@code /orders/{id}}
 * @param methods upper-cased methods, in the order given
 * @param handler the handler's qualified Python name, for messages
 * @param streamCap {@link #BUFFERED} for a route whose body is buffered whole (the listener's
 *                  {@code max_body_bytes}); else the route streams its body ({@code stream=True})
 *                  and this is its {@code max_body_bytes}, {@link dev.siphon.http.StreamingRoute#UNLIMITED} for none
 */
public record RouteSpec(String pattern, List<String> methods, String handler, long streamCap) {
    /** {@link #streamCap} of a route whose body is buffered whole. */
    public static final long BUFFERED = -1;

    public RouteSpec {
        methods = List.copyOf(methods);
    }

    public RouteSpec(String pattern, List<String> methods, String handler) {
        this(pattern, methods, handler, BUFFERED);
    }

    /** The route reads its body as it arrives ({@code @http.route(..., stream=True)}). */
    public boolean stream() {
        return streamCap != BUFFERED;
    }

    /** Same route, ignoring the handler's name (two contexts name the same function alike anyway). */
    boolean sameRoute(RouteSpec o) {
        return pattern.equals(o.pattern) && methods.equals(o.methods) && streamCap == o.streamCap;
    }
}

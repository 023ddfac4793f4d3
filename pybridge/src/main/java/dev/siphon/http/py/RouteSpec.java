package dev.siphon.http.py;

import java.util.List;

/**
 * One {@code @http.route} registration as a worker context recorded it.
 *
 * @param pattern the route pattern, e.g. {@code /orders/{id}}
 * @param methods upper-cased methods, in the order given
 * @param handler the handler's qualified Python name, for messages
 */
public record RouteSpec(String pattern, List<String> methods, String handler) {
    public RouteSpec {
        methods = List.copyOf(methods);
    }

    /** Same route, ignoring the handler's name (two contexts name the same function alike anyway). */
    boolean sameRoute(RouteSpec o) {
        return pattern.equals(o.pattern) && methods.equals(o.methods);
    }
}

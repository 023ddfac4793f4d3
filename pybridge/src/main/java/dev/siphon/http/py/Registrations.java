package dev.siphon.http.py;

import java.util.List;

/**
 * What a script registered in one worker context.
 *
 * @param routes        the {@code @http.route} registrations, in order; the index is the route's id
 * @param middleware    number of {@code @http.middleware} guards
 * @param startupHooks  number of {@code @http.on_startup} hooks
 * @param shutdownHooks number of {@code @http.on_shutdown} hooks
 */
public record Registrations(List<RouteSpec> routes, int middleware, int startupHooks, int shutdownHooks) {
    public Registrations {
        routes = List.copyOf(routes);
    }

    /** Registrations without {@code @http.on_shutdown} hooks. */
    public Registrations(List<RouteSpec> routes, int middleware, int startupHooks) {
        this(routes, middleware, startupHooks, 0);
    }
}

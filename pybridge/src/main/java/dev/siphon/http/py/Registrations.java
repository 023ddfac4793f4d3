package dev.siphon.http.py;

import java.util.List;

/**
 * What a script registered in one worker context.
 *
 * @param routes        the {@code @http.route} registrations, in order; the index is the route's id
 * @param middleware    number of {@code @http.middleware} guards
 * @param startupHooks  number of {@code @http.on_startup} hooks
 * @param shutdownHooks number of {@code @http.on_shutdown} hooks
 * @param unmatched     number of {@code @http.middleware(unmatched=True)}: with any, the requests
 *                      no route matches go to the script too
 */
public record Registrations(List<RouteSpec> routes, int middleware, int startupHooks, int shutdownHooks,
                            int unmatched) {
    public Registrations {
        routes = List.copyOf(routes);
    }

    /** Registrations without middleware for unmatched requests. */
    public Registrations(List<RouteSpec> routes, int middleware, int startupHooks, int shutdownHooks) {
        this(routes, middleware, startupHooks, shutdownHooks, 0);
    }

    /** Registrations without {@code @http.on_shutdown} hooks. */
    public Registrations(List<RouteSpec> routes, int middleware, int startupHooks) {
        this(routes, middleware, startupHooks, 0);
    }
}

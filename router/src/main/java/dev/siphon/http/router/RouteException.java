package dev.siphon.http.router;

/**
 * A route pattern that cannot be registered: malformed syntax, a method that is not an
 * RFC 9110 token, or a clash with a route registered before. A clash message names both
 * routes, e.g. {@code route GET /users/{name} conflicts with GET /users/{id}: ...}, so a
 * start-up error points at both registrations.
 *
 * <p>Thrown at registration time on the thread that builds the router; never while matching.
 */
public final class RouteException extends IllegalArgumentException {

    public RouteException(String message) {
        super(message);
    }
}

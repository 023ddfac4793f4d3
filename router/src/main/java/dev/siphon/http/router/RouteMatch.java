package dev.siphon.http.router;

import java.util.Map;

/**
 * The outcome of {@link Router#match}: exactly one of four answers, so the engine's dispatch
 * is an exhaustive switch.
 *
 * <ul>
 *   <li>{@link Found}: call {@code handler}; {@code params} are the percent-decoded path
 *       parameters, unmodifiable, in pattern order.</li>
 *   <li>{@link NotFound}: no pattern matches the path; the engine answers 404 without calling
 *       Python. One shared instance.</li>
 *   <li>{@link MethodNotAllowed}: a pattern matches the path but has no handler for the method;
 *       405 with {@code Allow: allow} (RFC 9110 §15.5.6). One shared instance per path.</li>
 *   <li>{@link BadPath}: the path matched, but a captured parameter is malformed
 *       percent-encoding or not UTF-8; 400. {@code reason} is for the log.</li>
 * </ul>
 */
public sealed interface RouteMatch<H>
        permits RouteMatch.Found, RouteMatch.NotFound, RouteMatch.MethodNotAllowed, RouteMatch.BadPath {

    record Found<H>(H handler, String pattern, Map<String, String> params) implements RouteMatch<H> {}

    record NotFound<H>() implements RouteMatch<H> {}

    record MethodNotAllowed<H>(String allow) implements RouteMatch<H> {}

    record BadPath<H>(String reason) implements RouteMatch<H> {}
}

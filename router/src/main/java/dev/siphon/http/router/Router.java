package dev.siphon.http.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Maps a request's method and raw path to a handler (SPEC §4).
 *
 * <h2>Patterns</h2>
 * Static segments, {@code {name}} (one non-empty segment) and {@code {*name}} (the rest of the
 * path, at least one character, {@code '/'} included; last segment only). Syntax and
 * normalisation are in {@link RoutePattern}. Matching is on the raw, still percent-encoded
 * path, split on {@code '/'}: {@code %2F} inside a segment stays in that segment's parameter,
 * and is decoded to {@code '/'} only in the parameter's value. The path is matched as
 * received: no dot-segment removal, no merging of {@code //}, case-sensitive (RFC 3986
 * §6.2.2.1), and a trailing slash matters ({@code /users/} is not {@code /users}).
 *
 * <h2>Priority</h2>
 * At each segment a static child beats a parameter, which beats a catch-all. When the
 * preferred branch dead-ends further down the path, the next one is tried: with
 * {@code /a/{x}/c} and {@code /a/b/d} registered, {@code /a/b/c} matches the first.
 * The path is resolved before the method is looked at, as in axum: the most specific pattern
 * matching the path decides, and if it has no handler for the method the answer is
 * {@link RouteMatch.MethodNotAllowed}, even if a less specific pattern would have one.
 *
 * <h2>Methods</h2>
 * Registered methods are upper-cased and must be RFC 9110 §5.6.2 tokens. A request's method is
 * compared exactly, since methods are case-sensitive (RFC 9110 §9.1): {@code get} is not
 * {@code GET}. HEAD falls back to the GET handler when HEAD is not registered for the path. The
 * {@code Allow} value of a path lists its methods, plus HEAD when GET is there, sorted,
 * separated by {@code ", "}.
 *
 * <h2>Conflicts</h2>
 * Each is a {@link RouteException} at registration, naming both routes: the same method twice
 * on one pattern, and patterns that put differently named parameters (or catch-alls) at the
 * same position, such as {@code /users/{id}} and {@code /users/{name}}, whatever their
 * methods: the trie keeps one parameter name per position, and two such patterns would match
 * exactly the same paths.
 *
 * <p>A built router is immutable and safe to share: {@link #match} runs on the I/O loop
 * threads, concurrently, without locks. It walks the trie without allocating; a match with
 * parameters allocates the {@link RouteMatch.Found}, its parameter map and the parameter
 * strings (a parameter without {@code %} is a plain substring). {@link RouteMatch.NotFound},
 * {@link RouteMatch.MethodNotAllowed} and the {@link RouteMatch.Found} of a pattern without
 * parameters are shared instances.
 */
public final class Router<H> {

    private static final RouteMatch.NotFound<?> NOT_FOUND = new RouteMatch.NotFound<>();

    private final Node<H> root;
    private final List<String> patterns;
    private final H unmatched;

    private Router(Node<H> root, List<String> patterns, H unmatched) {
        this.root = root;
        this.patterns = patterns;
        this.unmatched = unmatched;
    }

    public static <H> Builder<H> builder() {
        return new Builder<>();
    }

    /**
     * @param method  the request method, as received
     * @param rawPath the request path as received: percent-encoded, without the query string;
     *                anything not starting with {@code '/'} (such as {@code *}) is not found
     */
    public RouteMatch<H> match(String method, String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return notFound();
        }
        Node<H> node = Node.find(root, rawPath, 1);
        return node == null ? notFound() : node.endpoint.select(method, rawPath);
    }

    /** The distinct registered patterns, in the order they were first registered. */
    public List<String> patterns() {
        return patterns;
    }

    /** The handler for a request no route matched ({@link Builder#unmatched}), or null. */
    public H unmatched() {
        return unmatched;
    }

    @SuppressWarnings("unchecked")
    private static <H> RouteMatch<H> notFound() {
        return (RouteMatch<H>) NOT_FOUND;
    }

    /**
     * Collects routes; each {@code add} validates at once and throws {@link RouteException} on a
     * malformed pattern or a conflict, leaving the builder as it was. Confined to one thread.
     */
    public static final class Builder<H> {

        private final RouteTrie<H> trie = new RouteTrie<>();
        private final Set<String> patterns = new LinkedHashSet<>();
        private H unmatched;

        private Builder() {}

        /**
         * The handler a dispatcher may give the requests that match no route, instead of
         * answering them itself (null: none). The router only carries it: {@link #match} is
         * unchanged.
         */
        public Builder<H> unmatched(H handler) {
            this.unmatched = handler;
            return this;
        }

        public Builder<H> add(String method, String pattern, H handler) {
            return add(List.of(method), pattern, handler);
        }

        public Builder<H> add(Collection<String> methods, String pattern, H handler) {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(handler, "handler");
            RoutePattern parsed = RoutePattern.parse(pattern);
            Set<String> normalized = new LinkedHashSet<>();
            for (String method : methods) {
                // Interned: the HTTP/1.1 parser hands over its method constants, and String.equals
                // answers identical strings at once.
                String upper = method.toUpperCase(Locale.ROOT).intern();
                if (!isToken(upper)) {
                    throw new RouteException("route " + pattern + ": method '" + method + "' is not a token");
                }
                normalized.add(upper);
            }
            if (normalized.isEmpty()) {
                throw new RouteException("route " + pattern + ": no methods given");
            }
            trie.insert(List.copyOf(normalized), parsed, handler);
            patterns.add(pattern);
            return this;
        }

        /** An immutable router over the routes added so far; the builder stays usable. */
        public Router<H> build() {
            return new Router<>(trie.compile(), List.copyOf(patterns), unmatched);
        }

        // RFC 9110 §5.6.2: token = 1*tchar
        private static boolean isToken(String s) {
            if (s.isEmpty()) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean tchar = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
                if (!tchar) {
                    return false;
                }
            }
            return true;
        }
    }
}

package dev.siphon.http.router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The route trie while routes are being registered: one mutable node per pattern prefix,
 * conflict detection, and {@link #compile()} into the immutable {@link Node}s that match.
 *
 * <p>A position in the trie has one parameter name and one catch-all name: registering
 * {@code /users/{name}} next to {@code /users/{id}} is a conflict even if their methods differ,
 * because the two patterns would match exactly the same paths. A parameter and a catch-all at
 * the same position are fine (the parameter wins, the catch-all takes what it does not match).
 *
 * <p>Confined to the thread that builds the router.
 */
final class RouteTrie<H> {

    private record Registration(String method, String pattern, Object handler) {
        String describe() {
            return method + " " + pattern;
        }
    }

    private static final class Draft {
        /** The route that created this node, named in conflict messages. */
        final String origin;
        /** The parameter or catch-all name, for a node that is one. */
        final String name;
        final Map<String, Draft> statics = new LinkedHashMap<>();
        Draft param;
        Draft catchAll;
        final Map<String, Registration> routes = new LinkedHashMap<>();

        Draft(String origin, String name) {
            this.origin = origin;
            this.name = name;
        }
    }

    private final Draft root = new Draft("", null);

    /** Adds {@code pattern} for each of {@code methods}; all or none of them. */
    void insert(List<String> methods, RoutePattern pattern, H handler) {
        String route = String.join(",", methods) + " " + pattern.text();
        Draft existing = walk(route, pattern);
        if (existing != null) {
            for (String method : methods) {
                Registration previous = existing.routes.get(method);
                if (previous != null) {
                    throw new RouteException("route " + route + " conflicts with " + previous.describe()
                            + ": " + method + " is registered twice for the same path");
                }
            }
        }
        Draft node = root;
        for (RoutePattern.Segment segment : pattern.segments()) {
            node = switch (segment) {
                case RoutePattern.Static s -> node.statics.computeIfAbsent(s.literal(), k -> new Draft(route, null));
                case RoutePattern.Param p -> node.param != null ? node.param : (node.param = new Draft(route, p.name()));
                case RoutePattern.CatchAll c ->
                        node.catchAll != null ? node.catchAll : (node.catchAll = new Draft(route, c.name()));
            };
        }
        for (String method : methods) {
            node.routes.put(method, new Registration(method, pattern.text(), handler));
        }
    }

    /**
     * Follows {@code pattern} through the existing nodes, failing on a differently named
     * parameter or catch-all on the way; returns the node where it ends, or {@code null} if the
     * pattern leaves the existing trie.
     */
    private Draft walk(String route, RoutePattern pattern) {
        Draft node = root;
        for (RoutePattern.Segment segment : pattern.segments()) {
            node = switch (segment) {
                case RoutePattern.Static s -> node.statics.get(s.literal());
                case RoutePattern.Param p -> sameName(route, "{" + p.name() + "}", p.name(), node.param, "{");
                case RoutePattern.CatchAll c -> sameName(route, "{*" + c.name() + "}", c.name(), node.catchAll, "{*");
            };
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private static Draft sameName(String route, String written, String name, Draft existing, String open) {
        if (existing != null && !existing.name.equals(name)) {
            throw new RouteException("route " + route + " conflicts with " + existing.origin + ": "
                    + written + " and " + open + existing.name + "} at the same position");
        }
        return existing;
    }

    Node<H> compile() {
        return compile(root, new ArrayList<>(), new ArrayList<>(), false);
    }

    /**
     * @param names    the parameter names on the way from the root, in order
     * @param segments per segment on the way from the root: a static literal's length, or
     *                 {@link #CAPTURE} for a parameter or catch-all
     */
    @SuppressWarnings("unchecked")
    private Node<H> compile(Draft draft, List<String> names, List<Integer> segments, boolean catchAll) {
        String[] literals = draft.statics.keySet().toArray(new String[0]);
        Node<H>[] statics = (Node<H>[]) new Node<?>[literals.length];
        for (int i = 0; i < literals.length; i++) {
            segments.add(literals[i].length());
            statics[i] = compile(draft.statics.get(literals[i]), names, segments, false);
            segments.removeLast();
        }
        Node<H> param = null;
        if (draft.param != null) {
            names.add(draft.param.name);
            segments.add(CAPTURE);
            param = compile(draft.param, names, segments, false);
            names.removeLast();
            segments.removeLast();
        }
        Node<H> catchAllNode = null;
        if (draft.catchAll != null) {
            names.add(draft.catchAll.name);
            segments.add(CAPTURE);
            catchAllNode = compile(draft.catchAll, names, segments, true);
            names.removeLast();
            segments.removeLast();
        }
        return new Node<>(literals, statics, param, catchAllNode, endpoint(draft, names, segments, catchAll));
    }

    private static final int CAPTURE = -1;

    /**
     * Per parameter, the length of the static segments before it (each with its '/'), counted
     * from just past the previous parameter's '/' or the leading one: see {@code Endpoint}. A
     * path that matched spells those literals exactly, so these lengths hold for every match.
     */
    private static int[] gaps(List<Integer> segments) {
        int[] gaps = new int[(int) segments.stream().filter(s -> s == CAPTURE).count()];
        int p = 0;
        int gap = 0;
        for (int length : segments) {
            if (length == CAPTURE) {
                gaps[p++] = gap;
                gap = 0;
            } else {
                gap += length + 1;
            }
        }
        return gaps;
    }

    private Endpoint<H> endpoint(Draft draft, List<String> names, List<Integer> segments, boolean catchAll) {
        int count = draft.routes.size();
        if (count == 0) {
            return null;
        }
        String[] methods = new String[count];
        Object[] handlers = new Object[count];
        String[] patterns = new String[count];
        TreeSet<String> allow = new TreeSet<>();
        int i = 0;
        for (Registration registration : draft.routes.values()) {
            methods[i] = registration.method();
            handlers[i] = registration.handler();
            patterns[i] = registration.pattern();
            allow.add(registration.method());
            i++;
        }
        if (allow.contains("GET")) {
            allow.add("HEAD");
        }
        // Interned names: a caller looking a parameter up by a string constant matches by identity.
        return new Endpoint<>(methods, handlers, patterns, String.join(", ", allow),
                names.stream().map(String::intern).toArray(String[]::new), gaps(segments), catchAll);
    }
}

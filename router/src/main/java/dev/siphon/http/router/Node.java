package dev.siphon.http.router;

/**
 * One position of the compiled route trie: the children for the next path segment, and the
 * {@link Endpoint} when a pattern ends here.
 *
 * <p>Immutable; built once by {@link RouteTrie#compile()} and then read concurrently, without
 * locks, by every I/O loop thread that matches requests.
 */
final class Node<H> {

    /** Static children's segments, in the raw form of the request, parallel to {@link #statics}. */
    private final String[] literals;
    /** {@link #key} of each literal, parallel to {@link #literals}: one int compare rejects most siblings. */
    private final int[] keys;
    private final Node<H>[] statics;
    private final Node<H> param;
    private final Node<H> catchAll;
    final Endpoint<H> endpoint;

    Node(String[] literals, Node<H>[] statics, Node<H> param, Node<H> catchAll, Endpoint<H> endpoint) {
        this.literals = literals;
        this.keys = new int[literals.length];
        for (int i = 0; i < literals.length; i++) {
            String literal = literals[i];
            keys[i] = literal.isEmpty() ? 0 : key(literal.length(), literal.charAt(0));
        }
        this.statics = statics;
        this.param = param;
        this.catchAll = catchAll;
        this.endpoint = endpoint;
    }

    /**
     * The node whose pattern matches {@code path} from the segment starting at {@code start},
     * or {@code null}. At each segment a static child is tried before the parameter, and the
     * parameter before the catch-all; a branch that dead-ends below is left for the next one.
     * Each node is visited at most once (a node's depth fixes its segment), so a lookup costs
     * at most the size of the trie, never more.
     */
    static <H> Node<H> find(Node<H> node, String path, int start) {
        // Fast path: descend greedily, static before param, in a loop the JIT compiles whole.
        // When it reaches an endpoint, that is the first one the full search below would find
        // (the search tries the same branches first); any dead end falls back to that search.
        int length = path.length();
        Node<H> at = node;
        int from = start;
        boolean alternatives = false; // a branch the greedy walk passed over that the search would try
        while (true) {
            int end = segmentEnd(path, from, length);
            Node<H> child = at.staticChild(path, from, end);
            if (child != null) {
                alternatives |= at.param != null || at.catchAll != null;
            } else if (end > from && at.param != null) {
                child = at.param;
                alternatives |= at.catchAll != null;
            } else {
                // Neither static nor param here: the search's next choice is this node's catch-all.
                if (length > from && at.catchAll != null) {
                    return at.catchAll;
                }
                break;
            }
            if (end == length) {
                if (child.endpoint != null) {
                    return child;
                }
                break;
            }
            at = child;
            from = end + 1;
        }
        return alternatives ? search(node, path, start) : null;
    }

    /** The full search with backtracking (static, then param, then catch-all at each segment). */
    private static <H> Node<H> search(Node<H> node, String path, int start) {
        int length = path.length();
        int end = segmentEnd(path, start, length);
        boolean last = end == length;
        Node<H> child = node.staticChild(path, start, end);
        if (child != null) {
            Node<H> found = last ? terminal(child) : search(child, path, end + 1);
            if (found != null) {
                return found;
            }
        }
        child = node.param;
        if (child != null && end > start) {
            Node<H> found = last ? terminal(child) : search(child, path, end + 1);
            if (found != null) {
                return found;
            }
        }
        // A catch-all always ends a pattern and needs one character at least.
        return length > start ? node.catchAll : null;
    }

    /**
     * Index of the '/' that ends the segment starting at {@code from}, or {@code length}. A plain
     * loop: segments are a few characters, shorter than the vectorised indexOf's set-up pays for.
     */
    private static int segmentEnd(String path, int from, int length) {
        int i = from;
        while (i < length && path.charAt(i) != '/') {
            i++;
        }
        return i;
    }

    private static <H> Node<H> terminal(Node<H> node) {
        return node.endpoint != null ? node : null;
    }

    /**
     * A segment's length and first character in one int. Equal keys are only a candidate (a
     * length above 0xFFFF wraps), so a hit is confirmed against the literal itself.
     */
    private static int key(int length, char first) {
        return length << 16 | first;
    }

    private Node<H> staticChild(String path, int start, int end) {
        int length = end - start;
        int key = length == 0 ? 0 : key(length, path.charAt(start));
        int[] k = keys;
        for (int i = 0; i < k.length; i++) {
            if (k[i] == key) {
                String literal = literals[i];
                if (literal.length() == length && sameFrom1(literal, path, start)) {
                    return statics[i];
                }
            }
        }
        return null;
    }

    /**
     * {@code literal[1..]} equals {@code path[start+1 ..]}: a plain loop, cheaper than the
     * vectorised compare behind {@code startsWith} for segments of a few characters.
     */
    private static boolean sameFrom1(String literal, String path, int start) {
        for (int i = 1; i < literal.length(); i++) {
            if (literal.charAt(i) != path.charAt(start + i)) {
                return false;
            }
        }
        return true;
    }
}

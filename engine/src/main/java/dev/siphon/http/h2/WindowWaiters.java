package dev.siphon.http.h2;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.function.Consumer;

/**
 * The streams of one connection whose DATA is held back by a flow-control window (RFC 9113 §5.2)
 * or by the socket, in the order they stopped. Each stream is in it at most once. When the
 * connection window grows, {@link #resume} gives each waiting stream one turn, oldest first, for
 * as long as the connection window has room; a stream still short of window is added again by
 * the sender, behind the others, so a large body cannot starve the rest.
 *
 * <p>Both roles send through it: the server its response bodies, the client its request bodies.
 * Loop thread only.
 *
 * @param <S> the role's stream type (compared by identity)
 */
public final class WindowWaiters<S> implements Iterable<S> {
    private final LinkedHashSet<S> streams = new LinkedHashSet<>();

    /** Puts the stream at the back, unless it already waits (it keeps its place then). */
    public void add(S s) {
        streams.add(s);
    }

    public boolean contains(S s) {
        return streams.contains(s);
    }

    public void remove(S s) {
        streams.remove(s);
    }

    public boolean isEmpty() {
        return streams.isEmpty();
    }

    public void clear() {
        streams.clear();
    }

    /**
     * Takes each stream that waited when called, oldest first, out of the queue and hands it to
     * {@code send} while {@code connection} has window left; {@code send} adds it again if it
     * still cannot finish.
     */
    public void resume(FlowControlWindow connection, Consumer<? super S> send) {
        for (int n = streams.size(); n > 0 && connection.available() > 0; n--) {
            Iterator<S> first = streams.iterator();
            S s = first.next();
            first.remove();
            send.accept(s);
        }
    }

    @Override
    public Iterator<S> iterator() {
        return streams.iterator();
    }
}

package dev.siphon.http.router;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The path parameters of one match: an unmodifiable map over the endpoint's shared name array
 * and the values, iterating in pattern order. The first {@link #INLINE} values are fields of
 * this object, so a match of up to three parameters allocates the map and nothing else besides
 * the value strings; lookups scan, which is cheaper than hashing for the handful of parameters
 * a pattern has.
 *
 * <p>Filled by {@link Endpoint#select} through {@link #set} before it is handed out in a
 * {@link RouteMatch.Found} (whose final field publishes it), never changed after.
 */
final class PathParams extends AbstractMap<String, String> {

    static final int INLINE = 3;

    private final String[] names;
    private String v0;
    private String v1;
    private String v2;
    /** Values from index {@link #INLINE} on, for patterns with more parameters; else null. */
    private final String[] more;

    PathParams(String[] names) {
        this.names = names;
        this.more = names.length > INLINE ? new String[names.length - INLINE] : null;
    }

    void set(int i, String value) {
        switch (i) {
            case 0 -> v0 = value;
            case 1 -> v1 = value;
            case 2 -> v2 = value;
            default -> more[i - INLINE] = value;
        }
    }

    private String value(int i) {
        return switch (i) {
            case 0 -> v0;
            case 1 -> v1;
            case 2 -> v2;
            default -> more[i - INLINE];
        };
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public String get(Object key) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(key)) {
                return value(i);
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        for (String name : names) {
            if (name.equals(key)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return names.length;
            }

            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < names.length;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (next >= names.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return Map.entry(names[i], value(i));
                    }
                };
            }
        };
    }
}

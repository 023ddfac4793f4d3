package dev.siphon.http;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * An ordered list of header fields. Request headers arrive with lower-case names; response
 * headers keep the case the handler gave (HTTP/1.1 writes them as given, HTTP/2 lower-cases).
 * Lookups are case-insensitive. Repeated fields are kept as separate entries; {@link #get}
 * joins them with ", " (RFC 9110 §5.3).
 *
 * <p>Not thread-safe: a request's headers are built by its connection's loop and then only read.
 */
public final class Headers {
    private String[] names;
    private String[] values;
    private int size;

    public Headers() {
        this(8);
    }

    public Headers(int capacity) {
        names = new String[Math.max(1, capacity)];
        values = new String[names.length];
    }

    public int size() {
        return size;
    }

    public String name(int i) {
        return names[i];
    }

    public String value(int i) {
        return values[i];
    }

    /** Appends a field; repeated names stay separate entries. */
    public Headers add(String name, String value) {
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
        return this;
    }

    /** Replaces every field of that name with one field. */
    public Headers set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    public Headers remove(String name) {
        int w = 0;
        for (int r = 0; r < size; r++) {
            if (!names[r].equalsIgnoreCase(name)) {
                names[w] = names[r];
                values[w] = values[r];
                w++;
            }
        }
        for (int i = w; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = w;
        return this;
    }

    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    /** The field's value, repeated fields joined with ", ", or null when absent. */
    public String get(String name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return null;
        }
        int j = indexOf(name, i + 1);
        if (j < 0) {
            return values[i];
        }
        StringBuilder sb = new StringBuilder(values[i]);
        for (; j >= 0; j = indexOf(name, j + 1)) {
            sb.append(", ").append(values[j]);
        }
        return sb.toString();
    }

    private int indexOf(String name, int from) {
        for (int i = from; i < size; i++) {
            String n = names[i];
            // Names on the request side are already lower-case: try the cheap comparison first.
            if (n == name || n.equals(name) || n.equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(names[i], values[i]);
        }
    }

    /** Lower-case names to values, repeated fields joined with ", ", in first-seen order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            m.merge(names[i].toLowerCase(Locale.ROOT), values[i], (a, b) -> a + ", " + b);
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(names[i]).append(": ").append(values[i]);
        }
        return sb.append('}').toString();
    }
}

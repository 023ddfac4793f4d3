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
 * <p>Request headers parsed from HTTP/1.1 keep their values as spans of the request's own copy
 * of the head bytes and make a {@code String} of a value only when it is first read: most
 * handlers read few headers. That lazy step may run on any thread; two threads racing on it
 * build equal strings, so a request's headers can be read from several threads once built.
 * Building and changing headers is single-threaded.
 */
public final class Headers {
    private String[] names;
    private String[] values;
    /** For lazily decoded values: the bytes holding them, and (offset + base, length) per field. */
    private byte[] source;
    private int[] spans;
    private int base;
    private int size;

    public Headers() {
        this(8);
    }

    public Headers(int capacity) {
        names = new String[Math.max(1, capacity)];
        values = new String[names.length];
    }

    /**
     * Headers whose values will be read from {@code source} (ISO-8859-1: field values are
     * octets, RFC 9110 §5.5) through {@link #addSpan}. The caller gives up {@code source}.
     */
    public Headers(int capacity, byte[] source) {
        this(capacity);
        this.source = source;
        this.spans = new int[names.length * 2];
    }

    public int size() {
        return size;
    }

    public String name(int i) {
        return names[i];
    }

    public String value(int i) {
        String[] vs = values;
        if (vs == null) {
            vs = new String[names.length]; // span-backed headers make their value array on first read
            values = vs;
        }
        String v = vs[i];
        if (v == null) {
            v = new String(source, spans[2 * i] - base, spans[2 * i + 1], java.nio.charset.StandardCharsets.ISO_8859_1);
            vs[i] = v;
        }
        return v;
    }

    /**
     * Headers of {@code count} fields whose values are spans of {@code source}: name {@code i} is
     * {@code names[i]}, its value {@code spans[2i+1]} bytes at {@code spans[2i] - base}. The
     * arrays are copied; the caller gives up {@code source}.
     */
    public static Headers ofSpans(String[] names, int[] spans, int count, byte[] source, int base) {
        return new Headers(Arrays.copyOf(names, Math.max(1, count)), Arrays.copyOf(spans, 2 * Math.max(1, count)),
                count, source, base);
    }

    private Headers(String[] names, int[] spans, int count, byte[] source, int base) {
        this.names = names;
        this.spans = spans;
        this.size = count;
        this.source = source;
        this.base = base;
    }

    /** Appends a field whose value is {@code length} bytes of the source at {@code offset}. */
    public Headers addSpan(String name, int offset, int length) {
        int i = size;
        add(name, null);
        spans[2 * i] = offset;
        spans[2 * i + 1] = length;
        return this;
    }

    /** Appends a field; repeated names stay separate entries. */
    public Headers add(String name, String value) {
        if (values == null) {
            values = new String[names.length];
        }
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
            if (spans != null) {
                spans = Arrays.copyOf(spans, size * 4);
            }
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
                if (values != null) {
                    values[w] = values[r];
                }
                if (spans != null) {
                    spans[2 * w] = spans[2 * r];
                    spans[2 * w + 1] = spans[2 * r + 1];
                }
                w++;
            }
        }
        for (int i = w; i < size; i++) {
            names[i] = null;
            if (values != null) {
                values[i] = null;
            }
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
            return value(i);
        }
        StringBuilder sb = new StringBuilder(value(i));
        for (; j >= 0; j = indexOf(name, j + 1)) {
            sb.append(", ").append(value(j));
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
            action.accept(names[i], value(i));
        }
    }

    /** Lower-case names to values, repeated fields joined with ", ", in first-seen order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            m.merge(names[i].toLowerCase(Locale.ROOT), value(i), (a, b) -> a + ", " + b);
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(names[i]).append(": ").append(value(i));
        }
        return sb.append('}').toString();
    }
}

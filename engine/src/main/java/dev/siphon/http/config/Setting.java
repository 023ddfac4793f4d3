package dev.siphon.http.config;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One key of http.yaml, declared once: its name in the file, the record component it fills, its
 * type, default, bounds and a one-line description. The declarations of a section are a
 * {@link Section}, kept next to the record they fill ({@link ServerConfig#SECTION},
 * {@link Http2Settings#SECTION}, ...); from them the {@link ConfigLoader} knows which keys a
 * mapping may hold and reads, bounds-checks and defaults each integer and boolean, the record's
 * constructor checks a Java caller's value ({@link #check(long)}), and a test holds
 * docs/configuration.md to the same names, types, defaults and bounds.
 *
 * <p>Three kinds: an {@linkplain #integer integer} with a closed range (every integer setting has
 * both bounds, see {@link Bounds}), a {@linkplain #bool boolean}, and a {@linkplain #shaped shaped}
 * key (a string, path, list or sub-section) that the loader reads with code of its own, since its
 * rules are more than a type and a range. Immutable.
 */
public final class Setting {

    /** What kind of value the key takes. */
    public enum Kind { INTEGER, BOOLEAN, SHAPED }

    private final String key;
    private final String field;
    private final Kind kind;
    private final long min;
    private final long max;
    private final LongSupplier defaultValue;
    private final String typeDoc;
    private final String defaultDoc;
    private final String doc;

    private Setting(String key, String field, Kind kind, long min, long max, LongSupplier defaultValue,
                    String typeDoc, String defaultDoc, String doc) {
        this.key = Objects.requireNonNull(key, "key");
        this.field = field;
        this.kind = kind;
        this.min = min;
        this.max = max;
        this.defaultValue = defaultValue;
        this.typeDoc = Objects.requireNonNull(typeDoc, "typeDoc");
        this.defaultDoc = Objects.requireNonNull(defaultDoc, "defaultDoc");
        this.doc = Objects.requireNonNull(doc, "doc");
        if (min > max) {
            throw new IllegalArgumentException(key + ": min " + min + " > max " + max);
        }
    }

    /**
     * An integer key from {@code min} to {@code max}, both inclusive.
     *
     * @param field the record component (and the Java name in an {@link IllegalArgumentException})
     */
    public static Setting integer(String key, String field, long min, long max, long defaultValue, String doc) {
        Bounds.check(field, defaultValue, min, max);
        return new Setting(key, field, Kind.INTEGER, min, max, () -> defaultValue, "integer " + min + "–" + max,
                "`" + defaultValue + "`", doc);
    }

    /**
     * An integer key whose default is computed when the defaults are built (from the processors
     * or the heap); {@code defaultDoc} is how the documentation states it.
     */
    public static Setting integer(String key, String field, long min, long max, LongSupplier defaultValue,
                                  String defaultDoc, String doc) {
        return new Setting(key, field, Kind.INTEGER, min, max, defaultValue, "integer " + min + "–" + max,
                defaultDoc, doc);
    }

    /** A boolean key: {@code true} or {@code false}. */
    public static Setting bool(String key, String field, boolean defaultValue, String doc) {
        return new Setting(key, field, Kind.BOOLEAN, 0, 1, () -> defaultValue ? 1 : 0, "boolean",
                "`" + defaultValue + "`", doc);
    }

    /**
     * A key the loader reads with code of its own (a string, a path, a list, a sub-section).
     *
     * @param field      the record component it fills, or {@code null} ({@code listen} fills two)
     * @param typeDoc    the type as docs/configuration.md states it ("path", "string"); "mapping"
     *                   for a sub-section, whose keys are documented as a section of their own
     * @param defaultDoc the default as docs/configuration.md states it ("none", "**required**")
     */
    public static Setting shaped(String key, String field, String typeDoc, String defaultDoc, String doc) {
        return new Setting(key, field, Kind.SHAPED, 0, 0, null, typeDoc, defaultDoc, doc);
    }

    /** The key as written in http.yaml, like {@code max_body_bytes}. */
    public String key() {
        return key;
    }

    /** The record component this key fills, like {@code maxBodyBytes}; may be {@code null} for a shaped key. */
    public String field() {
        return field;
    }

    public Kind kind() {
        return kind;
    }

    /** Smallest value allowed (integers). */
    public long min() {
        return min;
    }

    /** Largest value allowed (integers). */
    public long max() {
        return max;
    }

    /** The default of an integer key, computed now for one that depends on the machine. */
    public long defaultLong() {
        if (kind != Kind.INTEGER) {
            throw new IllegalStateException(key + " is not an integer setting");
        }
        return defaultValue.getAsLong();
    }

    /** The default of a boolean key. */
    public boolean defaultBoolean() {
        if (kind != Kind.BOOLEAN) {
            throw new IllegalStateException(key + " is not a boolean setting");
        }
        return defaultValue.getAsLong() != 0;
    }

    /** The type column of docs/configuration.md, like {@code integer 1–86400000}. */
    public String typeDoc() {
        return typeDoc;
    }

    /** The default column of docs/configuration.md, like {@code `30000`} or {@code none}. */
    public String defaultDoc() {
        return defaultDoc;
    }

    /** One line saying what the key does. */
    public String doc() {
        return doc;
    }

    /**
     * Checks a Java caller's value against this key's bounds.
     *
     * @throws IllegalArgumentException "{@code field} must be from {@code min} to {@code max}, was {@code value}"
     */
    public long check(long value) {
        return Bounds.check(field, value, min, max);
    }

    /** {@link #check(long)} for an {@code int} component. */
    public int check(int value) {
        Bounds.check(field, value, min, max);
        return value;
    }

    @Override
    public String toString() {
        return key;
    }
}

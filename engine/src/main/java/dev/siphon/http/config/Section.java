package dev.siphon.http.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keys of one mapping of http.yaml ({@code servers[i]}, {@code clients.<name>},
 * {@code engine.http2}, ...), in the order error messages list them, each declared once as a
 * {@link Setting}. The {@link ConfigLoader} allows exactly these keys and reads the integers and
 * booleans among them into the record by component name ({@link #build}); a record builds its
 * own defaults the same way ({@link #defaultValues}), so a new integer or boolean key needs its
 * declaration and its record component, and nothing in the loader. Immutable.
 */
public final class Section {

    private final String path;
    private final List<Setting> settings;
    /** By record component, for the constructors' checks. */
    private final Map<String, Setting> byField = new HashMap<>();

    private Section(String path, List<Setting> settings) {
        this.path = path;
        this.settings = List.copyOf(settings);
        List<String> seen = new ArrayList<>();
        for (Setting s : this.settings) {
            if (seen.contains(s.key())) {
                throw new IllegalArgumentException(path + ": " + s.key() + " is declared twice");
            }
            seen.add(s.key());
            if (s.field() != null) {
                byField.put(s.field(), s);
            }
        }
    }

    /** @param path where the mapping sits, as docs and errors write it: {@code engine.http2}, {@code servers[i]} */
    public static Section of(String path, Setting... settings) {
        return new Section(path, List.of(settings));
    }

    /** This section's keys followed by {@code more}'s, for a mapping that two records share ({@code engine:}). */
    public Section and(Section more) {
        List<Setting> all = new ArrayList<>(settings);
        all.addAll(more.settings);
        return new Section(path, all);
    }

    public String path() {
        return path;
    }

    public List<Setting> settings() {
        return settings;
    }

    /** The keys, in declaration order. */
    public List<String> keys() {
        return settings.stream().map(Setting::key).toList();
    }

    /** The declaration of {@code key}, or {@code null}. */
    public Setting get(String key) {
        for (Setting s : settings) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The declaration that fills record component {@code field}.
     *
     * @throws IllegalStateException when none does: a record checks a component nothing declares
     */
    public Setting field(String field) {
        Setting s = byField.get(field);
        if (s == null) {
            throw new IllegalStateException(path + " declares no setting for " + field);
        }
        return s;
    }

    /**
     * Checks a Java caller's value for record component {@code field} against its declaration.
     *
     * @throws IllegalArgumentException "{@code field} must be from {@code min} to {@code max}, was {@code value}"
     */
    public long check(String field, long value) {
        return field(field).check(value);
    }

    /**
     * The default of every integer and boolean key, by record component: a new map the caller
     * may add the other components to before {@link #build}ing.
     */
    public Map<String, Object> defaultValues() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting s : settings) {
            switch (s.kind()) {
                case INTEGER -> values.put(s.field(), s.defaultLong());
                case BOOLEAN -> values.put(s.field(), s.defaultBoolean());
                case SHAPED -> { }
            }
        }
        return values;
    }

    /**
     * Calls {@code type}'s canonical constructor with {@code values} by component name; a
     * {@code long} value fills an {@code int} component (the bounds were checked against the
     * declaration before, so it fits). Entries that are not components of {@code type} are
     * ignored, so one map can fill two records that share a mapping.
     *
     * @throws IllegalArgumentException what the constructor throws for values it rejects
     * @throws IllegalStateException    when a component has no value (a missing declaration)
     */
    public static <R extends Record> R build(Class<R> type, Map<String, ?> values) {
        Shape shape = SHAPES.get(type);
        Object[] args = new Object[shape.components.length];
        for (int i = 0; i < args.length; i++) {
            RecordComponent c = shape.components[i];
            if (!values.containsKey(c.getName())) {
                throw new IllegalStateException(type.getSimpleName() + "." + c.getName() + " has no value");
            }
            Object v = values.get(c.getName());
            args[i] = c.getType() == int.class ? Math.toIntExact(((Number) v).longValue()) : v;
        }
        return type.cast(shape.create(args));
    }

    /**
     * {@code record} with the component {@code setting} fills set to {@code value}, through the
     * canonical constructor (so its checks apply): a wither that needs no edit when a component is
     * added.
     */
    public static <R extends Record> R with(R record, Setting setting, Object value) {
        return with(record, Objects.requireNonNull(setting.field(), "setting.field"), value);
    }

    /** {@code record} with its component {@code field} set to {@code value}, through the canonical constructor. */
    public static <R extends Record> R with(R record, String field, Object value) {
        Shape shape = SHAPES.get(record.getClass());
        Object[] args = new Object[shape.components.length];
        int at = -1;
        for (int i = 0; i < args.length; i++) {
            if (shape.components[i].getName().equals(field)) {
                at = i;
            } else {
                args[i] = shape.get(i, record);
            }
        }
        if (at < 0) {
            throw new IllegalArgumentException(record.getClass().getSimpleName() + " has no component " + field);
        }
        args[at] = shape.components[at].getType() == int.class ? Math.toIntExact(((Number) value).longValue()) : value;
        @SuppressWarnings("unchecked")
        R made = (R) shape.create(args);
        return made;
    }

    /** A record type's components and canonical constructor, looked up once per type. */
    private record Shape(RecordComponent[] components, Method[] accessors, Constructor<?> canonical) {

        Object get(int i, Object record) {
            try {
                return accessors[i].invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        Object create(Object[] args) {
            try {
                return canonical.newInstance(args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r; // the record's own IllegalArgumentException
                }
                throw new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            if (components == null) {
                throw new IllegalArgumentException(type + " is not a record");
            }
            Class<?>[] types = new Class<?>[components.length];
            Method[] accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                accessors[i] = components[i].getAccessor();
            }
            try {
                return new Shape(components, accessors, type.getDeclaredConstructor(types));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(type + " has no canonical constructor", e);
            }
        }
    };

    @Override
    public String toString() {
        return path + " " + keys();
    }
}

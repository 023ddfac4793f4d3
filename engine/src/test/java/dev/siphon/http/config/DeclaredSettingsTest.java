package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The declarations ({@link Setting}, {@link Section}) against the records they describe: every
 * integer and boolean key fills a component and starts at its declared default; the record's
 * constructor rejects a value one past either bound with the declared range (the one check a Java
 * caller meets, the loader's being the other use of the same declaration); and a new key needs
 * only its declaration and its component for the loader, the defaults and the withers to follow.
 */
class DeclaredSettingsTest {

    /** Each section with a record holding defaults to try values against. */
    static final List<Map.Entry<Section, Record>> SECTIONS = List.of(
            Map.entry(ServerConfig.SECTION, ServerConfig.listen("127.0.0.1:0")),
            Map.entry(TlsConfig.SECTION, new TlsConfig(Path.of("c"), Path.of("k"), null)),
            Map.entry(ClientConfig.SECTION, ClientConfig.named("api")),
            Map.entry(EngineSettings.SECTION, EngineSettings.defaults()),
            Map.entry(ConnectionLimits.SECTION, ConnectionLimits.defaults()),
            Map.entry(Http2Settings.SECTION, Http2Settings.defaults()));

    static Object component(Record r, String name) throws Exception {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            if (c.getName().equals(name)) {
                return c.getAccessor().invoke(r);
            }
        }
        throw new AssertionError(r.getClass().getSimpleName() + " has no component " + name);
    }

    @Test
    void everyDeclaredValueFillsAComponentAndStartsAtItsDefault() throws Exception {
        for (Map.Entry<Section, Record> e : SECTIONS) {
            for (Setting s : e.getKey().settings()) {
                switch (s.kind()) {
                    case INTEGER -> assertEquals(s.defaultLong(), ((Number) component(e.getValue(), s.field())).longValue(),
                            s.key());
                    case BOOLEAN -> assertEquals(s.defaultBoolean(), component(e.getValue(), s.field()), s.key());
                    case SHAPED -> {
                        if (s.field() != null) {
                            component(e.getValue(), s.field());
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyRecordRejectsAValueOnePastEitherBoundOfItsDeclaration() throws Exception {
        for (Map.Entry<Section, Record> e : SECTIONS) {
            Record r = e.getValue();
            for (Setting s : e.getKey().settings()) {
                if (s.kind() != Setting.Kind.INTEGER) {
                    continue;
                }
                boolean isInt = component(r, s.field()) instanceof Integer;
                String range = s.field() + " must be from " + s.min() + " to " + s.max() + ", was ";
                for (long past : new long[] {s.min() - 1, s.max() + 1}) {
                    if (isInt && (past < Integer.MIN_VALUE || past > Integer.MAX_VALUE)) {
                        continue; // the Java type itself holds this bound
                    }
                    IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                            () -> Section.with(r, s, past), s.key() + " = " + past);
                    assertEquals(range + past, x.getMessage());
                }
                assertEquals(r, Section.with(r, s, component(r, s.field())), s.key() + ": in range is accepted");
            }
        }
    }

    @Test
    void keysAreUniqueAcrossAMapping() {
        Section engine = EngineSettings.SECTION.and(ConnectionLimits.SECTION);
        assertEquals(engine.keys().stream().distinct().count(), engine.keys().size());
        assertThrows(IllegalArgumentException.class, () -> Section.of("x",
                Setting.bool("a", "a", false, "one"), Setting.bool("a", "b", false, "two")));
    }

    // ---- adding a setting: the declaration and the component, nothing else ----------------

    /** A section as a new one, or an old one with a new key, would be written: a record and its declarations. */
    record Widgets(int maxWidgets, long widgetTimeoutMs, boolean shiny) {

        static final Section SECTION = Section.of("widgets",
                Setting.integer("max_widgets", "maxWidgets", 1, 64, 8, "widgets at once"),
                Setting.integer("widget_timeout_ms", "widgetTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS, 2_000,
                        "how long a widget may take"),
                Setting.bool("shiny", "shiny", false, "polish every widget"));

        Widgets {
            SECTION.check("maxWidgets", maxWidgets);
            SECTION.check("widgetTimeoutMs", widgetTimeoutMs);
        }

        static Widgets defaults() {
            return Section.build(Widgets.class, SECTION.defaultValues());
        }

        Widgets withMaxWidgets(int v) {
            return Section.with(this, "maxWidgets", v);
        }
    }

    static Widgets load(String yaml) throws ConfigException {
        Function<String, String> env = Map.of("WIDGETS", "100")::get;
        YamlReader y = new YamlReader("w.yaml", Path.of("/"), env);
        Node root = YamlReader.compose(yaml, "w.yaml");
        Map<String, YamlReader.Entry> f = y.mapping(root, "widgets", Widgets.SECTION.keys());
        Map<String, Object> values = y.read(Widgets.SECTION, f, "widgets", (s, e, out) -> {
            throw new AssertionError(s.key());
        });
        return y.build(root, "widgets", () -> Section.build(Widgets.class, values));
    }

    @Test
    void aDeclaredKeyIsReadDefaultedBoundedAndDocumentedWithoutLoaderCode() throws Exception {
        assertEquals(new Widgets(8, 2_000, false), Widgets.defaults());
        assertEquals(new Widgets(16, 2_000, true), load("max_widgets: 16\nshiny: true\n"));
        assertEquals(Widgets.defaults(), load("max_widgets:\n"));
        assertEquals(new Widgets(3, 2_000, false), Widgets.defaults().withMaxWidgets(3));

        ConfigException tooMany = assertThrows(ConfigException.class, () -> load("shiny: false\nmax_widgets: 65\n"));
        assertEquals("w.yaml:2: widgets.max_widgets: expected an integer from 1 to 64, found 65", tooMany.getMessage());
        ConfigException fromEnv = assertThrows(ConfigException.class, () -> load("max_widgets: ${WIDGETS}\n"));
        assertEquals("w.yaml:1: widgets.max_widgets: expected an integer from 1 to 64, found a larger integer (from"
                + " \"${WIDGETS}\"; values from the environment are not shown)", fromEnv.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> load("max_gadgets: 1\n"));
        assertEquals("w.yaml:1: widgets.max_gadgets: unknown key; expected one of max_widgets, widget_timeout_ms,"
                + " shiny", unknown.getMessage());

        IllegalArgumentException java = assertThrows(IllegalArgumentException.class,
                () -> Widgets.defaults().withMaxWidgets(0));
        assertEquals("maxWidgets must be from 1 to 64, was 0", java.getMessage());

        Setting documented = Widgets.SECTION.get("widget_timeout_ms");
        assertEquals(List.of("integer 1–86400000", "`2000`"), List.of(documented.typeDoc(), documented.defaultDoc()));
    }
}

package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.h2.Http2Settings;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The declarations ({@link Setting}, {@link Section}) against the records they describe: every
 * integer and boolean key fills a component and starts at its declared default; the record's
 * constructor rejects a value one past either bound with the declared range (the one check a Java
 * caller meets, the loader's being the other use of the same declaration).
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
}

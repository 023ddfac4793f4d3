package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Holds docs/configuration.md to the declared settings: each table lists exactly the keys its
 * {@link Section} declares, in the same order, with the declared type, range and default; no
 * undeclared key is documented and no declared key is left out.
 */
class DocumentedSettingsTest {

    /** A row of a settings table: the key, the type column, the default column. */
    record Row(String key, String type, String dflt) {
    }

    /** The rows of the table under {@code heading}, up to the next heading. */
    static Map<String, Row> table(String markdown, String heading) {
        int start = markdown.indexOf("\n" + heading);
        assertTrue(start >= 0, "no heading " + heading + " in " + DocumentedExampleTest.DOC);
        int end = markdown.indexOf("\n#", start + heading.length() + 1);
        String section = markdown.substring(start, end < 0 ? markdown.length() : end);
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            // The type column may hold an escaped bar ("`virtual` \| `platform`").
            String[] cells = line.replace("\\|", "\u0000").split("\\|");
            String key = cells[1].trim();
            rows.put(key.substring(1, key.length() - 1), new Row(key,
                    cells[2].trim().replace("\u0000", "\\|"), cells[3].trim()));
        }
        return rows;
    }

    /** The settings a table documents: sub-sections ("mapping") expand to {@code prefix.key} or are left out. */
    static Map<String, Setting> declared(Section section, Map<String, Section> expand) {
        Map<String, Setting> out = new LinkedHashMap<>();
        for (Setting s : section.settings()) {
            if (s.typeDoc().equals("mapping")) {
                Section sub = expand.get(s.key());
                if (sub != null) {
                    for (Setting t : sub.settings()) {
                        out.put(s.key() + "." + t.key(), t);
                    }
                }
                continue;
            }
            out.put(s.key(), s);
        }
        return out;
    }

    static void assertDocumented(String heading, Map<String, Setting> declared) throws Exception {
        Map<String, Row> rows = table(Files.readString(DocumentedExampleTest.DOC), heading);
        List<String> undocumented = new ArrayList<>(declared.keySet());
        undocumented.removeAll(rows.keySet());
        List<String> undeclared = new ArrayList<>(rows.keySet());
        undeclared.removeAll(declared.keySet());
        assertTrue(undocumented.isEmpty(), heading + ": declared but not documented: " + undocumented);
        assertTrue(undeclared.isEmpty(), heading + ": documented but not declared: " + undeclared);
        assertEquals(List.copyOf(declared.keySet()), List.copyOf(rows.keySet()),
                heading + ": the table lists the keys in declaration order");
        for (Map.Entry<String, Setting> d : declared.entrySet()) {
            Row row = rows.get(d.getKey());
            Setting s = d.getValue();
            assertEquals(s.typeDoc(), row.type(), heading + " " + d.getKey() + ": type (and range)");
            assertTrue(row.dflt().startsWith(s.defaultDoc()),
                    heading + " " + d.getKey() + ": default is " + s.defaultDoc() + ", documented " + row.dflt());
        }
    }

    @Test
    void everyServerKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `servers:`", declared(ServerConfig.SECTION, Map.of("tls", TlsConfig.SECTION)));
    }

    @Test
    void everyClientKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `clients:`", declared(ClientConfig.SECTION, Map.of()));
    }

    @Test
    void everyEngineKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `engine:`", declared(EngineSettings.SECTION.and(ConnectionLimits.SECTION), Map.of()));
    }

    @Test
    void everyHttp2KeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("### `engine.http2:`", declared(Http2Settings.SECTION, Map.of()));
    }

    @Test
    void everyAccessLogKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `access_log:`", declared(AccessLogConfig.SECTION, Map.of()));
    }

    @Test
    void everyAdminKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `admin:`", declared(AdminConfig.SECTION, Map.of()));
    }

    @Test
    void everyCacheKeyIsDocumentedWithItsTypeRangeAndDefault() throws Exception {
        assertDocumented("## `cache:` (siphon.yaml)", declared(CacheConfig.SECTION, Map.of()));
    }

    @Test
    void everyTopLevelSectionHasItsHeading() throws Exception {
        String doc = Files.readString(DocumentedExampleTest.DOC);
        for (String key : HttpConfig.SECTION.keys()) {
            assertTrue(doc.contains("\n## `" + key + ":`"), "no heading for the section " + key);
        }
    }
}

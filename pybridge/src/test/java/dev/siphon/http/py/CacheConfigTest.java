package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** siphon.yaml's cache: section, read by SiphonConfig: the entries, ${VAR} expansion, and errors naming file, key and line. */
class CacheConfigTest {
    private static final String HEAD = """
            extensions:
              http: http.yaml
            script:
              path: app.py
            """;

    private static Path write(Path dir, String caches) throws Exception {
        return Files.writeString(dir.resolve("siphon.yaml"), HEAD + caches);
    }

    @Test
    void entriesWithUrlsAndBounds(@TempDir Path dir) throws Exception {
        Path f = write(dir, """
                cache:
                  - name: local
                  - name: small
                    local_max_entries: 5
                    local_ttl_secs: 30
                  - name: cnam
                    url: "redis://user:p%40ss@redis.example:6380/2"
                    local_ttl_secs: 60
                    local_max_entries: 10000
                  - name: secure
                    url: rediss://[::1]/0
                    verify: ca.pem
                    timeout_ms: 250
                """);
        List<CacheConfig> c = SiphonConfig.load(f).caches();
        assertEquals(4, c.size());
        assertNull(c.get(0).redis());
        assertEquals(CacheConfig.DEFAULT_LOCAL_MAX_ENTRIES, c.get(0).localMaxEntries());
        assertEquals(5, c.get(1).localMaxEntries());
        CacheConfig.RedisUrl u = c.get(2).redis();
        assertEquals("redis.example", u.host());
        assertEquals(6380, u.port());
        assertEquals(2, u.db());
        assertEquals("user", u.user());
        assertEquals("p@ss", u.password());
        assertFalse(u.tls());
        assertEquals("redis://redis.example:6380/2", u.toString()); // never the password
        assertTrue(c.get(3).redis().tls());
        assertEquals("::1", c.get(3).redis().host());
        assertEquals(6379, c.get(3).redis().port());
        assertEquals(dir.resolve("ca.pem").toAbsolutePath().normalize(), c.get(3).verify());
        assertEquals(250, c.get(3).timeoutMs());
    }

    @Test
    void environmentExpansionAsInHttpYaml(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("siphon.yaml"), HEAD + """
                cache:
                  - name: s
                    url: redis://:${REDIS_PASSWORD}@127.0.0.1:${REDIS_PORT:-6379}
                """);
        List<CacheConfig> c = CacheConfig.load(dir.resolve("siphon.yaml"), Map.of("REDIS_PASSWORD", "hunter22")::get);
        assertEquals("hunter22", c.get(0).redis().password());
        assertNull(c.get(0).redis().user());
        assertEquals(6379, c.get(0).redis().port());
        ConfigException e = assertThrows(ConfigException.class,
                () -> CacheConfig.load(dir.resolve("siphon.yaml"), Map.<String, String>of()::get));
        assertTrue(e.getMessage().contains("REDIS_PASSWORD is not set"), e.getMessage());
        assertTrue(e.getMessage().contains("siphon.yaml:7") && e.getMessage().contains("cache[0].url"), e.getMessage());
    }

    /** The siphon.yaml example of docs/configuration.md loads, with the entries it shows. */
    @Test
    void theDocumentedExampleLoads(@TempDir Path dir) throws Exception {
        String doc = Files.readString(LauncherTest.ROOT.resolve("docs/configuration.md"));
        int at = doc.indexOf("```yaml\n", doc.indexOf("\n## `cache:` (siphon.yaml)"));
        String yaml = doc.substring(at + 8, doc.indexOf("```\n", at + 8));
        List<CacheConfig> c = CacheConfig.parse(yaml, "siphon.yaml", dir, Map.of("REDIS_PASSWORD", "pw")::get);
        assertEquals(List.of("sessions", "cnam", "queues"), c.stream().map(CacheConfig::name).toList());
        assertEquals("pw", c.get(1).redis().password());
        assertEquals(60, c.get(1).localTtlSecs());
        assertTrue(c.get(2).redis().tls());
        assertEquals(500, c.get(2).timeoutMs());
    }

    @Test
    void noCacheSectionIsNoCaches(@TempDir Path dir) throws Exception {
        assertEquals(List.of(), SiphonConfig.load(write(dir, "")).caches());
    }

    @Test
    void errorsNameTheFileTheEntryTheKeyAndTheLine(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"cache:\n  - name: a\n    url: http://x:1\n", ":7", "cache[0].url", "the scheme must be redis or rediss"},
            {"cache:\n  - name: a\n    url: redis://u:secret@h:99999\n", ":7", "cache[0].url", "found \"redis://u:***@h:99999\""},
            {"cache:\n  - name: a\n    url: redis://h/abc\n", ":7", "cache[0].url", "database"},
            {"cache:\n  - name: a\n    url: redis://h?x=1\n", ":7", "cache[0].url", "query"},
            {"cache:\n  - name: a\n  - name: a\n", ":7", "cache[1].name", "already declared at line 6"},
            {"cache:\n  - url: redis://h\n", ":6", "cache[0].name", "required key is missing"},
            {"cache:\n  - name: a\n    local_max_entries: 0\n", ":7", "cache[0].local_max_entries", "from 1 to 10000000"},
            {"cache:\n  - name: a\n    local_ttl_secs: -1\n", ":7", "cache[0].local_ttl_secs", "from 0 to"},
            {"cache:\n  - name: a\n    local_ttl_secs: soon\n", ":7", "cache[0].local_ttl_secs", "expected an integer"},
            {"cache:\n  - name: a\n    bogus: 1\n", ":7", "cache[0].bogus", "unknown key"},
            {"cache:\n  name: a\n", ":6", "cache", "expected a list of caches"},
            {"cache:\n  - name: a\n    url: redis://h\n    local_max_entries: 5\n", ":8", "cache[0].local_max_entries",
                "only exists with local_ttl_secs"},
            {"cache:\n  - name: a\n    verify: ca.pem\n", ":7", "cache[0].verify", "rediss://"},
        };
        for (String[] c : cases) {
            Path f = write(dir, c[0]);
            ConfigException e = assertThrows(ConfigException.class, () -> SiphonConfig.load(f), c[0]);
            String m = e.getMessage();
            assertTrue(m.contains(f + c[1]) && m.contains(c[2]) && m.contains(c[3]), c[0] + " -> " + m);
            assertFalse(m.contains("secret"), m);
        }
    }
}

package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/** {@code ${VAR}}, {@code ${VAR:-default}}, {@code $$}; the environment is injected, never mutated. */
class EnvExpansionTest {

    static final Map<String, String> ENV = new HashMap<>(Map.of(
            "HOST", "10.1.2.3",
            "PORT", "9090",
            "MAX", "2048",
            "EMPTY", "",
            "H2", "true",
            "API", "https://api.example.com",
            "NESTED", "${HOST}",
            "SECRET", "hunter2-s3cr3t"));

    static HttpConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "http.yaml", Path.of("/cfg"), ENV::get);
    }

    static String expand(String text) throws EnvExpander.Failure {
        return EnvExpander.expand(text, ENV::get);
    }

    @Test
    void setVariableIsSubstituted() throws Exception {
        HttpConfig c = parse("servers:\n  - listen: ${HOST}:${PORT}\nclients:\n  api:\n    base_url: ${API}/v1\n");
        assertEquals("10.1.2.3:9090", c.servers().get(0).listen());
        assertEquals("https://api.example.com/v1", c.clients().get("api").baseUrl());
    }

    @Test
    void expansionWorksInQuotedStringsToo() throws Exception {
        HttpConfig c = parse("servers:\n  - listen: \"${HOST}:80\"\n    trusted_proxies: ['${HOST}']\n");
        assertEquals("10.1.2.3:80", c.servers().get(0).listen());
        assertEquals("10.1.2.3", c.servers().get(0).trustedProxies().get(0));
    }

    @Test
    void defaultIsUsedWhenUnsetOrEmpty() throws Exception {
        assertEquals("fallback", expand("${UNSET:-fallback}"));
        assertEquals("fallback", expand("${EMPTY:-fallback}"));
        assertEquals("9090", expand("${PORT:-1}"));
        assertEquals("a:b", expand("${UNSET:-a:b}"));
    }

    @Test
    void emptyDefaultGivesEmpty() throws Exception {
        assertEquals("", expand("${UNSET:-}"));
        assertEquals("", expand("${EMPTY}"));
        HttpConfig c = parse("servers:\n  - listen: 127.0.0.1:80${UNSET:-}\n");
        assertEquals(80, c.servers().get(0).port());
    }

    @Test
    void integersAndBooleansAreTypedAfterExpansion() throws Exception {
        HttpConfig c = parse("""
                servers:
                  - listen: h:1
                    max_body_bytes: ${MAX:-1024}
                    request_timeout_ms: ${UNSET:-1500}
                clients:
                  a:
                    http2_prior_knowledge: ${H2}
                    pool_size: ${UNSET:-3}
                """);
        assertEquals(2048, c.servers().get(0).maxBodyBytes());
        assertEquals(1500, c.servers().get(0).requestTimeoutMs());
        assertTrue(c.clients().get("a").http2PriorKnowledge());
        assertEquals(3, c.clients().get("a").poolSize());
    }

    @Test
    void numericVariableInAStringKeyStaysText() throws Exception {
        HttpConfig c = parse("clients:\n  a:\n    cert: ${PORT}\n");
        assertEquals(Path.of("/cfg/9090"), c.clients().get("a").cert());
    }

    @Test
    void expandedValueOfTheWrongTypeSaysWhereItCameFrom() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("servers:\n  - listen: h:1\n    max_body_bytes: ${HOST}\n"));
        assertEquals("http.yaml:3: servers[0].max_body_bytes: expected an integer from 0 to 1073741824, found text"
                + " (from \"${HOST}\"; values from the environment are not shown)", e.getMessage());
    }

    @Test
    void errorsNeverShowAValueFromTheEnvironment() {
        String[] configs = {
            "servers:\n  - listen: h:1\n    max_body_bytes: ${SECRET}\n",
            "servers:\n  - listen: h:1\n    request_timeout_ms: 9${PORT}00000000\n",
            "servers:\n  - listen: ${SECRET}\n",
            "servers:\n  - listen: h:1\n    trusted_proxies: [\"${SECRET}\"]\n",
            "engine:\n  loop_threads: ${SECRET}\n",
            "engine:\n  workers: ${SECRET}\n",
            "clients:\n  a:\n    base_url: ftp://user:${SECRET}@example.com/\n",
            "clients:\n  a:\n    base_url: ${SECRET}\n",
            "clients:\n  a:\n    base_url: https://example.com/\n    cert: \"${SECRET}\\0\"\n",
        };
        for (String yaml : configs) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml), yaml);
            assertTrue(!e.getMessage().contains("hunter2") && !e.getMessage().contains("99090"), e.getMessage());
            assertTrue(e.getMessage().contains("${"), "the message names the variable: " + e.getMessage());
        }
    }

    @Test
    void dollarDollarIsALiteralDollar() throws Exception {
        assertEquals("p$ss", expand("p$$ss"));
        assertEquals("${HOST}", expand("$${HOST}"));
        assertEquals("$10.1.2.3", expand("$$${HOST}"));
        HttpConfig c = parse("clients:\n  a:\n    base_url: https://h/$$x\n");
        assertEquals("https://h/$x", c.clients().get("a").baseUrl());
    }

    @Test
    void loneDollarIsKept() throws Exception {
        assertEquals("cost $5 $", expand("cost $5 $"));
    }

    @Test
    void valuesFromTheEnvironmentAreNotExpandedAgain() throws Exception {
        assertEquals("${HOST}", expand("${NESTED}"));
    }

    @Test
    void unsetVariableWithoutDefaultNamesVariableKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                servers:
                  - listen: 0.0.0.0:8080
                clients:
                  api:
                    base_url: ${API_URL}
                """));
        assertEquals(5, e.line());
        assertEquals("clients.api.base_url", e.key());
        assertEquals("http.yaml:5: clients.api.base_url: environment variable API_URL is not set"
                + " (write ${API_URL:-default} to give it a default)", e.getMessage());
    }

    @Test
    void unsetVariableInAnIntegerKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("engine:\n  workers: ${WORKERS}\n"));
        assertEquals("http.yaml:2: engine.workers: environment variable WORKERS is not set"
                + " (write ${WORKERS:-default} to give it a default)", e.getMessage());
    }

    @Test
    void malformedExpansionsAreErrors() {
        assertThrows(EnvExpander.Failure.class, () -> expand("${HOST"));
        assertThrows(EnvExpander.Failure.class, () -> expand("${}"));
        assertThrows(EnvExpander.Failure.class, () -> expand("${1X}"));
        assertThrows(EnvExpander.Failure.class, () -> expand("${X-default}"));
        assertThrows(EnvExpander.Failure.class, () -> expand("${A:-${B}}"));
        ConfigException e = assertThrows(ConfigException.class, () -> parse("servers:\n  - listen: ${HOST:8080\n"));
        assertTrue(e.getMessage().startsWith("http.yaml:2: servers[0].listen: unterminated \"${HOST:8080\""), e.getMessage());
    }

    @Test
    void keysAreNotExpanded() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("${SECTION}: {}\n"));
        assertTrue(e.getMessage().startsWith("http.yaml:1: ${SECTION}: unknown key"), e.getMessage());
    }

    @Test
    void unreadValuesAreNotExpanded() throws Exception {
        Function<String, String> failing = name -> {
            throw new AssertionError("looked up " + name);
        };
        ConfigLoader.parse("servers:\n  - listen: h:1\n", "http.yaml", failing);
    }
}

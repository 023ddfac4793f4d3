package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rejected configuration names the file, the key path and the line, then what was expected and found. */
class ConfigErrorTest {

    static ConfigException fails(String yaml) {
        return assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(yaml, "http.yaml", Path.of("/cfg"), Map.of("SET", "value")::get));
    }

    /** Asserts the message is exactly {@code http.yaml:<line>: <key>: <detail>} with {@code detail} as given. */
    static void assertError(ConfigException e, int line, String key, String detail) {
        assertEquals("http.yaml", e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(key, e.key(), e.getMessage());
        assertEquals("http.yaml:" + line + ": " + (key.isEmpty() ? "" : key + ": ") + detail, e.getMessage());
    }

    /** Like {@link #assertError} but checks only that the detail contains {@code part}. */
    static void assertErrorContains(ConfigException e, int line, String key, String part) {
        assertEquals("http.yaml", e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(key, e.key(), e.getMessage());
        String prefix = "http.yaml:" + line + ": " + (key.isEmpty() ? "" : key + ": ");
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.detail().contains(part), e.getMessage());
    }

    // ---- admin

    @Test
    void anAdminListenerOnAServersPortNamesBothAndTheLine() {
        assertError(fails("""
                servers:
                  - listen: 0.0.0.0:8080
                admin:
                  listen: 127.0.0.1:8080
                """), 4, "admin.listen",
                "\"127.0.0.1:8080\" takes the port of servers[0] (\"0.0.0.0:8080\"); the admin listener needs a port of its own");
        assertError(fails("""
                servers:
                  - listen: 127.0.0.1:8081
                  - listen: "[::1]:9090"
                admin: {listen: "[::1]:9090"}
                """), 4, "admin.listen",
                "\"[::1]:9090\" takes the port of servers[1] (\"[::1]:9090\"); the admin listener needs a port of its own");
    }

    @Test
    void anAdminSectionNeedsAListenAddressAndKnowsOnlyItsKeys() {
        assertErrorContains(fails("admin:\n  drain_delay_ms: 10\n"), 2, "admin.listen", "expected \"host:port\"");
        assertErrorContains(fails("admin:\n  listen: 127.0.0.1:9090\n  port: 1\n"), 3, "admin.port",
                "unknown key; expected one of listen, drain_delay_ms");
        assertErrorContains(fails("admin:\n  listen: 127.0.0.1:9090\n  drain_delay_ms: -1\n"), 3,
                "admin.drain_delay_ms", "0");
        assertErrorContains(fails("admin:\n  listen: nohost\n"), 2, "admin.listen", "");
    }

    @Test
    void anAccessLogNeedsAPathAndAKnownFormat() {
        assertErrorContains(fails("access_log:\n  format: json\n"), 2, "access_log.path", "expected a file path");
        assertError(fails("access_log:\n  path: a.log\n  format: xml\n"), 3, "access_log.format",
                "expected \"json\" or \"text\", found \"xml\"");
        assertErrorContains(fails("access_log:\n  path: a.log\n  queue_lines: 0\n"), 3, "access_log.queue_lines", "1");
    }

    // ---- structure

    @Test
    void unknownServerKey() {
        assertError(fails("""
                servers:
                  - listen: 0.0.0.0:8080
                    max_body: 10
                """), 3, "servers[0].max_body",
                "unknown key; expected one of listen, tls, max_body_bytes, request_timeout_ms, trusted_proxies");
    }

    @Test
    void unknownTopLevelKey() {
        assertError(fails("servers: []\nlisteners: []\n"), 2, "listeners",
                "unknown key; expected one of servers, clients, engine, admin, access_log");
    }

    @Test
    void unknownKeysInTlsClientAndEngine() {
        assertErrorContains(fails("servers:\n  - listen: h:1\n    tls:\n      cert: a\n"), 4, "servers[0].tls.cert",
                "unknown key; expected one of cert_path, key_path, client_ca");
        assertErrorContains(fails("clients:\n  api:\n    url: http://x\n"), 3, "clients.api.url", "unknown key");
        assertErrorContains(fails("engine:\n  threads: 4\n"), 2, "engine.threads", "unknown key");
    }

    @Test
    void duplicateKeyInOneMapping() {
        assertError(fails("""
                servers:
                  - listen: 0.0.0.0:8080
                    max_body_bytes: 10
                    max_body_bytes: 20
                """), 4, "servers[0].max_body_bytes", "duplicate key; it is already set at line 3");
    }

    @Test
    void duplicateTopLevelSectionAndDuplicateClientName() {
        assertError(fails("engine: {}\nservers: []\nengine: {}\n"), 3, "engine", "duplicate key; it is already set at line 1");
        assertError(fails("clients:\n  a: {}\n  b: {}\n  a: {}\n"), 4, "clients.a", "duplicate key; it is already set at line 2");
    }

    @Test
    void topLevelMustBeAMapping() {
        assertError(fails("- listen: 0.0.0.0:80\n"), 1, "",
                "expected a mapping with the sections servers, clients, engine, admin, access_log at the top level, found a list");
        assertErrorContains(fails("just text\n"), 1, "", "found the string \"just text\"");
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() {
        ConfigException e = fails("""
                servers:
                  - listen: 0.0.0.0:8080
                    tls: [a, b
                clients: {}
                """);
        assertErrorContains(e, 4, "", "invalid YAML: while parsing a flow sequence");
        assertErrorContains(fails("servers:\n  - listen: a: b\n"), 2, "", "invalid YAML: mapping values are not allowed here");
        assertErrorContains(fails("a:\n\tb: 1\n"), 2, "", "invalid YAML");
    }

    @Test
    void onlyOneDocumentPerFile() {
        assertErrorContains(fails("servers: []\n---\nclients: {}\n"), 2, "", "expected a single document");
    }

    @Test
    void yamlTagsAreRejected() {
        assertError(fails("servers:\n  - listen: h:1\n    max_body_bytes: !!str 5\n"), 3, "servers[0].max_body_bytes",
                "YAML tags are not supported, found !!str (quote a value to make it a string)");
        assertErrorContains(fails("servers:\n  - listen: !custom h:1\n"), 2, "servers[0].listen", "found !custom");
        assertErrorContains(fails("clients:\n  a: !!python/object:os.system {}\n"), 2, "", "invalid YAML: Global tag is not allowed");
    }

    @Test
    void aliasBombIsRefused() {
        StringBuilder y = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            y.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                y.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            y.append("]\n");
        }
        ConfigException e = fails(y.toString());
        assertEquals(-1, e.line());
        assertTrue(e.getMessage().startsWith("http.yaml: invalid YAML: Number of aliases for non-scalar nodes"), e.getMessage());
    }

    @Test
    void mergeThatContainsItselfIsAnErrorNotAHang() {
        assertErrorContains(fails("servers:\n  - &s\n    listen: h:1\n    <<: *s\n"), 4, "servers[0]",
                "a merge (<<) refers back to a mapping that contains it");
    }

    @Test
    void mergeOfAScalarIsAnError() {
        assertErrorContains(fails("servers:\n  - listen: h:1\n    <<: 5\n"), 3, "servers[0]",
                "a merge (<<) takes a mapping or a list of mappings");
    }

    // ---- types

    @Test
    void integerGivenAQuotedString() {
        assertError(fails("servers:\n  - listen: h:1\n    max_body_bytes: \"1024\"\n"), 3, "servers[0].max_body_bytes",
                "expected an integer from 0 to 1073741824, found the string \"1024\" (write numbers without quotes)");
    }

    @Test
    void integerGivenText() {
        assertError(fails("servers:\n  - listen: h:1\n    max_body_bytes: 1MB\n"), 3, "servers[0].max_body_bytes",
                "expected an integer from 0 to 1073741824, found the string \"1MB\"");
    }

    @Test
    void integerGivenAFraction() {
        assertError(fails("engine:\n  workers: 2.5\n"), 2, "engine.workers", "expected an integer from 1 to 1024, found the number 2.5");
    }

    @Test
    void integerWithLeadingZeroIsAmbiguous() {
        assertErrorContains(fails("engine:\n  workers: 010\n"), 2, "engine.workers", "a leading zero is ambiguous");
    }

    @Test
    void integerOutOfRange() {
        assertError(fails("servers:\n  - listen: h:1\n    max_body_bytes: -1\n"), 3, "servers[0].max_body_bytes",
                "expected an integer from 0 to 1073741824, found -1");
        assertError(fails("servers:\n  - listen: h:1\n    request_timeout_ms: 0\n"), 3, "servers[0].request_timeout_ms",
                "expected an integer from 1 to 86400000, found 0");
        assertError(fails("engine:\n  io_loops: 3000000000\n"), 2, "engine.io_loops",
                "expected an integer from 1 to 1024, found 3000000000");
        assertError(fails("engine:\n  max_header_bytes: 100\n"), 2, "engine.max_header_bytes",
                "expected an integer from 256 to 1048576, found 100");
        assertError(fails("engine:\n  shutdown_grace_ms: -5\n"), 2, "engine.shutdown_grace_ms",
                "expected an integer from 0 to 86400000, found -5");
        assertError(fails("engine:\n  shutdown_hooks_timeout_ms: -1\n"), 2, "engine.shutdown_hooks_timeout_ms",
                "expected an integer from 0 to 86400000, found -1");
        assertError(fails("clients:\n  a:\n    pool_size: 0\n"), 3, "clients.a.pool_size", "expected an integer from 1 to 1024, found 0");
    }

    /**
     * Every numeric setting has an upper bound, checked at load time: a value past it would reach
     * an int cast (a body buffer), a per-connection allocation (the parser's field slots) or a
     * deadline computation (now + timeout in nanoseconds) on a loop thread.
     */
    @Test
    void numericSettingsHaveUpperBounds() {
        assertError(fails("servers:\n  - listen: h:1\n    max_body_bytes: 3000000000\n"), 3,
                "servers[0].max_body_bytes", "expected an integer from 0 to 1073741824, found 3000000000");
        assertError(fails("servers:\n  - listen: h:1\n    request_timeout_ms: 9223372036854775807\n"), 3,
                "servers[0].request_timeout_ms", "expected an integer from 1 to 86400000, found 9223372036854775807");
        assertError(fails("servers:\n  - listen: h:1\n    tls:\n      cert_path: c\n      key_path: k\n"
                        + "      handshake_timeout_ms: 86400001\n"), 6,
                "servers[0].tls.handshake_timeout_ms", "expected an integer from 1 to 86400000, found 86400001");
        assertError(fails("engine:\n  max_header_count: 50000000\n"), 2, "engine.max_header_count",
                "expected an integer from 1 to 10000, found 50000000");
        assertError(fails("engine:\n  io_loops: 5000\n"), 2, "engine.io_loops",
                "expected an integer from 1 to 1024, found 5000");
        assertError(fails("engine:\n  workers: 100_000\n"), 2, "engine.workers",
                "expected an integer from 1 to 1024, found 100_000");
        assertError(fails("engine:\n  max_pipelined: 1025\n"), 2, "engine.max_pipelined",
                "expected an integer from 1 to 1024, found 1025");
        assertError(fails("engine:\n  buffer_size: 0x10000000\n"), 2, "engine.buffer_size",
                "expected an integer from 1 to 33554432, found 0x10000000");
        assertError(fails("engine:\n  idle_timeout_ms: 100000000\n"), 2, "engine.idle_timeout_ms",
                "expected an integer from 1 to 86400000, found 100000000");
        assertError(fails("engine:\n  shutdown_grace_ms: 9223372036854775807\n"), 2, "engine.shutdown_grace_ms",
                "expected an integer from 0 to 86400000, found 9223372036854775807");
        assertError(fails("engine:\n  max_buffered_body_bytes: 1099511627777\n"), 2, "engine.max_buffered_body_bytes",
                "expected an integer from 0 to 1099511627776, found 1099511627777");
        assertError(fails("clients:\n  a:\n    timeout_ms: 604800000\n"), 3, "clients.a.timeout_ms",
                "expected an integer from 1 to 86400000, found 604800000");
        assertError(fails("clients:\n  a:\n    pool_size: 100000\n"), 3, "clients.a.pool_size",
                "expected an integer from 1 to 1024, found 100000");
        assertError(fails("engine:\n  http2:\n    max_header_list_size: 2147483647\n"), 3,
                "engine.http2.max_header_list_size", "expected an integer from 1 to 4194304, found 2147483647");
        assertError(fails("engine:\n  http2:\n    max_concurrent_streams: 1000000\n"), 3,
                "engine.http2.max_concurrent_streams", "expected an integer from 1 to 10000, found 1000000");
        assertError(fails("engine:\n  http2:\n    max_queued_control_frames: 2147483647\n"), 3,
                "engine.http2.max_queued_control_frames", "expected an integer from 1 to 100000, found 2147483647");
        assertError(fails("engine:\n  http2:\n    reset_window_ms: 86400001\n"), 3,
                "engine.http2.reset_window_ms", "expected an integer from 1 to 86400000, found 86400001");
        assertError(fails("engine:\n  max_connections: 2000000\n"), 2, "engine.max_connections",
                "expected an integer from 1 to 1048576, found 2000000");
        assertError(fails("engine:\n  max_connections_per_ip: 0\n"), 2, "engine.max_connections_per_ip",
                "expected an integer from 1 to 1048576, found 0");
        assertError(fails("engine:\n  max_tls_handshakes: 4294967296\n"), 2, "engine.max_tls_handshakes",
                "expected an integer from 1 to 1048576, found 4294967296");
    }

    @Test
    void theUpperBoundsThemselvesAreAccepted() throws ConfigException {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: h:1
                    max_body_bytes: 1073741824
                    request_timeout_ms: 86400000
                clients:
                  a:
                    timeout_ms: 86400000
                    pool_size: 1024
                engine:
                  io_loops: 1024
                  workers: 1024
                  max_header_count: 10000
                  max_pipelined: 1024
                  buffer_size: 33554432
                  header_timeout_ms: 86400000
                  idle_timeout_ms: 86400000
                  shutdown_grace_ms: 86400000
                  shutdown_hooks_timeout_ms: 86400000
                  max_buffered_body_bytes: 1099511627776
                  http2:
                    max_concurrent_streams: 10000
                    max_header_list_size: 4194304
                    max_header_block_bytes: 4194304
                    max_continuation_frames: 10000
                    max_resets: 1000000
                    max_empty_data_frames: 1000000
                    max_queued_control_frames: 100000
                    max_queued_bytes: 1073741824
                    max_connection_body_bytes: 17179869184
                    reset_window_ms: 86400000
                    settings_timeout_ms: 86400000
                    shutdown_ping_timeout_ms: 86400000
                    max_dispatched_streams: 10000
                """, "http.yaml", Path.of("/cfg"), Map.<String, String>of()::get);
        assertEquals(1L << 30, c.servers().get(0).maxBodyBytes());
        assertEquals(10_000, c.engine().maxHeaderCount());
        assertEquals(1L << 40, c.engine().maxBufferedBodyBytes());
        assertEquals(16L << 30, c.engine().http2().maxConnectionBodyBytes());
        assertEquals(10_000, c.engine().http2().maxDispatchedStreams());
    }

    @Test
    void booleanGivenYes() {
        assertError(fails("clients:\n  api:\n    http2_prior_knowledge: yes\n"), 3, "clients.api.http2_prior_knowledge",
                "expected true or false, found the string \"yes\"");
        assertError(fails("clients:\n  api:\n    http2_prior_knowledge: \"true\"\n"), 3, "clients.api.http2_prior_knowledge",
                "expected true or false, found the string \"true\"");
    }

    @Test
    void listGivenAScalar() {
        assertError(fails("servers:\n  - listen: h:1\n    trusted_proxies: 10.0.0.1\n"), 3, "servers[0].trusted_proxies",
                "expected a list of IP addresses and CIDR ranges, like [10.0.0.1, \"::1\", 10.0.0.0/8], found the"
                        + " string \"10.0.0.1\"");
        assertErrorContains(fails("servers:\n  listen: h:1\n"), 2, "servers", "expected a list of servers");
    }

    @Test
    void mappingGivenAList() {
        assertError(fails("servers:\n  - listen: h:1\n    tls: [a.pem, b.pem]\n"), 3, "servers[0].tls",
                "expected a mapping with cert_path and key_path, found a list");
        assertError(fails("servers:\n  - h:1\n"), 2, "servers[0]", "expected a mapping with at least listen, found the string \"h:1\"");
        assertErrorContains(fails("clients: [a]\n"), 1, "clients", "found a list");
        assertErrorContains(fails("engine: 4\n"), 1, "engine", "found the integer 4");
    }

    @Test
    void stringGivenANumberOrABoolean() {
        assertError(fails("servers:\n  - listen: 8080\n"), 2, "servers[0].listen",
                HostPort.EXPECTED + ", found the integer 8080 (put it in quotes to use it as text)");
        assertErrorContains(fails("clients:\n  a:\n    verify: true\n"), 3, "clients.a.verify",
                "expected a file path, found the boolean true");
    }

    @Test
    void loopThreadsMustBeNamed() {
        assertError(fails("engine:\n  loop_threads: carrier\n"), 2, "engine.loop_threads",
                "expected \"virtual\" or \"platform\", found \"carrier\"");
    }

    // ---- servers

    @Test
    void listenIsRequired() {
        assertError(fails("servers:\n  - max_body_bytes: 5\n"), 2, "servers[0].listen",
                "required key is missing; expected \"host:port\", like \"0.0.0.0:8080\"");
        assertError(fails("servers:\n  - listen:\n"), 2, "servers[0].listen",
                "required key is empty; expected \"host:port\", like \"0.0.0.0:8080\"");
    }

    @Test
    void badListen() {
        assertError(fails("servers:\n  - listen: localhost\n"), 2, "servers[0].listen",
                HostPort.EXPECTED + ", found \"localhost\" with no port");
        assertErrorContains(fails("servers:\n  - listen: \":8080\"\n"), 2, "servers[0].listen", "with an empty host");
        assertError(fails("servers:\n  - listen: \"::1:8080\"\n"), 2, "servers[0].listen",
                "an IPv6 host must be in brackets, like \"[::1]:8080\", found \"::1:8080\"");
        assertErrorContains(fails("servers:\n  - listen: \"[::g]:80\"\n"), 2, "servers[0].listen", "\"[::g]\" in \"[::g]:80\" is not an IPv6 address");
        assertErrorContains(fails("servers:\n  - listen: \"[::1]8080\"\n"), 2, "servers[0].listen", "with no \":port\" after ']'");
        assertErrorContains(fails("servers:\n  - listen: \"bad host:80\"\n"), 2, "servers[0].listen", "is not a valid host name");
        assertErrorContains(fails("servers:\n  - listen: 300.1.1.1:80\n"), 2, "servers[0].listen", "\"300.1.1.1\" is not an IPv4 address");
    }

    @Test
    void badPort() {
        assertError(fails("servers:\n  - listen: 0.0.0.0:65536\n"), 2, "servers[0].listen",
                "port must be a number from 0 to 65535, found \"65536\" in \"0.0.0.0:65536\"");
        assertErrorContains(fails("servers:\n  - listen: \"[::1]:http\"\n"), 2, "servers[0].listen", "found \"http\"");
        assertErrorContains(fails("servers:\n  - listen: \"h:\"\n"), 2, "servers[0].listen", "found \"\"");
    }

    @Test
    void duplicateListenNamesBothEntries() {
        assertError(fails("""
                servers:
                  - listen: 127.0.0.1:8080
                  - listen: 127.0.0.1:8081
                  - listen: 127.0.0.1:8080
                """), 4, "servers[2].listen", "\"127.0.0.1:8080\" is already used by servers[0] (line 2);"
                + " two servers cannot listen on the same address and port");
    }

    @Test
    void duplicateListenSeesThroughIpv6SpellingsAndHostCase() {
        assertErrorContains(fails("servers:\n  - listen: \"[::1]:80\"\n  - listen: \"[0:0::0:1]:80\"\n"), 3,
                "servers[1].listen", "already used by servers[0] (line 2)");
        assertErrorContains(fails("servers:\n  - listen: LocalHost:80\n  - listen: localhost:80\n"), 3,
                "servers[1].listen", "already used by servers[0]");
    }

    @Test
    void tlsWithoutKeyPath() {
        assertError(fails("""
                servers:
                  - listen: 0.0.0.0:8443
                    tls:
                      cert_path: server.pem
                """), 4, "servers[0].tls.key_path",
                "required key is missing; a TLS listener needs the PEM private key of its certificate");
    }

    @Test
    void tlsWithoutCertPathOrWithAnEmptyPath() {
        assertErrorContains(fails("servers:\n  - listen: h:1\n    tls:\n      key_path: k.pem\n"), 4,
                "servers[0].tls.cert_path", "required key is missing");
        assertError(fails("servers:\n  - listen: h:1\n    tls:\n      cert_path: \"\"\n      key_path: k\n"), 4,
                "servers[0].tls.cert_path", "expected a file path, found an empty string");
    }

    @Test
    void trustedProxyGivenAHostName() {
        assertError(fails("""
                servers:
                  - listen: 0.0.0.0:8080
                    trusted_proxies:
                      - 10.0.0.1
                      - proxy.internal
                """), 5, "servers[0].trusted_proxies[1]",
                "expected an IP address or a CIDR range like 10.0.0.1, ::1 or 10.0.0.0/8 (host names are not resolved),"
                        + " found \"proxy.internal\"");
    }

    @Test
    void trustedProxyGivenAZone() {
        assertErrorContains(fails("servers:\n  - listen: h:1\n    trusted_proxies: [\"fe80::1%eth0\"]\n"), 3,
                "servers[0].trusted_proxies[0]", "found \"fe80::1%eth0\"");
    }

    @Test
    void trustedProxyRangeWithABadPrefixLength() {
        assertError(fails("servers:\n  - listen: h:1\n    trusted_proxies: [10.0.0.0/33]\n"), 3,
                "servers[0].trusted_proxies[0]", "expected a prefix length from 0 to 32 after the '/', found"
                        + " \"10.0.0.0/33\"");
        assertError(fails("servers:\n  - listen: h:1\n    trusted_proxies: [\"fd00::/129\"]\n"), 3,
                "servers[0].trusted_proxies[0]", "expected a prefix length from 0 to 128 after the '/', found"
                        + " \"fd00::/129\"");
        for (String bad : new String[] {"10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-8", "10.0.0.0/8/8", "10.0.0.0/x"}) {
            assertErrorContains(fails("servers:\n  - listen: h:1\n    trusted_proxies: [\"" + bad + "\"]\n"), 3,
                    "servers[0].trusted_proxies[0]", "found \"" + bad + "\"");
        }
    }

    @Test
    void trustedProxyRangeWithHostBitsSet() {
        // 10.0.0.1/8 is refused rather than silently read as 10.0.0.0/8: the writer may have meant 10.0.0.1
        assertError(fails("servers:\n  - listen: h:1\n    trusted_proxies: [10.0.0.1/8]\n"), 3,
                "servers[0].trusted_proxies[0]", "expected a range written with its first address (10.0.0.0/8),"
                        + " with no bits set past the /8 prefix, found \"10.0.0.1/8\"");
        assertErrorContains(fails("servers:\n  - listen: h:1\n    trusted_proxies: [\"fd00::1/8\"]\n"), 3,
                "servers[0].trusted_proxies[0]", "with no bits set past the /8 prefix, found \"fd00::1/8\"");
    }

    // ---- clients

    @Test
    void clientKeyWithoutCert() {
        assertError(fails("""
                clients:
                  api:
                    base_url: https://api.example.com
                    key: client.key
                """), 4, "clients.api.key", "key is set but cert is not; key is only valid together with cert"
                + " (cert alone may be a combined PEM holding both)");
    }

    /** A client's proxy that cannot be used stops start-up, naming file, line and key; so does max_connections out of range. */
    @Test
    void badProxyAndMaxConnections() throws ConfigException {
        assertError(fails("clients:\n  api:\n    proxy: socks5://127.0.0.1:1080\n"), 3, "clients.api.proxy",
                "proxy scheme \"socks5\" is not supported (only http:// proxies, which tunnel https:// requests with "
                        + "CONNECT)");
        assertError(fails("clients:\n  api:\n    proxy: \"http://u:secret@proxy:0\"\n"), 3, "clients.api.proxy",
                "port \"0\" of the proxy URL \"http://***@proxy:0\" is not from 1 to 65535");
        assertErrorContains(fails("clients:\n  api:\n    proxy: 3128\n"), 3, "clients.api.proxy",
                "expected an http:// proxy URL or \"none\", found the integer 3128");
        assertErrorContains(fails("clients:\n  api:\n    no_proxy: [a, b]\n"), 3, "clients.api.no_proxy",
                "expected a comma-separated list of hosts");
        assertError(fails("clients:\n  a:\n    max_connections: 0\n"), 3, "clients.a.max_connections",
                "expected an integer from 1 to 16384, found 0");
        assertError(fails("clients:\n  a:\n    max_connections: 16385\n"), 3, "clients.a.max_connections",
                "expected an integer from 1 to 16384, found 16385");
        HttpConfig ok = ConfigLoader.parse("clients:\n  a:\n    proxy: none\n  b:\n    proxy: http://p:3128\n"
                + "    no_proxy: localhost\n    max_connections: 4\n    pool_size: 2\n", "http.yaml", n -> null);
        assertEquals("none", ok.clients().get("a").proxy());
        assertEquals(null, ok.clients().get("a").noProxy());
        assertEquals("http://p:3128", ok.clients().get("b").proxy());
        assertEquals("localhost", ok.clients().get("b").noProxy());
        assertEquals(4, ok.clients().get("b").maxConnections());
        assertEquals(2, ok.clients().get("b").poolSize());
        assertEquals(null, ConfigLoader.parse("clients:\n  c: {}\n", "http.yaml", n -> null).clients().get("c").proxy());
    }

    @Test
    void badBaseUrl() {
        String expected = "expected an absolute http:// or https:// URL with a host, like \"https://api.example.com/v1\", found ";
        assertError(fails("clients:\n  api:\n    base_url: api.example.com\n"), 3, "clients.api.base_url",
                expected + "\"api.example.com\"");
        assertError(fails("clients:\n  api:\n    base_url: ftp://files.example.com\n"), 3, "clients.api.base_url",
                expected + "\"ftp://files.example.com\"");
        assertError(fails("clients:\n  api:\n    base_url: \"https:///path\"\n"), 3, "clients.api.base_url",
                expected + "\"https:///path\" (no host)");
        assertErrorContains(fails("clients:\n  api:\n    base_url: \"http://a b\"\n"), 3, "clients.api.base_url",
                expected + "\"http://a b\" (Illegal character");
    }

    @Test
    void oddClientNamesAreQuotedInTheKeyPath() {
        assertErrorContains(fails("clients:\n  \"my.api\":\n    pool: 1\n"), 3, "clients[\"my.api\"].pool", "unknown key");
        assertErrorContains(fails("clients:\n  \"\": {}\n"), 2, "clients[\"\"]", "a client name must not be empty");
    }

    // ---- engine

    @Test
    void bufferSizeSmallerThanHeadersPlusHeadroomNamesBothKeys() {
        assertError(fails("""
                engine:
                  max_header_bytes: 16384
                  buffer_size: 16384
                """), 3, "engine.buffer_size",
                "must be at least max_header_bytes + 1024 = 17408 (engine.max_header_bytes is 16384, line 2), found 16384");
        assertError(fails("engine:\n  buffer_size: 4096\n"), 2, "engine.buffer_size",
                "must be at least max_header_bytes + 1024 = 17408 (engine.max_header_bytes is 16384, the default), found 4096");
    }

    @Test
    void raisingMaxHeaderBytesAloneAsksForABiggerBuffer() {
        assertError(fails("engine:\n  max_header_bytes: 65536\n"), 2, "engine.max_header_bytes",
                "65536 needs engine.buffer_size of at least max_header_bytes + 1024 = 66560, but buffer_size is 32768"
                        + " (the default); raise engine.buffer_size too");
    }

    // ---- engine.http2

    @Test
    void unknownHttp2KeyListsTheKnownOnes() {
        assertError(fails("engine:\n  http2:\n    max_streams: 5\n"), 3, "engine.http2.max_streams",
                "unknown key; expected one of max_concurrent_streams, initial_window_size, connection_window_size,"
                        + " max_frame_size, header_table_size, max_header_list_size, max_continuation_frames,"
                        + " max_header_block_bytes, max_resets, reset_window_ms, max_empty_data_frames,"
                        + " max_queued_control_frames, max_queued_bytes, max_connection_body_bytes, settings_timeout_ms,"
                        + " shutdown_ping_timeout_ms, max_dispatched_streams");
    }

    @Test
    void http2MustBeAMapping() {
        assertError(fails("engine:\n  http2: 5\n"), 2, "engine.http2", "expected a mapping of HTTP/2 settings, found the integer 5");
        assertError(fails("engine:\n  http2: [1]\n"), 2, "engine.http2", "expected a mapping of HTTP/2 settings, found a list");
    }

    @Test
    void http2ValuesOutsideTheRfcRangesAreRejected() {
        // RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE is 2^14 .. 2^24-1; windows are at most 2^31-1
        assertError(fails("engine:\n  http2:\n    max_frame_size: 1024\n"), 3, "engine.http2.max_frame_size",
                "expected an integer from 16384 to 16777215, found 1024");
        assertError(fails("engine:\n  http2:\n    initial_window_size: 2147483648\n"), 3,
                "engine.http2.initial_window_size", "expected an integer from 0 to 2147483647, found 2147483648");
        assertError(fails("engine:\n  http2:\n    connection_window_size: 1000\n"), 3,
                "engine.http2.connection_window_size", "expected an integer from 65535 to 2147483647, found 1000");
        assertError(fails("engine:\n  http2:\n    header_table_size: 2000000\n"), 3, "engine.http2.header_table_size",
                "expected an integer from 0 to 1048576, found 2000000");
        assertError(fails("engine:\n  http2:\n    max_concurrent_streams: 0\n"), 3,
                "engine.http2.max_concurrent_streams", "expected an integer from 1 to 10000, found 0");
        assertError(fails("engine:\n  http2:\n    max_connection_body_bytes: -1\n"), 3,
                "engine.http2.max_connection_body_bytes", "expected an integer from 0 to 17179869184, found -1");
        assertError(fails("engine:\n  http2:\n    max_dispatched_streams: 0\n"), 3,
                "engine.http2.max_dispatched_streams", "expected an integer from 1 to 10000, found 0");
        assertError(fails("engine:\n  http2:\n    max_dispatched_streams: 10001\n"), 3,
                "engine.http2.max_dispatched_streams", "expected an integer from 1 to 10000, found 10001");
        assertError(fails("engine:\n  http2:\n    settings_timeout_ms: \"5\"\n"), 3, "engine.http2.settings_timeout_ms",
                "expected an integer from 1 to 86400000, found the string \"5\" (write numbers without quotes)");
        assertError(fails("engine:\n  http2:\n    max_resets: ${SET}\n"), 3, "engine.http2.max_resets",
                "expected an integer from 1 to 1000000, found text (from \"${SET}\"; values from the environment are not shown)");
    }

    @Test
    void http2FrameSizeLargerThanTheBufferNamesBothKeys() {
        assertError(fails("engine:\n  http2:\n    max_frame_size: 65536\n"), 3, "engine.http2.max_frame_size",
                "65536 needs engine.buffer_size of at least max_frame_size + 9 = 65545, but buffer_size is 32768"
                        + " (the default); raise engine.buffer_size too");
        assertError(fails("""
                engine:
                  buffer_size: 20000
                  http2:
                    max_frame_size: 20000
                """), 2, "engine.buffer_size", "must be at least http2.max_frame_size + 9 = 20009"
                + " (engine.http2.max_frame_size is 20000, line 4; a whole HTTP/2 frame must fit in one buffer), found 20000");
        assertError(fails("engine:\n  max_header_bytes: 8192\n  buffer_size: 16000\n"), 3, "engine.buffer_size",
                "must be at least http2.max_frame_size + 9 = 16393 (engine.http2.max_frame_size is 16384, the default;"
                        + " a whole HTTP/2 frame must fit in one buffer), found 16000");
    }

    // ---- files

    @Test
    void missingFileNamesTheFile(@TempDir Path tmp) {
        Path file = tmp.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file.toString(), e.file());
        assertEquals(-1, e.line());
        assertEquals("", e.key());
        assertTrue(e.getMessage().startsWith(file + ": file not found"), e.getMessage());
    }

    @Test
    void directoryIsNotAConfigFile(@TempDir Path tmp) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(tmp));
        assertEquals(tmp + ": is a directory; expected an http.yaml file", e.getMessage());
    }

    @Test
    void invalidUtf8NamesTheLine(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("http.yaml");
        Files.write(file, new byte[] {'s', 'e', 'r', 'v', 'e', 'r', 's', ':', '\n', ' ', ' ', '-', ' ', (byte) 0xC3, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, k -> null));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith(file + ":2: is not valid UTF-8"), e.getMessage());
    }

    @Test
    void errorsFromAFileUseItsName(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("http.yaml"), "servers:\n  - listen: h:1\n    bogus: 1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, k -> null));
        assertEquals(file.toString(), e.file());
        assertTrue(e.getMessage().startsWith(file + ":3: servers[0].bogus: unknown key"), e.getMessage());
    }

    /** A response body is buffered in one array: the cap stops at 1 GiB, as a request body's does. */
    @Test
    void clientResponseCapIsBounded() {
        assertError(fails("clients:\n  a:\n    max_response_bytes: 2147483648\n"), 3, "clients.a.max_response_bytes",
                "expected an integer from 1 to 1073741824, found 2147483648");
        assertError(fails("clients:\n  a:\n    max_response_bytes: 0\n"), 3, "clients.a.max_response_bytes",
                "expected an integer from 1 to 1073741824, found 0");
        assertErrorContains(fails("clients:\n  a:\n    allow_other_origins: sometimes\n"), 3,
                "clients.a.allow_other_origins", "expected true or false");
    }
}

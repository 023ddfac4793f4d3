package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    static final Function<String, String> NO_ENV = name -> null;

    static Path resource(String name) {
        try {
            return Path.of(ConfigLoaderTest.class.getResource("/config/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadsAConfigWrittenForTheOriginalWithEveryValue() throws Exception {
        Map<String, String> env = Map.of("INTERNAL_URL", "https://internal.example:8443/api");
        HttpConfig c = ConfigLoader.load(resource("original-format.yaml"), env::get);

        assertEquals(2, c.servers().size());
        ServerConfig plain = c.servers().get(0);
        assertEquals("127.0.0.1", plain.host());
        assertEquals(8080, plain.port());
        assertNull(plain.tls());
        assertEquals(1_048_576, plain.maxBodyBytes());
        assertEquals(30_000, plain.requestTimeoutMs());
        assertEquals(List.of(), plain.trustedProxies());

        ServerConfig secure = c.servers().get(1);
        assertEquals("0.0.0.0:8443", secure.listen());
        assertEquals(new TlsConfig(Path.of("/etc/siphon/tls/server.crt"), Path.of("/etc/siphon/tls/server.key"),
                Path.of("/etc/siphon/tls/ca.crt")), secure.tls());
        assertTrue(secure.tls().mutual());
        assertEquals(10_485_760, secure.maxBodyBytes());
        assertEquals(15_000, secure.requestTimeoutMs());
        assertEquals(List.of("10.1.2.3", "192.168.0.10"), secure.trustedProxies());

        assertEquals(List.of("github", "internal"), List.copyOf(c.clients().keySet()));
        assertEquals(ClientConfig.named("github").withBaseUrl("https://api.github.com").withTimeoutMs(10_000)
                .withPoolSize(4), c.clients().get("github"));
        assertEquals(ClientConfig.named("internal").withBaseUrl("https://internal.example:8443/api")
                .withVerify(Path.of("/etc/ssl/internal-ca.pem"))
                .withIdentity(Path.of("/etc/siphon/tls/client-combined.pem"), null), c.clients().get("internal"));

        assertEquals(EngineSettings.defaults(), c.engine());
    }

    @Test
    void loadsTheDocumentedExampleWithEveryValue() throws Exception {
        Path file = resource("example-http.yaml");
        Path dir = file.getParent().toAbsolutePath().normalize();
        HttpConfig c = ConfigLoader.load(file, NO_ENV);

        ServerConfig first = c.servers().get(0);
        assertEquals(new ServerConfig("0.0.0.0", 8080, null, 1_048_576, 30_000, List.of("10.0.0.1", "::1")), first);

        ServerConfig second = c.servers().get(1);
        assertEquals("::", second.host());
        assertEquals("[::]:8443", second.listen());
        assertEquals(new TlsConfig(dir.resolve("certs/server.pem"), dir.resolve("certs/server.key"),
                dir.resolve("certs/clients-ca.pem")), second.tls());
        assertEquals(8_388_608, second.maxBodyBytes());
        assertEquals(10_000, second.requestTimeoutMs());

        assertEquals(ClientConfig.named("payments").withBaseUrl("https://payments.internal.example:9443/v2")
                .withTimeoutMs(2_500).withVerify(dir.resolve("certs/internal-ca.pem"))
                .withIdentity(dir.resolve("certs/client.pem"), dir.resolve("certs/client.key")).withPoolSize(16)
                .withMaxResponseBytes(8_388_608), c.clients().get("payments"));
        assertEquals(ClientConfig.named("metrics").withBaseUrl("http://127.0.0.1:9100").withHttp2PriorKnowledge(true),
                c.clients().get("metrics"));

        assertEquals(new EngineSettings(2, LoopThreads.VIRTUAL, 4, 16_384, 100, 10_000, 60_000, 16, 32_768, 5_000,
                new Http2Settings(4_096, 100, 65_535, 1_048_576, 16_384, 16_384, 32, 65_536, 200, 30_000, 100, 10_000,
                        4_194_304, 8_388_608, 10_000, 1_000, 16)).withMaxBufferedBodyBytes(268_435_456), c.engine());
        assertEquals(new AdminConfig("127.0.0.1", 9090, 5_000), c.admin());
        assertEquals(new AccessLogConfig(dir.resolve("logs/access.log"), true, 65_536), c.accessLog());
    }

    @Test
    void anAccessLogToStandardOutputInText() throws Exception {
        assertEquals(new AccessLogConfig(null, false, 65_536),
                ConfigLoader.parse("access_log:\n  path: \"-\"\n  format: text\n", "http.yaml", NO_ENV).accessLog());
        assertEquals(null, ConfigLoader.parse("servers: []\n", "http.yaml", NO_ENV).accessLog());
    }

    @Test
    void noAdminSectionMeansNoAdminListener() throws Exception {
        assertEquals(null, ConfigLoader.parse("servers: []\n", "http.yaml", NO_ENV).admin());
        assertEquals(AdminConfig.listen("[::1]:0"), ConfigLoader.parse("admin:\n  listen: \"[::1]:0\"\n", "http.yaml",
                NO_ENV).admin());
    }

    @Test
    void emptyFileGivesDefaults() throws Exception {
        assertEquals(HttpConfig.defaults(), ConfigLoader.parse("", "http.yaml", NO_ENV));
        assertEquals(HttpConfig.defaults(), ConfigLoader.parse("# nothing yet\n\n", "http.yaml", NO_ENV));
        assertEquals(HttpConfig.defaults(), ConfigLoader.parse("servers:\nclients:\nengine:\n", "http.yaml", NO_ENV));
        assertEquals(HttpConfig.defaults(), ConfigLoader.parse("servers: []\nclients: {}\n", "http.yaml", NO_ENV));
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        HttpConfig c = ConfigLoader.parse("servers:\n  - listen: localhost:0\nclients:\n  plain:\n", "http.yaml", NO_ENV);
        ServerConfig s = c.servers().get(0);
        assertEquals(new ServerConfig("localhost", 0, null, 1_048_576, 30_000, List.of()), s);
        assertEquals(ServerConfig.listen("localhost:0"), s);
        assertEquals(new ClientConfig("plain", null, 5_000, null, null, null, 8, false, 67_108_864, false, true, 1024, null, null),
                c.clients().get("plain"));

        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(new EngineSettings(cpus, LoopThreads.VIRTUAL, cpus, 16_384, 100, 10_000, 60_000, 16, 32_768, 5_000),
                c.engine());
        assertEquals(Runtime.getRuntime().maxMemory() / 4, c.engine().maxBufferedBodyBytes(), "a quarter of the heap");
    }

    @Test
    void engineSettingsOverrideOnlyWhatIsWritten() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                engine:
                  loop_threads: platform
                  max_header_bytes: 65536
                  buffer_size: 0x11000
                  shutdown_grace_ms: 0
                  shutdown_hooks_timeout_ms: 250
                  max_buffered_body_bytes: 64_000_000
                """, "http.yaml", NO_ENV);
        EngineSettings expected = EngineSettings.defaults().withLoopThreads(LoopThreads.PLATFORM)
                .withBufferSize(69_632).withMaxHeaderBytes(65_536).withShutdownGraceMs(0)
                .withShutdownHooksTimeoutMs(250).withMaxBufferedBodyBytes(64_000_000);
        assertEquals(expected, c.engine());
    }

    @Test
    void connectionLimitsAreReadAndDefaultToTheDocumentedOnes() throws Exception {
        assertEquals(new ConnectionLimits(10_000, 256, 1_024), HttpConfig.defaults().engine().connections());
        HttpConfig c = ConfigLoader.parse("""
                engine:
                  max_connections: 20000
                  max_connections_per_ip: 1000
                  max_tls_handshakes: 64
                """, "http.yaml", NO_ENV);
        assertEquals(new ConnectionLimits(20_000, 1_000, 64), c.engine().connections());
        assertEquals(EngineSettings.defaults().withConnections(ConnectionLimits.defaults().withMaxConnections(20_000)
                        .withMaxConnectionsPerIp(1_000).withMaxTlsHandshakes(64)), c.engine());
        assertEquals(new ConnectionLimits(10_000, 8, 1_024),
                ConfigLoader.parse("engine:\n  max_connections_per_ip: 8\n", "http.yaml", NO_ENV).engine().connections());
    }

    @Test
    void http2SettingsDefaultToTheDocumentedOnes() throws Exception {
        assertEquals(Http2Settings.defaults(), ConfigLoader.parse("engine:\n  http2:\n", "http.yaml", NO_ENV).engine().http2());
        assertEquals(new Http2Settings(4_096, 100, 65_535, 1_048_576, 16_384, 16_384, 32, 65_536, 200, 30_000, 100,
                10_000, 4_194_304, 8_388_608, 10_000, 1_000, 16), HttpConfig.defaults().engine().http2());
    }

    @Test
    void http2KeysMapToTheirOwnSettings() throws Exception {
        // every value distinct, so two keys wired to one field would show
        HttpConfig c = ConfigLoader.parse("""
                engine:
                  buffer_size: 65536
                  http2:
                    max_concurrent_streams: 7
                    initial_window_size: 1000001
                    connection_window_size: 1000002
                    max_frame_size: 32768
                    header_table_size: 8192
                    max_header_list_size: 20000
                    max_continuation_frames: 5
                    max_header_block_bytes: 40000
                    max_resets: 11
                    reset_window_ms: 12000
                    max_empty_data_frames: 13
                    max_queued_control_frames: 14
                    max_queued_bytes: 1000003
                    max_connection_body_bytes: ${BODY:-1000004}
                    settings_timeout_ms: 15000
                    shutdown_ping_timeout_ms: 250
                    max_dispatched_streams: 17
                """, "http.yaml", NO_ENV);
        assertEquals(new Http2Settings(8_192, 7, 1_000_001, 1_000_002, 32_768, 20_000, 5, 40_000, 11, 12_000, 13, 14,
                1_000_003, 1_000_004, 15_000, 250, 17), c.engine().http2());
        assertEquals(65_536, c.engine().bufferSize());
    }

    @Test
    void integersMayUseUnderscoresAsPyYamlReadThem() throws Exception {
        HttpConfig c = ConfigLoader.parse("servers:\n  - listen: h:1\n    max_body_bytes: 10_485_760\n", "http.yaml", NO_ENV);
        assertEquals(10_485_760, c.servers().get(0).maxBodyBytes());
    }

    @Test
    void ipv6ListenAddressesKeepTheirHostWithoutBrackets() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: "[::1]:8080"
                  - listen: '[2001:db8::7]:0'
                  - listen: "[::ffff:192.0.2.1]:9000"
                """, "http.yaml", NO_ENV);
        assertEquals("::1", c.servers().get(0).host());
        assertEquals(8080, c.servers().get(0).port());
        assertEquals("[::1]:8080", c.servers().get(0).listen());
        assertEquals("2001:db8::7", c.servers().get(1).host());
        assertEquals(0, c.servers().get(1).port());
        assertEquals("[::ffff:192.0.2.1]:9000", c.servers().get(2).listen());
    }

    @Test
    void ipv6TrustedProxiesInBlockAndQuotedFlowForm() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: 0.0.0.0:1
                    trusted_proxies:
                      - ::1
                      - fe80::1:2
                  - listen: 0.0.0.0:2
                    trusted_proxies: ["2001:db8::1", 127.0.0.1]
                """, "http.yaml", NO_ENV);
        assertEquals(List.of("::1", "fe80::1:2"), c.servers().get(0).trustedProxies());
        assertEquals(List.of("2001:db8::1", "127.0.0.1"), c.servers().get(1).trustedProxies());
    }

    @Test
    void trustedProxiesTakeCidrRanges() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: 0.0.0.0:1
                    trusted_proxies: [10.0.0.0/8, "fd00::/8", 192.168.1.7/32, 0.0.0.0/0, 127.0.0.1]
                """, "http.yaml", NO_ENV);
        assertEquals(List.of("10.0.0.0/8", "fd00::/8", "192.168.1.7/32", "0.0.0.0/0", "127.0.0.1"),
                c.servers().get(0).trustedProxies());
    }

    @Test
    void portZeroMayRepeatBecauseEachBindGetsItsOwnPort() throws Exception {
        HttpConfig c = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\n  - listen: 127.0.0.1:0\n", "http.yaml", NO_ENV);
        assertEquals(2, c.servers().size());
    }

    @Test
    void relativePathsResolveAgainstTheConfigFilesDirectory(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("etc/siphon"));
        Path file = dir.resolve("http.yaml");
        Files.writeString(file, """
                servers:
                  - listen: 127.0.0.1:8443
                    tls:
                      cert_path: tls/server.pem
                      key_path: ../shared/server.key
                      client_ca: /abs/ca.pem
                clients:
                  api:
                    verify: ./ca.pem
                """);
        HttpConfig c = ConfigLoader.load(file, NO_ENV);
        Path base = dir.toAbsolutePath().normalize();
        TlsConfig tls = c.servers().get(0).tls();
        assertEquals(base.resolve("tls/server.pem"), tls.certPath());
        assertEquals(tmp.toAbsolutePath().normalize().resolve("etc/shared/server.key"), tls.keyPath());
        assertEquals(Path.of("/abs/ca.pem"), tls.clientCa());
        assertEquals(base.resolve("ca.pem"), c.clients().get("api").verify());
    }

    @Test
    void relativeFileNameResolvesAgainstItsAbsoluteDirectory(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("http.yaml"),
                "servers:\n  - listen: h:1\n    tls: {cert_path: c.pem, key_path: k.pem}\n");
        Path relative = Path.of("").toAbsolutePath().relativize(file.toAbsolutePath());
        HttpConfig c = ConfigLoader.load(relative, NO_ENV);
        assertEquals(tmp.toAbsolutePath().normalize().resolve("c.pem"), c.servers().get(0).tls().certPath());
        assertTrue(c.servers().get(0).tls().certPath().isAbsolute());
    }

    @Test
    void parseResolvesRelativePathsAgainstTheGivenDirectory() throws Exception {
        Path base = Path.of("/srv/app");
        HttpConfig c = ConfigLoader.parse("clients:\n  a:\n    cert: id.pem\n", "inline", base, NO_ENV);
        assertEquals(Path.of("/srv/app/id.pem"), c.clients().get("a").cert());
        assertNull(c.clients().get("a").key());
    }

    @Test
    void pemFilesAreNotOpenedByTheLoader() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:8443
                    tls: {cert_path: /nonexistent/cert.pem, key_path: /nonexistent/key.pem}
                """, "http.yaml", NO_ENV);
        assertFalse(Files.exists(c.servers().get(0).tls().certPath()));
        assertFalse(c.servers().get(0).tls().mutual());
    }

    @Test
    void mergeKeysShareBlocksAndWrittenKeysWin() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - &base
                    listen: 127.0.0.1:8080
                    max_body_bytes: 100
                    request_timeout_ms: 7
                  - <<: *base
                    listen: 127.0.0.1:8081
                    max_body_bytes: 200
                """, "http.yaml", NO_ENV);
        ServerConfig second = c.servers().get(1);
        assertEquals(8081, second.port());
        assertEquals(200, second.maxBodyBytes());
        assertEquals(7, second.requestTimeoutMs());
    }

    @Test
    void explicitNullMeansDefault() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                servers:
                  - listen: h:1
                    tls: ~
                    max_body_bytes:
                    trusted_proxies: null
                """, "http.yaml", NO_ENV);
        assertEquals(ServerConfig.listen("h:1"), c.servers().get(0));
    }

    @Test
    void booleansAcceptTheYaml12Spellings() throws Exception {
        for (String t : List.of("true", "True", "TRUE")) {
            HttpConfig c = ConfigLoader.parse("clients:\n  a:\n    http2_prior_knowledge: " + t + "\n", "http.yaml", NO_ENV);
            assertTrue(c.clients().get("a").http2PriorKnowledge(), t);
        }
        HttpConfig c = ConfigLoader.parse("clients:\n  a:\n    http2_prior_knowledge: False\n", "http.yaml", NO_ENV);
        assertFalse(c.clients().get("a").http2PriorKnowledge());
    }

    @Test
    void clientNamesKeepFileOrderAndMayBeQuoted() throws Exception {
        HttpConfig c = ConfigLoader.parse("clients:\n  zeta: {}\n  \"my.api\": {pool_size: 1}\n  alpha:\n", "http.yaml", NO_ENV);
        assertEquals(List.of("zeta", "my.api", "alpha"), List.copyOf(c.clients().keySet()));
        assertEquals(1, c.clients().get("my.api").poolSize());
    }

    @Test
    void byteOrderMarkIsIgnored() throws Exception {
        HttpConfig c = ConfigLoader.parse("\uFEFFservers:\n  - listen: h:1\n", "http.yaml", NO_ENV);
        assertEquals(1, c.servers().size());
    }

    @Test
    void clientResponseCapAndOriginBindingAreReadAndDefaultToBound() throws Exception {
        HttpConfig c = ConfigLoader.parse("""
                clients:
                  bound:
                    base_url: https://api.example.com
                  open:
                    base_url: https://api.example.com
                    max_response_bytes: 1073741824
                    allow_other_origins: true
                """, "http.yaml", NO_ENV);
        assertEquals(64L << 20, c.clients().get("bound").maxResponseBytes());
        assertFalse(c.clients().get("bound").allowOtherOrigins());
        assertEquals(1L << 30, c.clients().get("open").maxResponseBytes());
        assertTrue(c.clients().get("open").allowOtherOrigins());
    }
}

package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The records hold the same invariants as the loader, so an embedder cannot build a bad configuration either. */
class ConfigRecordsTest {

    @Test
    void withMethodsCopyOneField() {
        ServerConfig s = ServerConfig.listen("127.0.0.1:8080")
                .withMaxBodyBytes(5).withRequestTimeoutMs(6).withTrustedProxies(List.of("::1"))
                .withTls(new TlsConfig(Path.of("c"), Path.of("k"), null)).withPort(0).withHost("::");
        assertEquals(new ServerConfig("::", 0, new TlsConfig(Path.of("c"), Path.of("k"), null), 5, 6, List.of("::1")), s);
        assertNull(s.withTls(null).tls());

        EngineSettings e = EngineSettings.defaults().withIoLoops(3).withWorkers(5).withMaxHeaderCount(7)
                .withHeaderTimeoutMs(8).withIdleTimeoutMs(9).withMaxPipelined(10).withLoopThreads(LoopThreads.PLATFORM);
        assertEquals(new EngineSettings(3, LoopThreads.PLATFORM, 5, 16_384, 7, 8, 9, 10, 32_768, 5_000), e);
    }

    /** The Java API has the loader's upper bounds, and its message names the setting and the range. */
    @Test
    void numericSettingsHaveUpperBoundsInJavaToo() {
        ServerConfig s = ServerConfig.listen("h:1");
        assertEquals("maxBodyBytes must be from 0 to 1073741824, was 3221225472",
                assertThrows(IllegalArgumentException.class, () -> s.withMaxBodyBytes(3L << 30)).getMessage());
        assertEquals("requestTimeoutMs must be from 1 to 86400000, was 9223372036854775807",
                assertThrows(IllegalArgumentException.class, () -> s.withRequestTimeoutMs(Long.MAX_VALUE)).getMessage());
        EngineSettings d = EngineSettings.defaults();
        assertEquals("maxHeaderCount must be from 1 to 10000, was 50000000",
                assertThrows(IllegalArgumentException.class, () -> d.withMaxHeaderCount(50_000_000)).getMessage());
        assertEquals("ioLoops must be from 1 to 1024, was 1025",
                assertThrows(IllegalArgumentException.class, () -> d.withIoLoops(1025)).getMessage());
        assertEquals("shutdownGraceMs must be from 0 to 86400000, was 9223372036854775807",
                assertThrows(IllegalArgumentException.class, () -> d.withShutdownGraceMs(Long.MAX_VALUE)).getMessage());
        assertEquals("bufferSize must be from 1 to 33554432, was 2147483647",
                assertThrows(IllegalArgumentException.class, () -> d.withBufferSize(Integer.MAX_VALUE)).getMessage());
        assertEquals("maxBufferedBodyBytes must be from 0 to 1099511627776, was 1099511627777", assertThrows(
                IllegalArgumentException.class, () -> d.withMaxBufferedBodyBytes((1L << 40) + 1)).getMessage());
        assertEquals("poolSize must be from 1 to 1024, was 100000", assertThrows(IllegalArgumentException.class,
                () -> ClientConfig.named("a").withPoolSize(100_000)).getMessage());
        assertEquals("handshakeTimeoutMs must be from 1 to 86400000, was 86400001", assertThrows(
                IllegalArgumentException.class,
                () -> new TlsConfig(Path.of("c"), Path.of("k"), null).withHandshakeTimeoutMs(86_400_001)).getMessage());
        Http2Settings h2 = Http2Settings.defaults();
        assertEquals("maxHeaderListSize must be from 1 to 4194304, was 2147483647", assertThrows(
                IllegalArgumentException.class, () -> h2.withMaxHeaderListSize(Integer.MAX_VALUE)).getMessage());
        assertEquals("maxConnectionBodyBytes must be from 0 to 17179869184, was 9223372036854775807", assertThrows(
                IllegalArgumentException.class, () -> h2.withMaxConnectionBodyBytes(Long.MAX_VALUE)).getMessage());
        ConnectionLimits c = ConnectionLimits.defaults();
        assertEquals("maxConnections must be from 1 to 1048576, was 2000000", assertThrows(
                IllegalArgumentException.class, () -> c.withMaxConnections(2_000_000)).getMessage());
        assertEquals("maxConnectionsPerIp must be from 1 to 1048576, was 0", assertThrows(
                IllegalArgumentException.class, () -> c.withMaxConnectionsPerIp(0)).getMessage());
        assertEquals("maxTlsHandshakes must be from 1 to 1048576, was -1", assertThrows(
                IllegalArgumentException.class, () -> c.withMaxTlsHandshakes(-1)).getMessage());
    }

    @Test
    void recordsRejectWhatTheLoaderRejects() {
        ServerConfig s = ServerConfig.listen("h:1");
        assertThrows(IllegalArgumentException.class, () -> s.withPort(65_536));
        assertThrows(IllegalArgumentException.class, () -> s.withHost(""));
        assertThrows(IllegalArgumentException.class, () -> s.withHost("[::1]"));
        assertThrows(IllegalArgumentException.class, () -> s.withMaxBodyBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> s.withRequestTimeoutMs(0));
        assertThrows(IllegalArgumentException.class, () -> s.withTrustedProxies(List.of("proxy.local")));

        ClientConfig c = ClientConfig.named("a");
        assertThrows(IllegalArgumentException.class, () -> c.withBaseUrl("example.com"));
        assertThrows(IllegalArgumentException.class, () -> c.withIdentity(null, Path.of("k")));
        assertThrows(IllegalArgumentException.class, () -> c.withPoolSize(0));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.named(""));

        EngineSettings d = EngineSettings.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withMaxHeaderBytes(65_536));
        assertEquals(65_536, d.withBufferSize(66_560).withMaxHeaderBytes(65_536).maxHeaderBytes());
        assertThrows(IllegalArgumentException.class, () -> d.withMaxHeaderBytes(255));
        assertThrows(IllegalArgumentException.class, () -> d.withShutdownGraceMs(-1));
        assertThrows(NullPointerException.class, () -> d.withLoopThreads(null));
        assertThrows(NullPointerException.class, () -> d.withHttp2(null));
        Http2Settings h2 = Http2Settings.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withHttp2(h2.withMaxFrameSize(32_768)));
        assertEquals(32_768, d.withBufferSize(32_777).withHttp2(h2.withMaxFrameSize(32_768)).http2().maxFrameSize());
        assertThrows(IllegalArgumentException.class, () -> h2.withMaxFrameSize(16_383));
        assertThrows(IllegalArgumentException.class, () -> h2.withConnectionWindowSize(65_534));
        assertThrows(IllegalArgumentException.class, () -> h2.withInitialWindowSize(-1));
        assertThrows(IllegalArgumentException.class, () -> h2.withHeaderTableSize(Http2Settings.MAX_HEADER_TABLE_SIZE + 1));
        assertThrows(IllegalArgumentException.class, () -> h2.withMaxConcurrentStreams(0));
        assertThrows(IllegalArgumentException.class, () -> h2.withMaxConnectionBodyBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> h2.withSettingsTimeoutMs(0));
        assertThrows(IllegalArgumentException.class, () -> h2.withShutdownPingTimeoutMs(0));
        assertThrows(IllegalArgumentException.class, () -> h2.withMaxDispatchedStreams(0));
        assertThrows(IllegalArgumentException.class, () -> h2.withMaxDispatchedStreams(10_001));
    }

    @Test
    void http2WithMethodsCopyOneField() {
        Http2Settings h = Http2Settings.defaults().withHeaderTableSize(1).withMaxConcurrentStreams(2)
                .withInitialWindowSize(3).withConnectionWindowSize(70_000).withMaxFrameSize(20_000)
                .withMaxHeaderListSize(6).withMaxContinuationFrames(7).withMaxHeaderBlockBytes(8).withMaxResets(9)
                .withResetWindowMs(10).withMaxEmptyDataFrames(11).withMaxQueuedControlFrames(12).withMaxQueuedBytes(13)
                .withMaxConnectionBodyBytes(14).withSettingsTimeoutMs(15).withShutdownPingTimeoutMs(16)
                .withMaxDispatchedStreams(17);
        assertEquals(new Http2Settings(1, 2, 3, 70_000, 20_000, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17), h);
        assertEquals(Http2Settings.defaults(), EngineSettings.defaults().http2());
    }

    @Test
    void configCollectionsAreImmutableCopies() {
        List<ServerConfig> servers = new ArrayList<>(List.of(ServerConfig.listen("h:1")));
        Map<String, ClientConfig> clients = new LinkedHashMap<>(Map.of("a", ClientConfig.named("a")));
        HttpConfig c = new HttpConfig(servers, clients, EngineSettings.defaults());
        servers.clear();
        clients.clear();
        assertEquals(1, c.servers().size());
        assertEquals(1, c.clients().size());
        assertThrows(UnsupportedOperationException.class, () -> c.servers().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.clients().clear());
        assertThrows(IllegalArgumentException.class,
                () -> HttpConfig.defaults().withClients(Map.of("a", ClientConfig.named("b"))));
    }

    @Test
    void exceptionMessageLeavesOutUnknownParts() {
        assertEquals("f.yaml:3: a.b: bad", new ConfigException("f.yaml", 3, "a.b", "bad").getMessage());
        assertEquals("f.yaml: a.b: bad", new ConfigException("f.yaml", -1, "a.b", "bad").getMessage());
        assertEquals("f.yaml: bad", new ConfigException("f.yaml", -1, "", "bad").getMessage());
        ConfigException e = new ConfigException("f.yaml", 0, null, "bad");
        assertEquals(-1, e.line());
        assertEquals("", e.key());
        assertEquals("bad", e.detail());
    }
}

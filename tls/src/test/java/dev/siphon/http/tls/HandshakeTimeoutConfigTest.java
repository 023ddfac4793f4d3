package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.TlsConfig;
import org.junit.jupiter.api.Test;

/** {@code tls.handshake_timeout_ms} in http.yaml: default, explicit value, bad value. */
class HandshakeTimeoutConfigTest {
    private static TlsConfig load(String extra) throws ConfigException {
        String yaml = "servers:\n  - listen: 127.0.0.1:8443\n    tls:\n      cert_path: s.pem\n      key_path: s.key\n" + extra;
        return ConfigLoader.parse(yaml, "http.yaml", name -> null).servers().get(0).tls();
    }

    @Test
    void defaultsToTenSeconds() throws Exception {
        assertEquals(10_000, load("").handshakeTimeoutMs());
    }

    @Test
    void takesTheConfiguredValue() throws Exception {
        assertEquals(2500, load("      handshake_timeout_ms: 2500\n").handshakeTimeoutMs());
    }

    @Test
    void rejectsZero() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("      handshake_timeout_ms: 0\n"));
        assertEquals("servers[0].tls.handshake_timeout_ms", e.key());
        assertEquals(6, e.line());
    }
}

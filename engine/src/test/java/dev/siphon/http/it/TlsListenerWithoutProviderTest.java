package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The engine alone (no siphon-tls jar on its test class path) refuses a TLS listener, binding nothing. */
class TlsListenerWithoutProviderTest {

    @Test
    void tlsListenerNeedsTheTlsModule() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ServerConfig s = ServerConfig.listen("127.0.0.1:" + port)
                .withTls(new TlsConfig(Path.of("server.crt"), Path.of("server.key"), null));
        IOException e = assertThrows(IOException.class, () -> HttpEngine.builder().listen(s).start());
        assertEquals("TLS listener 127.0.0.1:" + port + " needs siphon-tls on the class path", e.getMessage());
        try (ServerSocket again = new ServerSocket(port)) {
            assertEquals(port, again.getLocalPort()); // nothing was left bound
        }
    }
}

package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.client.HttpClient;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test scripts under src/test/resources/scripts. */
final class Scripts {
    private Scripts() {}

    static Path path(String name) {
        try {
            return Path.of(Scripts.class.getResource("/scripts/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Closes {@code server} (null: nothing) and checks that its outbound clients left no
     * connection open and no buffer taken.
     */
    static void closeCheckingClients(PythonServer server) {
        if (server == null) {
            return;
        }
        java.util.List<HttpClient> clients = server.pool().clients().all();
        server.close();
        for (HttpClient c : clients) {
            assertEquals(0, c.openConnections(), "outbound connections left open after the server closed");
            assertEquals(0, c.buffersOutstanding(), "outbound buffers not returned after the server closed");
        }
    }
}

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

    /** The script the harness tests share (src/test/resources/harness/app.py). */
    static Path harnessApp() {
        try {
            return Path.of(Scripts.class.getResource("/harness/app.py").toURI());
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

    /** Reads up to and including the CR LF CR LF that ends a request head; false at end of stream first. */
    static boolean readHead(java.io.InputStream in) throws java.io.IOException {
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        return true;
    }
}

package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerPoolTest {

    /** A named client that cannot start stops start-up before any Python context is made. */
    @Test
    void unreadableClientFileStopsStartUpNamingTheClient(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("app.py");
        Files.writeString(script, "from siphon import http\n");
        Path missing = dir.resolve("no-ca.pem");
        ScriptException e = assertThrows(ScriptException.class, () -> WorkerPool.load(script, 1, 2,
                java.util.Map.of("api", dev.siphon.http.config.ClientConfig.named("api").withVerify(missing))));
        assertTrue(e.getMessage().equals("http.yaml clients.api: cannot start the client: verify: " + missing
                + " is not a readable file"), e.getMessage());
    }

    /** Routes are registered with the engine once, from worker 0: every worker must agree with it. */
    @Test
    void workersThatRegisterDifferentRoutesStopStartUp(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("moody.py");
        Files.writeString(script, """
                import os
                from siphon import http

                # the first context to create the marker (atomically: the workers load at once)
                # registers one route, the other another
                marker = os.path.join(os.path.dirname(__file__), "loaded-once")
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    first = True
                except FileExistsError:
                    first = False
                if not first:
                    @http.route("/b")
                    def b(req):
                        return http.Response()
                else:
                    @http.route("/a")
                    def a(req):
                        return http.Response()
                """);
        ScriptException e = assertThrows(ScriptException.class, () -> WorkerPool.load(script, 2).close());
        assertTrue(e.getMessage().contains("worker 0 and worker 1 registered different routes")
                && e.getMessage().contains("/a") && e.getMessage().contains("/b"), e.getMessage());
    }
}

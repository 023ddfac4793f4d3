package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each request to an {@code async def} handler runs in a context of its own, as under an
 * asyncio server: a {@code ContextVar} set by one request is not seen by the next one on the
 * same worker, whether the handler suspended or not, and a handler keeps its own value across
 * its awaits. One worker, driven by curl.
 */
class ContextVarsTest {
    @Test
    void aContextVarSetByOneRequestIsNotSeenByTheNext(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("app.py");
        Files.writeString(script, """
                import asyncio
                import contextvars
                from siphon import http

                request_id = contextvars.ContextVar("request_id", default="unset")

                @http.middleware
                async def tag(req):
                    before = request_id.get()
                    request_id.set(req.query_params.get("id", "?"))
                    if before != "unset":
                        return http.Response(status=500, body="leaked " + before)

                @http.route("/now")
                async def now(req):
                    return http.Response(body=request_id.get())

                @http.route("/later")
                async def later(req):
                    await asyncio.sleep(0.01)
                    return http.Response(body=request_id.get())
                """);
        HttpConfig config = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n",
                "cv.yaml", System::getenv);
        try (PythonServer server = PythonServer.start(config, script)) {
            String base = "http://127.0.0.1:" + server.port();
            for (int i = 0; i < 3; i++) {
                assertEquals("a" + i, Curl.run(base + "/now?id=a" + i).body());
                assertEquals("b" + i, Curl.run(base + "/later?id=b" + i).body());
            }
        }
    }
}

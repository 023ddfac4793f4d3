package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * asyncio is imported only when a script needs it: never for async handlers that do not
 * suspend; for a script that made an {@code http.Client}, in the worker's first idle moment
 * (or by its first outbound call), not before the worker serves. Driven by curl.
 */
class LazyAsyncioTest {
    static final String ROUTES = """
            import sys
            from siphon import http

            @http.route("/hello")
            async def hello(req):
                return http.Response(body="hi")

            @http.route("/loaded")
            def loaded(req):
                return http.Response(body=str("asyncio" in sys.modules))
            """;

    static PythonServer start(Path dir, String script) throws Exception {
        Path p = dir.resolve("app.py");
        Files.writeString(p, script);
        HttpConfig config = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n",
                "lazy.yaml", System::getenv);
        return PythonServer.start(config, p);
    }

    @Test
    void asyncHandlersThatDoNotSuspendNeverImportAsyncio(@TempDir Path dir) throws Exception {
        try (PythonServer server = start(dir, ROUTES)) {
            String base = "http://127.0.0.1:" + server.port();
            for (int i = 0; i < 50; i++) {
                assertEquals("hi", Curl.run(base + "/hello").body());
            }
            Thread.sleep(1000); // idle: nothing imports it either
            assertEquals("False", Curl.run(base + "/loaded").body());
        }
    }

    @Test
    void aScriptWithAClientImportsAsyncioWhenIdleAndItsCallsWork(@TempDir Path dir) throws Exception {
        try (PythonServer server = start(dir, ROUTES + """

                api = http.Client(base_url="http://127.0.0.1:1", timeout_ms=2000)

                @http.route("/call")
                async def call(req):
                    try:
                        await api.get("/")
                        return http.Response(body="answered?")
                    except http.ClientError as e:
                        return http.Response(body="failed: " + type(e).__name__)
                """)) {
            String base = "http://127.0.0.1:" + server.port();
            assertEquals("hi", Curl.run(base + "/hello").body());
            String loaded = "False";
            for (int i = 0; i < 100 && !loaded.equals("True"); i++) {
                Thread.sleep(300); // longer than the worker's idle moment (0.2 s)
                loaded = Curl.run(base + "/loaded").body();
            }
            assertEquals("True", loaded, "asyncio not imported after the worker was idle");
            String body = Curl.run(base + "/call").body();
            assertEquals(true, body.startsWith("failed: "), body);
        }
    }
}

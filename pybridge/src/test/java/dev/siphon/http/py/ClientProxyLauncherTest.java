package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's environment decides the proxies of scripts' clients, as in the original: the real
 * launcher (bin/siphon-http) started with HTTP_PROXY, HTTPS_PROXY and NO_PROXY, a real tinyproxy,
 * and a script whose inline and named clients go through it (http://, absolute form), around it
 * (NO_PROXY, {@code proxy: none}), and fail with http.ConnectError naming it when it refuses a
 * CONNECT.
 */
class ClientProxyLauncherTest {

    @Test
    void scriptsClientsTakeTheProxiesOfTheServersEnvironment(@TempDir Path dir) throws Exception {
        HttpEngine origin = HttpEngine.builder().listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("GET", "/seen", req -> Response.text(200, "via=" + req.header("via")))
                .start();
        Path binary = Path.of("/usr/bin/tinyproxy");
        assertTrue(Files.isExecutable(binary), "tinyproxy is missing: run bin/ensure-tools (apt-get install tinyproxy)");
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        Path log = dir.resolve("tinyproxy.log");
        Path conf = LauncherTest.write(dir, "tinyproxy.conf", """
                Port %d
                Listen 127.0.0.1
                Timeout 30
                LogFile "%s"
                LogLevel Info
                ViaProxyName "siphon-test-proxy"
                Allow 127.0.0.1
                ConnectPort 1
                """.formatted(proxyPort, log));
        Process proxy = new ProcessBuilder(binary.toString(), "-d", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("tinyproxy.out").toFile()).start();
        Process server = null;
        try {
            awaitPort(proxyPort, proxy);
            String o = "http://127.0.0.1:" + origin.port();
            Path script = LauncherTest.write(dir, "app.py", """
                    from siphon import http

                    async def fetch(client, url):
                        try:
                            r = await client.get(url)
                            return http.Response(body=f"{r.status} {r.body.decode()}")
                        except http.ConnectError as e:
                            return http.Response(status=502, body=f"{type(e).__name__}: {e}")

                    @http.route("/inline")
                    async def inline(req):
                        return await fetch(http.Client(), req.query_params["url"])

                    @http.route("/named")
                    async def named(req):
                        return await fetch(http.Client("upstream"), "/seen")

                    @http.route("/direct")
                    async def direct(req):
                        return await fetch(http.Client("direct"), "/seen")
                    """);
            Path yaml = LauncherTest.write(dir, "http.yaml", """
                    servers:
                      - listen: 127.0.0.1:0
                    engine:
                      workers: 1
                    clients:
                      upstream:
                        base_url: %s
                      direct:
                        base_url: %s
                        proxy: none
                    """.formatted(o, o));
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            ProcessBuilder pb = new ProcessBuilder(LauncherTest.LAUNCHER.toString(), "--config", yaml.toString(),
                    "--script", script.toString()).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HTTP_PROXY", "http://127.0.0.1:" + proxyPort);
            pb.environment().put("https_proxy", "http://127.0.0.1:" + proxyPort);
            pb.environment().put("NO_PROXY", "localhost");
            server = pb.start();
            String base = LauncherTest.awaitListening(server, out, err);

            String via = "200 via=1.1 siphon-test-proxy (tinyproxy/";
            String inline = Curl.run(base + "/inline?url=" + q(o + "/seen")).body();
            assertTrue(inline.startsWith(via), inline);
            String named = Curl.run(base + "/named").body();
            assertTrue(named.startsWith(via), named);
            assertEquals("200 via=null", Curl.run(base + "/direct").body()); // proxy: none
            assertEquals("200 via=null", Curl.run(base + "/inline?url="
                    + q("http://localhost:" + origin.port() + "/seen")).body()); // NO_PROXY
            Curl.Result refused = Curl.run(base + "/inline?url=" + q("https://127.0.0.1:" + origin.port() + "/seen"));
            assertEquals(502, refused.status());
            assertEquals("ConnectError: proxy http://127.0.0.1:" + proxyPort + " did not open a tunnel to https://127.0.0."
                    + "1:" + origin.port() + ": it answered CONNECT with \"403 Access violation\"", refused.body());
            List<String> lines = Files.readAllLines(log).stream().filter(l -> l.contains("Request (file descriptor"))
                    .map(l -> l.substring(l.indexOf("): ") + 3)).toList();
            assertEquals(List.of("GET " + o + "/seen HTTP/1.1", "GET " + o + "/seen HTTP/1.1",
                    "CONNECT 127.0.0.1:" + origin.port() + " HTTP/1.1"), lines);
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            proxy.destroy();
            proxy.waitFor(5, TimeUnit.SECONDS);
            origin.close();
        }
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void awaitPort(int port, Process p) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                assertTrue(p.isAlive(), "tinyproxy exited");
                Thread.sleep(50);
            }
        }
        throw new AssertionError("tinyproxy did not listen on " + port);
    }
}

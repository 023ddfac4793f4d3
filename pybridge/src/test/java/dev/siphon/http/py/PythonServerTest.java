package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One server with two worker contexts serving scripts/app.py, driven by curl and the JDK HttpClient. */
class PythonServerTest {
    static PythonServer server;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 2
                """, "test.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("app.py"));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void helloRoute() throws Exception {
        Curl.Result r = Curl.run(base + "/hello/world");
        assertEquals(200, r.status());
        assertEquals("hi world", r.body());
        assertTrue(r.header("content-length") != null && r.header("date") != null, r.headers().toString());
    }

    @Test
    void http2PriorKnowledgeReachesTheSameHandlers() throws Exception {
        Curl.Result r = Curl.run("--http2-prior-knowledge", base + "/hello/h2");
        assertEquals(200, r.status());
        assertEquals("hi h2", r.body());
    }

    @Test
    void scriptsCanImportSslThoughTheRuntimeLoadsAsyncioWithoutIt() throws Exception {
        assertEquals("True True", Curl.run(base + "/ssl").body());
    }

    @Test
    void getAndPostOnOnePathInTwoFunctions() throws Exception {
        assertEquals("webhook GET", Curl.run(base + "/webhook").body());
        Curl.Result post = Curl.run("-X", "POST", "--data-binary", "ping", base + "/webhook");
        assertEquals(202, post.status());
        assertEquals("webhook POST ping", post.body());
    }

    @Test
    void requestDataReachesPython(@TempDir Path dir) throws Exception {
        Path body = dir.resolve("body.bin");
        Files.write(body, new byte[] {0, (byte) 0xff, 'A', (byte) 0x80});
        Curl.Result r = Curl.run("-X", "PUT", "--data-binary", "@" + body, "-H", "X-Multi: 1", "-H", "X-Multi: 2",
                "-H", "X-One: v", base + "/inspect/a%20b/x/y?q=1&q=2&s=a+b%26c&e=%C3%A9");
        assertEquals(200, r.status(), r.body());
        assertEquals("yes", r.header("x-reply"));
        List<String> lines = r.body().lines().toList();
        assertEquals("method=PUT", lines.get(0));
        assertEquals("path=/inspect/a%20b/x/y", lines.get(1));
        assertEquals("params=[('a', 'a b'), ('rest', 'x/y')]", lines.get(2));
        assertEquals("query=[('e', 'é'), ('q', '2'), ('s', 'a b&c')]", lines.get(3));
        assertEquals("x-multi='1, 2'", lines.get(4));
        assertEquals("header='v'", lines.get(5));
        assertEquals("missing=None", lines.get(6));
        assertTrue(lines.get(7).matches("client=127\\.0\\.0\\.1:\\d+"), lines.get(7));
        assertEquals("body=00ff4180", lines.get(8));
        assertEquals("lower=True", lines.get(9));
    }

    @Test
    void middlewareRunsInOrderAfterRouteResolutionAndShortCircuits() throws Exception {
        Curl.Result both = Curl.run("-H", "X-Stop: 12", base + "/hello/bob");
        assertEquals(401, both.status());
        assertEquals("first", both.body(), "the first registered middleware runs first");
        Curl.Result second = Curl.run("-H", "X-Stop: 2", base + "/hello/bob");
        assertEquals(403, second.status());
        assertEquals("second saw {'name': 'bob'}", second.body(), "path_params are set before middleware runs");
        assertEquals(200, Curl.run(base + "/hello/bob").status());
    }

    @Test
    void middlewareReturningNeitherResponseNorNoneAnswers500() throws Exception {
        assertEquals(500, Curl.run("-H", "X-Stop: bad", base + "/hello/bob").status());
        assertEquals(200, Curl.run(base + "/hello/bob").status());
    }

    @Test
    void notFoundAndMethodNotAllowedNeverReachPython() throws Exception {
        long before = server.pool().dispatched();
        assertEquals(404, Curl.run(base + "/nowhere").status());
        Curl.Result r = Curl.run("-X", "DELETE", base + "/hello/x");
        assertEquals(405, r.status());
        assertTrue(r.header("allow").contains("GET"), r.headers().toString());
        assertEquals(before, server.pool().dispatched());
    }

    @Test
    void handlerRaisingAnswers500AndTheNextRequestIsServed() throws Exception {
        for (int i = 0; i < 3; i++) { // both workers
            Curl.Result r = Curl.run(base + "/raise");
            assertEquals(500, r.status());
            assertEquals("500 Internal Server Error\n", r.body(), "no traceback goes to the client");
            assertEquals("hi again", Curl.run(base + "/hello/again").body());
        }
    }

    @Test
    void returningNoneOrANonResponseAnswers500() throws Exception {
        assertEquals(500, Curl.run(base + "/none").status());
        assertEquals(500, Curl.run(base + "/str").status());
        assertEquals(200, Curl.run(base + "/hello/x").status());
    }

    @Test
    void cacheIsSharedByAllWorkers() throws Exception {
        Curl.Result put = Curl.run("-X", "PUT", "--data-binary", "v1", base + "/cache/shared");
        assertEquals(204, put.status());
        String writer = put.header("x-worker");
        Curl.Result other = null;
        for (int i = 0; i < 10; i++) {
            Curl.Result r = Curl.run(base + "/cache/shared");
            if (!r.header("x-worker").equals(writer)) {
                other = r;
                break;
            }
        }
        assertTrue(other != null, "round robin should reach the second worker");
        assertEquals(200, other.status());
        assertEquals("v1", other.body());
        assertEquals("True", Curl.run("-X", "DELETE", base + "/cache/shared").body());
        assertEquals(404, Curl.run(base + "/cache/shared").status());
    }

    @Test
    void cacheEntriesExpireAfterTheirTtl() throws Exception {
        assertEquals(204, Curl.run("-X", "PUT", "--data-binary", "x", base + "/cache/brief?ttl=0.2").status());
        Thread.sleep(400);
        assertEquals(404, Curl.run(base + "/cache/brief").status());
    }

    @Test
    void cacheKeepsEachValueType() throws Exception {
        assertEquals("str:True,bytes:True,int:True,float:True,bool:True,bool:True,NoneType:True,'dflt'",
                Curl.run(base + "/cache-types").body());
    }

    @Test
    void onStartupRanToCompletionInEveryWorkerBeforeServing() throws Exception {
        server.awaitWorkers();
        for (int i = 0; i < 4; i++) {
            assertEquals("yes", Curl.run(base + "/started").body());
        }
        // idle workers tie and the tie is broken at random: ask until both answered (or 64 times,
        // when one worker answering all would happen with odds of 2^-63)
        Set<String> workers = new HashSet<>();
        for (int i = 0; i < 64 && workers.size() < 2; i++) {
            workers.add(Curl.run(base + "/whoami").body());
        }
        assertEquals(2, workers.size(), "two worker contexts, each with its own module globals: " + workers);
    }

    @Test
    void reqRequestIdIsTheClientsOrOneTheEngineMadeAndTheResponseCarriesIt() throws Exception {
        Curl.Result kept = Curl.run("-H", "X-Request-Id: py-7", base + "/request-id");
        assertEquals("py-7", kept.body());
        assertEquals("py-7", kept.header("x-request-id"));
        Curl.Result made = Curl.run(base + "/request-id");
        assertTrue(made.body().matches("[0-9a-f]{16}-[0-9a-f]+"), made.body());
        assertEquals(made.body(), made.header("x-request-id"));
    }

    @Test
    void namedClientThatIsNotConfiguredIsALookupError() throws Exception {
        Curl.Result r = Curl.run(base + "/client");
        assertEquals(404, r.status());
        assertEquals("http.Client('api'): no client 'api' under clients: in http.yaml (configured: none)", r.body());
    }

    @Test
    void raiseForStatusRaisesOn4xxAnd5xx() throws Exception {
        assertEquals("ok", Curl.run(base + "/raise-for-status/204").body());
        assertEquals("raised 404", Curl.run(base + "/raise-for-status/404").body());
        assertEquals("raised 503", Curl.run(base + "/raise-for-status/503").body());
    }

    @Test
    void largeBinaryBodyCrossesIntoPythonAndBackUnchanged() throws Exception {
        byte[] body = new byte[512 * 1024];
        new java.util.Random(7).nextBytes(body);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + "/webhook"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(202, r.statusCode());
        byte[] prefix = "webhook POST ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(prefix.length + body.length, r.body().length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(body,
                java.util.Arrays.copyOfRange(r.body(), prefix.length, r.body().length));
    }

    @Test
    void concurrentRequestsFromTheJdkClientAreAllAnswered() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/hello/n" + i)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<String> r = all.get(i).get();
            assertEquals(200, r.statusCode());
            assertEquals("hi n" + i, r.body());
        }
        assertNotEquals(0, server.pool().dispatched());
    }
}

package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples the original siphon-http ships, as it ships them (copies in
 * src/test/resources/original, origin and MIT notice in its NOTICE), served by the real launcher
 * and driven with curl against real upstreams started here: a script moved from the original
 * runs unchanged. The REST resource and the trunk registry keep their state in module globals,
 * which are per worker context here (docs/migration.md), so they run with one worker as the
 * original's single interpreter did; the others run with two.
 */
class OriginalExamplesTest {
    static final Path ORIGINAL = LauncherTest.ROOT.resolve("pybridge/src/test/resources/original");

    private static String httpYaml(int workers, String clients) {
        return "servers:\n  - listen: \"${SIPHON_LISTEN}\"\n    request_timeout_ms: 30000\n"
                + "engine:\n  workers: " + workers + "\n" + clients;
    }

    private static ExamplesTest.Server start(Path dir, String script, int workers, String clients,
                                             Map<String, String> env) throws Exception {
        return ExamplesTest.Server.start(dir, httpYaml(workers, clients), ORIGINAL.resolve(script), env);
    }

    /** A loopback HTTP/1.1 upstream that records what it was sent and answers with {@code answer}. */
    record Upstream(HttpServer server, List<String> seen) implements AutoCloseable {
        interface Answer {
            void answer(HttpExchange ex, String body) throws IOException;
        }

        static Upstream start(Answer answer) throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            List<String> seen = new CopyOnWriteArrayList<>();
            s.createContext("/", ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " auth=" + ex.getRequestHeaders()
                        .getFirst("authorization") + " " + body);
                answer.answer(ex, body);
                ex.close();
            });
            s.start();
            return new Upstream(s, seen);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("content-type", contentType);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            ex.getResponseBody().write(b);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void webhookGuardsWithItsMiddlewareAndAcknowledges(@TempDir Path dir) throws Exception {
        try (ExamplesTest.Server s = start(dir, "webhook.py", 2, "", Map.of())) {
            Curl.Result none = Curl.run("-X", "POST", "-d", "{\"event\": \"ping\"}", s.base() + "/webhook");
            assertEquals(401, none.status());
            assertEquals("unauthorized\n", none.body());
            Curl.Result wrong = Curl.run("-X", "POST", "-H", "authorization: Bearer nope", "-d", "{}", s.base() + "/webhook");
            assertEquals(401, wrong.status());
            Curl.Result ok = Curl.run("-X", "POST", "-H", "authorization: Bearer s3cr3t", "-d", "{\"event\": \"ping\"}",
                    s.base() + "/webhook");
            assertEquals(200, ok.status(), ok.body());
            assertEquals("application/json", ok.header("content-type"));
            assertEquals("{\"ok\": true, \"received\": \"ping\"}", ok.body());
            Curl.Result bad = Curl.run("-X", "POST", "-H", "authorization: Bearer s3cr3t", "-d", "{nope",
                    s.base() + "/webhook");
            assertEquals(400, bad.status());
            assertEquals("invalid json\n", bad.body());
            // middleware runs for requests that matched a route (SPEC): a path no route has is 404
            assertEquals(404, Curl.run(s.base() + "/elsewhere").status());
            assertLogged(s, "webhook from 127.0.0.1:");
        }
    }

    @Test
    void restApiStoresReadsListsAndDeletes(@TempDir Path dir) throws Exception {
        try (ExamplesTest.Server s = start(dir, "rest_api.py", 1, "", Map.of())) {
            assertEquals("[]", Curl.run(s.base() + "/items").body());
            Curl.Result put = Curl.run("-X", "PUT", "-d", "{\"name\": \"widget\"}", s.base() + "/items/42");
            assertEquals(200, put.status(), put.body());
            assertEquals("{\"name\": \"widget\", \"id\": \"42\"}", put.body());
            expect(200, "{\"name\": \"widget\", \"id\": \"42\"}", Curl.run(s.base() + "/items/42"));
            Curl.run("-X", "PUT", "-d", "{\"name\": \"gadget\"}", s.base() + "/items/43");
            expect(200, "[{\"name\": \"widget\", \"id\": \"42\"}]", Curl.run(s.base() + "/items?limit=1"));
            expect(200, "[{\"name\": \"widget\", \"id\": \"42\"}, {\"name\": \"gadget\", \"id\": \"43\"}]",
                    Curl.run(s.base() + "/items"));
            assertEquals(400, Curl.run("-X", "PUT", "-d", "{", s.base() + "/items/1").status());
            assertEquals(204, Curl.run("-X", "DELETE", s.base() + "/items/42").status());
            expect(404, "not found\n", Curl.run(s.base() + "/items/42"));
            // a script error (limit is not a number) answers 500 and the server goes on
            assertEquals(500, Curl.run(s.base() + "/items?limit=x").status());
            assertEquals(200, Curl.run(s.base() + "/items/43").status());
        }
    }

    @Test
    void trunkRegistryRegistersHeartbeatsDiscoversAndDeregisters(@TempDir Path dir) throws Exception {
        try (ExamplesTest.Server s = start(dir, "trunk_registry.py", 1, "", Map.of())) {
            String a = "{\"sip_uri\": \"sip:sbc-a.example.net:5060\", \"transport\": \"tls\", \"max_channels\": 240}";
            Curl.Result created = Curl.run("-X", "PUT", "-H", "content-type: application/json", "-d", a,
                    s.base() + "/trunks/carrier-a");
            assertEquals(201, created.status(), created.body());
            assertEquals("/trunks/carrier-a", created.header("location"));
            assertEquals("{\"sip_uri\": \"sip:sbc-a.example.net:5060\", \"transport\": \"tls\", \"max_channels\": 240, "
                    + "\"id\": \"carrier-a\", \"enabled\": true, \"status\": \"up\", \"heartbeat_seconds\": 30}",
                    created.body());
            Curl.Result replaced = Curl.run("-X", "PUT", "-d", a, s.base() + "/trunks/carrier-a");
            assertEquals(200, replaced.status());
            assertEquals(null, replaced.header("location"));
            assertEquals(201, Curl.run("-X", "PUT", "-d", "{\"sip_uri\": \"sip:gw-b.example.net\", \"enabled\": false}",
                    s.base() + "/trunks/gw-b").status());
            assertEquals(400, Curl.run("-X", "PUT", "-d", "{\"sip_uri\": \"sip:x\", \"transport\": \"sctp\"}",
                    s.base() + "/trunks/x").status());
            assertEquals(400, Curl.run("-X", "PUT", "-d", "{}", s.base() + "/trunks/x").status());
            assertEquals(204, Curl.run("-X", "PATCH", s.base() + "/trunks/carrier-a").status());
            Curl.Result stale = Curl.run("-X", "PATCH", s.base() + "/trunks/nobody");
            assertEquals(404, stale.status());
            assertEquals("{\"status\": 404, \"error\": \"unknown trunk \\u2014 re-register with PUT\"}", stale.body());
            assertTrue(Curl.run(s.base() + "/trunks/carrier-a").body().contains("\"max_channels\": 240"));
            String tls = Curl.run(s.base() + "/trunks?enabled=true&transport=tls").body();
            assertTrue(tls.startsWith("{\"trunks\": [{\"sip_uri\": \"sip:sbc-a.example.net:5060\""), tls);
            assertEquals(1, tls.split("\"id\"", -1).length - 1, tls);
            String disabled = Curl.run(s.base() + "/trunks?enabled=false").body();
            assertTrue(disabled.contains("\"id\": \"gw-b\"") && !disabled.contains("carrier-a"), disabled);
            assertEquals(204, Curl.run("-X", "DELETE", s.base() + "/trunks/carrier-a").status());
            assertEquals(404, Curl.run(s.base() + "/trunks/carrier-a").status());
            assertEquals(405, Curl.run("-X", "POST", s.base() + "/trunks/carrier-a").status());
            assertLogged(s, "trunk registry up");
            assertTrue(s.log().contains("trunk carrier-a registered (sip:sbc-a.example.net:5060 / tls)"), s.log());
        }
    }

    @Test
    void proxyForwardsTheRestOfThePathAndRelaysTheAnswer(@TempDir Path dir) throws Exception {
        try (Upstream up = Upstream.start((ex, body) -> {
            if (ex.getRequestURI().getPath().endsWith("/v1/status")) {
                Upstream.send(ex, 200, "application/json", "{\"up\": true}");
            } else {
                Upstream.send(ex, 404, "text/plain", "no such thing");
            }
        })) {
            // base_url with a path: the original appends the request's path to it
            String clients = "clients:\n  api:\n    base_url: \"" + up.url() + "/api/\"\n    timeout_ms: 5000\n";
            try (ExamplesTest.Server s = start(dir, "proxy.py", 2, clients, Map.of())) {
                Curl.Result ok = Curl.run(s.base() + "/proxy/v1/status");
                assertEquals(200, ok.status(), ok.body());
                assertEquals("application/json", ok.header("content-type"));
                assertEquals("{\"up\": true}", ok.body());
                Curl.Result missing = Curl.run(s.base() + "/proxy/v2/other");
                assertEquals(404, missing.status());
                assertEquals("text/plain", missing.header("content-type"));
                assertEquals("no such thing", missing.body());
                assertEquals(List.of("GET /api/v1/status auth=null ", "GET /api/v2/other auth=null "), up.seen());
                assertLogged(s, "proxied /v1/status -> 200");
                // POST is not routed: 405 without reaching the upstream
                assertEquals(405, Curl.run("-X", "POST", s.base() + "/proxy/v1/status").status());
                assertEquals(2, up.seen().size());
            }
        }
    }

    static void expect(int status, String body, Curl.Result r) {
        assertEquals(status, r.status(), r.body());
        assertEquals(body, r.body());
    }

    /** The server logs {@code text} (within 10 s: a line can trail the answer). */
    static void assertLogged(ExamplesTest.Server s, String text) throws Exception {
        for (int i = 0; i < 100 && !s.log().contains(text); i++) {
            Thread.sleep(100);
        }
        assertTrue(s.log().contains(text), s.log());
    }

    static String sign(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    static final Map<String, String> WHATSAPP_ENV = Map.of("WHATSAPP_TOKEN", "tok-123", "WHATSAPP_APP_SECRET",
            "app-secret", "WHATSAPP_VERIFY_TOKEN", "verify-me", "WHATSAPP_PHONE_NUMBER_ID", "1055");

    static String message(String id, String text) {
        return "{\"entry\":[{\"changes\":[{\"value\":{\"messages\":[{\"id\":\"" + id
                + "\",\"from\":\"15551234567\",\"type\":\"text\",\"text\":{\"body\":\"" + text + "\"}}]}}]}]}";
    }

    static Curl.Result deliver(ExamplesTest.Server s, String body, String signature) throws Exception {
        return Curl.run("-X", "POST", "-H", "x-hub-signature-256: " + signature, "-H", "content-type: application/json",
                "-d", body, s.base() + "/whatsapp/webhook");
    }

    /** A stand-in for Meta's Graph API: what a real one answers to a message POST. */
    static Upstream graph() throws IOException {
        return Upstream.start((ex, body) -> Upstream.send(ex, 200, "application/json",
                "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.out\"}]}"));
    }

    @Test
    void whatsappVerifiesSignsDedupsAndPostsToTheGraphUnderItsVersionPath(@TempDir Path dir) throws Exception {
        try (Upstream g = graph()) {
            String clients = "clients:\n  graph:\n    base_url: \"" + g.url() + "/v20.0\"\n    timeout_ms: 5000\n";
            try (ExamplesTest.Server s = start(dir, "whatsapp_cloud_api.py", 2, clients, WHATSAPP_ENV)) {
                Curl.Result verified = Curl.run(s.base()
                        + "/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1234");
                assertEquals(200, verified.status());
                assertEquals("1234", verified.body());
                assertEquals(403, Curl.run(s.base()
                        + "/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1234").status());

                String body = message("wamid.1", "hi");
                Curl.Result unsigned = deliver(s, body, "sha256=00");
                assertEquals(403, unsigned.status());
                assertEquals("bad signature\n", unsigned.body());
                assertEquals(List.of(), g.seen());

                assertEquals(200, deliver(s, body, sign("app-secret", body)).status());
                assertEquals(List.of("POST /v20.0/1055/messages auth=Bearer tok-123 {\"messaging_product\": \"whatsapp\", "
                        + "\"recipient_type\": \"individual\", \"to\": \"15551234567\", \"type\": \"text\", \"text\": "
                        + "{\"preview_url\": false, \"body\": \"echo: hi\"}}"), g.seen());
                // Meta re-delivers: the dedup cache is the process's, whichever worker takes it
                for (int i = 0; i < 6; i++) {
                    assertEquals(200, deliver(s, body, sign("app-secret", body)).status());
                }
                assertEquals(1, g.seen().size(), g.seen().toString());
                String other = message("wamid.2", "again");
                assertEquals(200, deliver(s, other, sign("app-secret", other)).status());
                assertEquals(2, g.seen().size());
                assertTrue(g.seen().get(1).contains("\"body\": \"echo: again\""), g.seen().toString());
                // a status-only payload and invalid JSON
                String status = "{\"entry\":[{\"changes\":[{\"value\":{\"statuses\":[{\"id\":\"wamid.out\",\"status\":\"read\"}]}}]}]}";
                assertEquals(200, deliver(s, status, sign("app-secret", status)).status());
                assertEquals(400, deliver(s, "{nope", sign("app-secret", "{nope")).status());
                assertEquals(2, g.seen().size());
                assertLogged(s, "whatsapp status wamid.out -> read");
                assertLogged(s, "whatsapp inbound text from 15551234567");
            }
        }
    }

    /**
     * The cookbook's deployment of the WhatsApp bridge: its siphon.yaml declares the dedup cache
     * on Redis, so two server processes (two workers each) behind one webhook URL deliver a
     * re-delivered message once.
     */
    @Test
    void whatsappDedupsAcrossTwoProcessesThroughItsRedisCache(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir); Upstream g = graph()) {
            Files.writeString(dir.resolve("http.yaml"), httpYaml(2,
                    "clients:\n  graph:\n    base_url: \"" + g.url() + "/v20.0\"\n    timeout_ms: 5000\n"));
            // the original's cookbook, with the test's Redis
            Path siphonYaml = Files.writeString(dir.resolve("siphon.yaml"), """
                    script:
                      path: "%s"
                    cache:
                      - name: "wa_dedup"
                        url: "redis://127.0.0.1:${REDIS_PORT}"
                        local_ttl_secs: 3600
                    extensions:
                      http: http.yaml
                    """.formatted(ORIGINAL.resolve("whatsapp_cloud_api.py")));
            Map<String, String> env = new java.util.HashMap<>(WHATSAPP_ENV);
            env.put("REDIS_PORT", Integer.toString(redis.port));
            try (ExamplesTest.Server a = ExamplesTest.Server.launch(dir, "whatsapp_cloud_api.py", env, "--siphon-config",
                    siphonYaml.toString());
                 ExamplesTest.Server b = ExamplesTest.Server.launch(dir, "whatsapp_cloud_api.py", env, "--siphon-config",
                         siphonYaml.toString())) {
                String body = message("wamid.redis", "once");
                String signature = sign("app-secret", body);
                assertEquals(200, deliver(a, body, signature).status());
                for (int i = 0; i < 4; i++) { // Meta re-delivers, to either process
                    assertEquals(200, deliver(i % 2 == 0 ? b : a, body, signature).status());
                }
                assertEquals(1, g.seen().size(), g.seen().toString());
                assertTrue(g.seen().get(0).contains("\"body\": \"echo: once\""), g.seen().toString());
                String second = message("wamid.redis2", "twice");
                assertEquals(200, deliver(b, second, sign("app-secret", second)).status());
                assertEquals(200, deliver(a, second, sign("app-secret", second)).status());
                assertEquals(2, g.seen().size(), g.seen().toString());
                assertEquals(":1", redis.command(null, "EXISTS", "wamid.redis").strip(), "the dedup key is on Redis");
            }
        }
    }

    @Test
    void whatsappWarnsAtStartWhenUnconfigured(@TempDir Path dir) throws Exception {
        try (ExamplesTest.Server s = start(dir, "whatsapp_cloud_api.py", 1,
                "clients:\n  graph:\n    base_url: \"http://127.0.0.1:9/v20.0\"\n", Map.of())) {
            assertLogged(s, "whatsapp: unset config, bridge will not work: WHATSAPP_TOKEN, "
                    + "WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID");
        }
    }

    @Test
    void theCopiesAreTheOriginalsWithTheirNotice() throws Exception {
        String notice = Files.readString(ORIGINAL.resolve("NOTICE"));
        assertTrue(notice.contains("https://github.com/siphon-project/siphon-http"), notice);
        assertTrue(notice.contains("Copyright (c) 2025 SIPhon Contributors"), notice);
        for (String f : List.of("webhook.py", "rest_api.py", "trunk_registry.py", "proxy.py", "whatsapp_cloud_api.py")) {
            assertTrue(notice.contains("examples/" + f), f);
            assertTrue(Files.readString(ORIGINAL.resolve(f)).contains("from siphon import http"), f);
        }
    }
}

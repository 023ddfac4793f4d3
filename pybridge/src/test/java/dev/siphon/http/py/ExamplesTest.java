package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts of examples/ served by the real launcher (bin/siphon-http, JIT on, two workers),
 * driven by the curl commands of docs/cookbook.md: each test takes its section's commands from
 * the document, points them at the server's port and checks every answer, so the cookbook
 * cannot drift from what the examples do.
 */
class ExamplesTest {
    static final Path COOKBOOK = LauncherTest.ROOT.resolve("docs/cookbook.md");
    static final String DOC_ADDRESS = "127.0.0.1:8080";

    /** A running bin/siphon-http; close() sends SIGTERM. */
    record Server(Process process, String hostPort, Path out, Path err) implements AutoCloseable {
        static Server start(Path dir, String script, Map<String, String> env) throws Exception {
            // the example's http.yaml with two workers whatever the machine (state must be shared through cache)
            return start(dir, Files.readString(LauncherTest.EXAMPLES.resolve("http.yaml")) + "engine:\n  workers: 2\n",
                    LauncherTest.EXAMPLES.resolve(script), env);
        }

        /** The launcher with {@code httpYaml} (written to {@code dir}) and {@code script}. */
        static Server start(Path dir, String httpYaml, Path script, Map<String, String> env) throws Exception {
            Path yaml = dir.resolve("http.yaml");
            Files.writeString(yaml, httpYaml);
            return launch(dir, script.getFileName().toString(), env, "--config", yaml.toString(), "--script",
                    script.toString());
        }

        /** The launcher with {@code args} ({@code --siphon-config} or {@code --config} and {@code --script}). */
        static Server launch(Path dir, String script, Map<String, String> env, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(LauncherTest.LAUNCHER.toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("SIPHON_LISTEN", "127.0.0.1:0");
            pb.environment().put("SIPHON_ADMIN_LISTEN", "127.0.0.1:0");
            pb.environment().putAll(env);
            Path out = Files.createTempFile(dir, "out", ".txt");
            Path err = Files.createTempFile(dir, "err", ".txt");
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            Pattern listening = Pattern.compile("listening on http://(\\S+)");
            for (int i = 0; i < 3000 && p.isAlive(); i++) {
                Matcher m = listening.matcher(Files.readString(out));
                if (m.find()) {
                    return new Server(p, m.group(1), out, err);
                }
                Thread.sleep(100);
            }
            p.destroyForcibly();
            throw new AssertionError(script + " did not start; stderr:\n" + Files.readString(err));
        }

        String base() {
            return "http://" + hostPort;
        }

        String log() throws IOException {
            return Files.readString(err);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The curl command lines of the cookbook section whose heading contains {@code file}, in order. */
    static List<String> cookbookCommands(String file) throws IOException {
        List<String> lines = Files.readAllLines(COOKBOOK, StandardCharsets.UTF_8);
        List<String> commands = new ArrayList<>();
        boolean inSection = false;
        boolean inBlock = false;
        StringBuilder pending = null;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSection = line.contains("`examples/" + file + "`");
                continue;
            }
            if (!inSection) {
                continue;
            }
            if (line.startsWith("```")) {
                inBlock = !inBlock && line.equals("```sh");
                continue;
            }
            if (!inBlock) {
                continue;
            }
            String t = line.strip();
            if (pending != null) {
                pending.append(' ').append(t);
            } else if (t.startsWith("curl ")) {
                pending = new StringBuilder(t);
            } else {
                continue;
            }
            if (pending.toString().endsWith("\\")) {
                pending.setLength(pending.length() - 1);
            } else {
                commands.add(pending.toString().replaceAll("\\s+", " "));
                pending = null;
            }
        }
        assertTrue(!commands.isEmpty(), "no curl commands in the cookbook section of examples/" + file);
        return commands;
    }

    /** Runs the section's commands against the server; returns their answers in order. */
    static List<Curl.Result> runCookbook(String file, Server server, int expected) throws Exception {
        List<String> commands = cookbookCommands(file);
        assertEquals(expected, commands.size(), "commands in the cookbook section of examples/" + file + ": " + commands);
        List<Curl.Result> results = new ArrayList<>();
        for (String c : commands) {
            assertTrue(c.contains("http://" + DOC_ADDRESS + "/"), c);
            results.add(Curl.shell(c.replace(DOC_ADDRESS, server.hostPort())));
        }
        return results;
    }

    static void assertJson(Curl.Result r, int status, String body) {
        assertEquals(status, r.status(), r.body());
        assertEquals("application/json", r.header("content-type"));
        assertEquals(body, r.body());
    }

    @Test
    void helloExampleAnswersTheCookbookCommands(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "hello.py", Map.of())) {
            List<Curl.Result> r = runCookbook("hello.py", s, 4);
            assertEquals(200, r.get(0).status());
            assertEquals("hi world", r.get(0).body());
            assertJson(r.get(1), 200, "{\"id\": \"42\"}");
            assertEquals(204, r.get(2).status());
            assertEquals(405, r.get(3).status());
            assertEquals("DELETE, GET, HEAD", r.get(3).header("allow"));
            assertTrue(s.log().contains("order 42 deleted"), s.log());
        }
    }

    @Test
    void middlewareExampleTimesGuardsAndAnswersPreflights(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "middleware.py", Map.of())) {
            List<Curl.Result> r = runCookbook("middleware.py", s, 5);
            assertJson(r.get(0), 200, "{\"id\": \"7\"}");
            assertTrue(r.get(0).header("server-timing").matches("app;dur=\\d+\\.\\d"), r.get(0).header("server-timing"));
            assertEquals(null, r.get(0).header("access-control-allow-origin"));
            assertEquals("https://app.example", r.get(1).header("access-control-allow-origin"));
            assertEquals("Origin", r.get(1).header("vary"));
            assertEquals(204, r.get(2).status());
            assertEquals("GET, DELETE", r.get(2).header("access-control-allow-methods"));
            assertEquals(null, r.get(2).header("server-timing"), "timing is not registered for unmatched requests");
            assertEquals(403, r.get(3).status());
            assertTrue(r.get(3).header("server-timing") != null, "the guard's answer is timed too");
            assertEquals(204, r.get(4).status());
            assertTrue(s.log().contains("GET /api/notes/7 -> 200 in "), s.log());
        }
    }

    @Test
    void uploadExampleStreamsToDiskAndBack(@TempDir Path dir) throws Exception {
        Path uploads = dir.resolve("uploads");
        try (Server s = Server.start(dir, "upload.py", Map.of("UPLOAD_DIR", uploads.toString()))) {
            List<Curl.Result> r = runCookbook("upload.py", s, 3);
            byte[] file = Files.readAllBytes(Path.of("/etc/os-release"));
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));
            assertJson(r.get(0), 201, "{\"name\": \"os-release\", \"bytes\": " + file.length + ", \"sha256\": \"" + sha
                    + "\"}");
            assertEquals(200, r.get(1).status());
            assertEquals(Integer.toString(file.length), r.get(1).header("content-length"));
            assertEquals(new String(file, StandardCharsets.UTF_8), r.get(1).body());
            assertEquals(404, r.get(2).status());
            assertTrue(Files.isRegularFile(uploads.resolve("os-release")));
            try (var left = Files.list(uploads)) {
                assertEquals(List.of("os-release"), left.map(p -> p.getFileName().toString()).toList(),
                        "no temporary file is left");
            }
        }
    }

    @Test
    void sseExampleDeliversAPublishedEventToASubscriber(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, Files.readString(LauncherTest.EXAMPLES.resolve("sse.yaml")),
                LauncherTest.EXAMPLES.resolve("sse.py"), Map.of())) {
            List<String> commands = cookbookCommands("sse.py");
            assertEquals(2, commands.size(), commands.toString());
            // the feed never ends: it runs in the background for 4 s while the event is published
            Process feed = new ProcessBuilder("bash", "-c", commands.get(0).replace(DOC_ADDRESS, s.hostPort())
                    + " -s -S --max-time 4").start();
            Curl.Result published = null;
            for (int i = 0; i < 40; i++) { // until the subscriber is there
                Thread.sleep(100);
                published = Curl.shell(commands.get(1).replace(DOC_ADDRESS, s.hostPort()));
                if (published.body().equals("delivered to 1\n")) {
                    break;
                }
            }
            assertEquals(202, published.status());
            assertEquals("delivered to 1\n", published.body());
            String out = new String(feed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            feed.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(out.startsWith("HTTP/1.1 200 "), out);
            assertTrue(out.contains("content-type: text/event-stream"), out);
            assertTrue(out.contains(": connected\n\n"), out);
            assertTrue(out.matches("(?s).*id: \\d+\ndata: deploy finished\n\n.*"), out);
        }
    }

    @Test
    void webhookReceiverChecksTheTokenParsesJsonAndCounts(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "webhook.py", Map.of("WEBHOOK_TOKEN", "s3cr3t"))) {
            List<Curl.Result> r = runCookbook("webhook.py", s, 6);
            assertJson(r.get(0), 401, "{\"error\": \"missing or wrong bearer token\"}");
            assertEquals("Bearer", r.get(0).header("www-authenticate"));
            assertJson(r.get(1), 401, "{\"error\": \"missing or wrong bearer token\"}");
            assertJson(r.get(2), 202, "{\"accepted\": true, \"source\": \"github\", \"seq\": 1}");
            assertJson(r.get(3), 202, "{\"accepted\": true, \"source\": \"github\", \"seq\": 2}");
            assertEquals(400, r.get(4).status());
            assertTrue(r.get(4).body().startsWith("{\"error\": \"the body is not JSON: "), r.get(4).body());
            assertJson(r.get(5), 200, "{\"source\": \"github\", \"received\": 2, \"last\": {\"event\": \"release\"}}");

            // a JSON value that is not an object: 400, not counted
            assertJson(Curl.run("-X", "POST", "-H", "Authorization: Bearer s3cr3t", "--data", "[1, 2]",
                    s.base() + "/webhooks/github"), 400, "{\"error\": \"the body must be a JSON object\"}");
            // both workers count into one counter: 40 more events make 42, numbered without gaps or repeats
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Set<String> seqs = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create(s.base() + "/webhooks/github"))
                        .header("Authorization", "Bearer s3cr3t")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"event\": \"e" + i + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(202, resp.statusCode(), resp.body());
                Matcher m = Pattern.compile("\"seq\": (\\d+)").matcher(resp.body());
                assertTrue(m.find(), resp.body());
                seqs.add(m.group(1));
            }
            for (int i = 3; i <= 42; i++) {
                assertTrue(seqs.contains(Integer.toString(i)), "seq " + i + " missing from " + seqs);
            }
            assertJson(Curl.run("-H", "Authorization: Bearer s3cr3t", s.base() + "/webhooks/github"), 200,
                    "{\"source\": \"github\", \"received\": 42, \"last\": {\"event\": \"e39\"}}");
            assertTrue(s.log().contains("webhook github #1: push"), s.log());
        }
    }

    @Test
    void webhookTokenHasADefault(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "webhook.py", Map.of())) {
            assertEquals(202, Curl.run("-X", "POST", "-H", "Authorization: Bearer s3cr3t", "--data", "{}",
                    s.base() + "/webhooks/x").status());
        }
    }

    @Test
    void restResourceIsConsistentAcrossTwoWorkers(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "rest.py", Map.of())) {
            List<Curl.Result> r = runCookbook("rest.py", s, 10);
            assertJson(r.get(0), 201, "{\"id\": \"apple\", \"item\": {\"name\": \"apple\", \"qty\": 3}}");
            assertEquals(201, r.get(1).status());
            assertEquals(201, r.get(2).status());
            assertJson(r.get(3), 200, "{\"id\": \"apple\", \"item\": {\"name\": \"apple\", \"qty\": 4}}");
            assertJson(r.get(4), 200, "{\"id\": \"apple\", \"item\": {\"name\": \"apple\", \"qty\": 4}}");
            assertJson(r.get(5), 200, "{\"items\": [{\"id\": \"apple\", \"item\": {\"name\": \"apple\", \"qty\": 4}}, "
                    + "{\"id\": \"apricot\", \"item\": {\"name\": \"apricot\", \"qty\": 5}}], \"total\": 2}");
            assertJson(r.get(6), 200, "{\"items\": [{\"id\": \"apple\", \"item\": {\"name\": \"apple\", \"qty\": 4}}], "
                    + "\"total\": 3}");
            assertJson(r.get(7), 400, "{\"error\": \"limit must be an integer\"}");
            assertEquals(204, r.get(8).status());
            assertJson(r.get(9), 404, "{\"error\": \"no item apple\"}");

            // many requests over one keep-alive connection go round robin over both workers:
            // every read sees the last write, whichever worker took either
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            Map<String, Integer> model = new HashMap<>();
            for (int i = 0; i < 150; i++) {
                String id = "k" + (i % 17);
                int op = i % 5;
                if (op == 4) {
                    int status = send(client, "DELETE", s.base() + "/items/" + id, null).statusCode();
                    assertEquals(model.remove(id) != null ? 204 : 404, status, "DELETE " + id + " at step " + i);
                } else {
                    int status = send(client, "PUT", s.base() + "/items/" + id, "{\"n\": " + i + "}").statusCode();
                    assertEquals(model.put(id, i) == null ? 201 : 200, status, "PUT " + id + " at step " + i);
                }
                HttpResponse<String> got = send(client, "GET", s.base() + "/items/" + id, null);
                if (model.containsKey(id)) {
                    assertEquals("{\"id\": \"" + id + "\", \"item\": {\"n\": " + model.get(id) + "}}", got.body());
                } else {
                    assertEquals(404, got.statusCode(), got.body());
                }
            }
            HttpResponse<String> all = send(client, "GET", s.base() + "/items?prefix=k&limit=1000", null);
            assertTrue(all.body().endsWith("\"total\": " + model.size() + "}"), all.body() + " vs " + model);
            for (Map.Entry<String, Integer> e : model.entrySet()) {
                assertTrue(all.body().contains("{\"id\": \"" + e.getKey() + "\", \"item\": {\"n\": " + e.getValue() + "}}"),
                        e + " missing from " + all.body());
            }
            assertEquals(400, send(client, "GET", s.base() + "/items?limit=0", null).statusCode());
            assertEquals(400, send(client, "PUT", s.base() + "/items/x", "[1]").statusCode());
            assertEquals(400, send(client, "PUT", s.base() + "/items/x", "{").statusCode());
        }
    }

    @Test
    void registryCreatesWithLocationFiltersAndDeletes(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "registry.py", Map.of())) {
            List<Curl.Result> r = runCookbook("registry.py", s, 9);
            assertJson(r.get(0), 201, "{\"kind\": \"trunk\", \"uri\": \"sip:gw1.example.com\", \"id\": \"1\"}");
            assertEquals("/registrations/1", r.get(0).header("location"));
            assertEquals(201, r.get(1).status());
            assertEquals("/registrations/2", r.get(1).header("location"));
            assertEquals(201, r.get(2).status());
            assertEquals("/registrations/3", r.get(2).header("location"));
            assertEquals(400, r.get(3).status());
            assertJson(r.get(4), 200, "{\"kind\": \"trunk\", \"uri\": \"sip:gw1.example.com\", \"id\": \"1\"}");
            assertJson(r.get(5), 200, "{\"registrations\": [{\"kind\": \"trunk\", \"uri\": \"sip:gw1.example.com\", \"id\": \"1\"}, "
                    + "{\"kind\": \"trunk\", \"uri\": \"sip:gw2.example.com\", \"id\": \"3\"}]}");
            assertJson(r.get(6), 200, "{\"registrations\": [{\"kind\": \"trunk\", \"uri\": \"sip:gw1.example.com\", \"id\": \"1\"}]}");
            assertEquals(204, r.get(7).status());
            assertJson(r.get(8), 404, "{\"error\": \"no registration 1\"}");

            // ids stay unique and ordered across both workers; Location follows each one
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Set<String> locations = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> c = send(client, "POST", s.base() + "/registrations",
                        "{\"kind\": \"k" + (i % 3) + "\", \"n\": " + i + "}");
                assertEquals(201, c.statusCode(), c.body());
                String location = c.headers().firstValue("location").orElseThrow();
                assertTrue(locations.add(location), "repeated " + location);
                assertEquals(200, send(client, "GET", s.base() + location, null).statusCode());
            }
            for (int id = 4; id <= 33; id++) {
                assertTrue(locations.contains("/registrations/" + id), id + " missing from " + locations);
            }
            String k1 = send(client, "GET", s.base() + "/registrations?kind=k1&limit=1000", null).body();
            assertEquals(10, k1.split("\"kind\": \"k1\"", -1).length - 1, k1);
            assertEquals(400, send(client, "GET", s.base() + "/registrations?limit=x", null).statusCode());
        }
    }

    @Test
    void jobsRunOncePerProcessAndRemindersFireOrCancel(@TempDir Path dir) throws Exception {
        try (Server s = Server.start(dir, "jobs.py", Map.of())) {
            List<String> commands = cookbookCommands("jobs.py");
            assertEquals(7, commands.size(), commands.toString());
            List<Curl.Result> r = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                if (i == 4) {
                    Thread.sleep(1000); // the section's `sleep 1`
                }
                r.add(Curl.shell(commands.get(i).replace(DOC_ADDRESS, s.hostPort())));
            }
            assertJson(r.get(0), 202, "{\"id\": \"r1\", \"state\": \"pending\", \"in_ms\": 300}");
            assertJson(r.get(1), 202, "{\"id\": \"r2\", \"state\": \"pending\", \"in_ms\": 60000}");
            assertEquals(204, r.get(2).status());
            assertJson(r.get(3), 404, "{\"error\": \"no pending reminder r2\"}");
            assertJson(r.get(4), 200, "{\"id\": \"r1\", \"state\": \"sent\"}");
            assertJson(r.get(5), 200, "{\"id\": \"r2\", \"state\": \"cancelled\"}");
            Matcher m = Pattern.compile("\\{\"heartbeats\": (\\d+), \"armed\": 0}").matcher(r.get(6).body());
            assertTrue(m.matches(), r.get(6).body());
            assertTrue(s.log().contains("reminder r1 sent"), s.log());

            // one heartbeat a second in the process, not one per worker (two here)
            long t0 = System.nanoTime();
            Thread.sleep(3000);
            Matcher later = Pattern.compile("\"heartbeats\": (\\d+)").matcher(
                    Curl.run(s.base() + "/jobs").body());
            assertTrue(later.find());
            long beats = Long.parseLong(later.group(1)) - Long.parseLong(m.group(1));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(beats >= 1 && beats <= seconds + 1, beats + " heartbeats in " + seconds + " s");
        }
    }

    @Test
    void scriptFromTheOriginalRunsUnchanged(@TempDir Path dir) throws Exception {
        String text = Files.readString(LauncherTest.EXAMPLES.resolve("original.py"));
        assertTrue(text.contains("from siphon import http, log\n"), text);
        try (Server s = Server.start(dir, "original.py", Map.of())) {
            List<Curl.Result> r = runCookbook("original.py", s, 3);
            assertEquals(200, r.get(0).status());
            assertEquals("abc123", r.get(0).body());
            assertEquals(202, r.get(1).status());
            assertEquals("accepted ping", r.get(1).body());
            assertEquals(405, r.get(2).status());
            assertEquals("GET, HEAD, POST", r.get(2).header("allow"));
            assertTrue(s.log().contains("webhook delivery of 4 bytes"), s.log());
        }
    }

    private static HttpResponse<String> send(HttpClient client, String method, String url, String body)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return client.send(HttpRequest.newBuilder(URI.create(url)).method(method, p).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

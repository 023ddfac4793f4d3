package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code json.loads} in a worker context goes through siphon/_json.py and {@link JsonTape}, and
 * keeps the standard library's semantics: scripts/json_fast.py runs the corpus of
 * src/test/resources/json (made by CPython with make_corpus.py) inside the worker.
 */
class JsonFastPathTest {
    static PythonServer server;
    static String base;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 120000
                engine:
                  workers: 1
                """, "json.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("json_fast.py"));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String get(String path) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    @Test
    void corpusDecodesAsCPythonAndTheStandardScannerDo() throws Exception {
        // results (types, float bits, surrogates, key order) and errors (message, position)
        assertEquals("ok 138", get("/corpus"));
    }

    @Test
    void jsonLoadsUsesTheFastPathAndGivesPlainPythonTypes() throws Exception {
        assertEquals("scan_once int,float,str,bool,NoneType,int", get("/installed"));
    }

    @Test
    void keywordArgumentsTakeTheStandardDecoder() throws Exception {
        assertEquals("['x', 'y'] ['1', '2']", get("/kwargs"));
    }
}

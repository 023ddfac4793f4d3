package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A header value that is a list or tuple sends one field line per element, in order, over
 * HTTP/1.1 and HTTP/2 (scripts/multi_headers.py), as curl shows them.
 */
class ResponseHeadersScriptTest {

    /** The script's field lines of the response as curl prints them with -i, names lower-cased. */
    static List<String> fields(String... curlArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "--max-time", "30"));
        cmd.addAll(List.of(curlArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        List<String> lines = new ArrayList<>();
        for (String line : out.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).toLowerCase(Locale.ROOT);
            if (List.of("set-cookie", "x-one", "x-tuple").contains(name)) {
                lines.add(name + ":" + line.substring(colon + 1));
            }
        }
        return lines;
    }

    @Test
    void aListSendsOneFieldLinePerValueOverBothProtocols() throws Exception {
        try (PythonServer server = PythonServer.start(ConfigLoader.parse(
                "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n", "headers.yaml", System::getenv),
                Scripts.path("multi_headers.py"))) {
            String url = "http://127.0.0.1:" + server.port() + "/cookies";
            List<String> expected = List.of("set-cookie: a=1; Path=/", "set-cookie: b=2; HttpOnly", "x-one: only",
                    "x-tuple: 1", "x-tuple: two");
            assertEquals(expected, fields("--http1.1", url));
            assertEquals(expected, fields("--http2-prior-knowledge", url));
        }
    }
}

package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A script's response is a final one, status 200 to 599 (scripts/statuses.py). A 1xx answered
 * as final would be read by the client as interim, and the next pipelined response as this
 * request's; a handler that tries gets 500, the log names the function and the status, and the
 * next pipelined request gets its own response.
 */
class ResponseStatusScriptTest {
    static PythonServer server;
    /** Held so that the logging framework keeps the logger, and with it the handler. */
    static final Logger PYTHON_LOG = Logger.getLogger("siphon.python");
    static final List<String> LOGGED = new CopyOnWriteArrayList<>();
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                LOGGED.add(r.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void start() throws Exception {
        PYTHON_LOG.addHandler(CAPTURE);
        HttpConfig config = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n",
                "statuses.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("statuses.py"));
    }

    @AfterAll
    static void stop() {
        PYTHON_LOG.removeHandler(CAPTURE);
        if (server != null) {
            server.close();
        }
    }

    record Answer(int status, String body) {}

    /** Sends {@code requests} in one write; reads {@code n} responses (framed by content-length). */
    static List<Answer> pipeline(int n, String... paths) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String p : paths) {
            sb.append("GET ").append(p).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            List<Answer> out = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String statusLine = line(in);
                int length = 0;
                for (String h = line(in); !h.isEmpty(); h = line(in)) {
                    if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).strip());
                    }
                }
                out.add(new Answer(Integer.parseInt(statusLine.substring(9, 12)),
                        new String(in.readNBytes(length), StandardCharsets.UTF_8)));
            }
            return out;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed after: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aHandlerAnswering103Gets500AndThePipelineStaysInStep() throws Exception {
        List<Answer> a = pipeline(2, "/early-hints", "/hello/second");
        assertEquals(500, a.get(0).status(), a::toString);
        assertEquals(new Answer(200, "hello second"), a.get(1));
        assertTrue(LOGGED.stream().anyMatch(l -> l.contains("early_hints") && l.contains("103")
                && l.contains("from 200 to 599")), () -> "no log line naming the handler and the status: " + LOGGED);
    }

    @Test
    void aStatusSetAfterTheConstructorIsCheckedToo() throws Exception {
        List<Answer> a = pipeline(3, "/set-later", "/beyond", "/hello/third");
        assertEquals(500, a.get(0).status(), a::toString);
        assertEquals(500, a.get(1).status(), a::toString);
        assertEquals(new Answer(200, "hello third"), a.get(2));
        assertTrue(LOGGED.stream().anyMatch(l -> l.contains("set_later answered with status 101")), LOGGED::toString);
        assertTrue(LOGGED.stream().anyMatch(l -> l.contains("beyond answered with status 600")), LOGGED::toString);
    }

    @Test
    void theConstructorRefusesAnythingButAFinalStatus() throws Exception {
        for (int status : new int[] {100, 103, 199, 600, 999}) {
            Answer a = pipeline(1, "/constructor?status=" + status).get(0);
            assertEquals(new Answer(200, "Response status must be from 200 to 599 (a final status), was " + status), a);
        }
        assertEquals(new Answer(200, "accepted"), pipeline(1, "/constructor?status=204").get(0));
        assertEquals(new Answer(200, "accepted"), pipeline(1, "/constructor?status=599").get(0));
    }
}

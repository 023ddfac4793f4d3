package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A handler's response is a final one: status 200 to 599. A 1xx answered as if final (RFC 9110
 * §15.2: the client reads it as interim and waits on) would pair every later pipelined response
 * with the wrong request; a status above 599 is no HTTP status at all. Such a handler answers
 * 500, the log names it and the status, and the connection stays in step.
 */
class ResponseStatusTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    /** Held so that the logging framework keeps the logger, and with it the handler. */
    private final Logger handlerLog = Logger.getLogger("siphon.http.handler");
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                logged.add(r.getMessage() + " | " + r.getThrown());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLog() {
        handlerLog.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        handlerLog.removeHandler(capture);
    }

    private HttpEngine start() throws Exception {
        return fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .route("GET", "/early-hints", req -> new Response(103).header("link", "</style.css>; rel=preload"))
                .route("GET", "/continue", req -> Response.text(100, "go on"))
                .route("GET", "/beyond", req -> Response.text(600, "six hundred"))
                .route("GET", "/hello/{name}", req -> Response.text(200, "hello " + req.pathParam("name"))));
    }

    @Test
    void aPipelinedRequestAfterA1xxHandlerGetsItsOwnResponse() throws Exception {
        HttpEngine e = start();
        RawConnection c = fx.connect(e).timeout(2000);
        c.send("GET /early-hints HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /hello/second HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /continue HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /hello/fourth HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse first = c.read();
        assertEquals(500, first.status(), first::toString);
        assertEquals("500 Internal Server Error\n", first.text(), "the client sees no internals");
        RawResponse second = c.read();
        assertEquals(200, second.status(), second::toString);
        assertEquals("hello second", second.text());
        assertEquals(500, c.read().status());
        assertEquals("hello fourth", c.read().text());
        assertEquals(1, e.counters().connectionsAccepted(), "the connection stayed open");
        assertTrue(logged.stream().anyMatch(l -> l.contains("GET /early-hints (route /early-hints) failed")
                && l.contains("was 103")), () -> "no log line naming the route and the status: " + logged);
    }

    @Test
    void aStatusAbove599Gets500() throws Exception {
        HttpEngine e = start();
        RawConnection c = fx.connect(e);
        c.send("GET /beyond HTTP/1.1\r\nHost: a\r\n\r\nGET /hello/next HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(500, c.read().status());
        assertEquals("hello next", c.read().text());
        assertTrue(logged.stream().anyMatch(l -> l.contains("/beyond") && l.contains("was 600")), logged::toString);
    }

    @Test
    void aResponseIsMadeOnlyWithAFinalStatus() {
        for (int status : new int[] {99, 100, 101, 103, 199, 600, 999, 1000}) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> new Response(status));
            assertTrue(x.getMessage().contains("from 200 to 599, was " + status), x.getMessage());
        }
        assertEquals(200, new Response(200).status());
        assertEquals(599, Response.text(599, "").status());
    }
}

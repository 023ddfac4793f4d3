package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a handler sees and what the client gets back, over a raw socket: routing answers (404,
 * 405), decoded params, joined headers, the client address (with trusted proxies), engine-set
 * framing headers, handler failures (500) and response-splitting protection, and connection
 * persistence for HTTP/1.1, HTTP/1.0 and {@code Connection: close}.
 */
class HandlerBehaviourTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private static String get(String path, String... headers) {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: a\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private RawResponse roundTrip(HttpEngine e, String request) throws Exception {
        return fx.connect(e).send(request).read();
    }

    @Test
    void unknownPathGets404() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, get("/no/such/path"));
        assertEquals(404, r.status(), r::toString);
        assertEquals("HTTP/1.1 404 Not Found", r.statusLine());
        assertEquals("404 Not Found\n", r.text());
    }

    @Test
    void wrongMethodGets405WithAllow() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .route("GET", "/thing", req -> Response.text(200, "get"))
                .route("PUT", "/thing", req -> Response.text(200, "put")));
        RawResponse r = roundTrip(e, "DELETE /thing HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(405, r.status(), r::toString);
        assertEquals("GET, HEAD, PUT", r.header("allow"));
    }

    @Test
    void pathParamsArePercentDecoded() throws Exception {
        HttpEngine e = fx.start();
        assertEquals("hello x y", roundTrip(e, get("/hello/x%20y")).text());
        assertEquals("hello caf\u00e9/+", roundTrip(e, get("/hello/caf%C3%A9%2F+")).text());
    }

    @Test
    void queryParamsAreDecodedAndLastValueWins() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, get("/query?a=1&b=x+y&c=%26%3D&a=2&empty="));
        assertEquals(200, r.status(), r::toString);
        assertEquals("a=2;b=x y;c=&=;empty=;", r.text());
    }

    @Test
    void repeatedRequestHeadersAreJoinedWithCommaSpace() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, get("/header/x-multi", "X-Multi: one", "Accept: */*", "x-MULTI: two, three"));
        assertEquals("one, two, three", r.text());
    }

    @Test
    void clientIsThePeerIpAndPort() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/client", "X-Forwarded-For: 203.0.113.7")).read();
        assertEquals("127.0.0.1:" + c.localPort(), r.text(), "an untrusted peer's X-Forwarded-For is ignored");
    }

    @Test
    void clientIsTheForwardedAddressBehindTrustedProxies() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server().withTrustedProxies(List.of("127.0.0.1", "10.0.0.1")),
                EngineFixture.settings(), EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e);
        assertEquals("203.0.113.7", c.send(get("/client", "X-Forwarded-For: 203.0.113.7, 10.0.0.1")).read().text());
        assertEquals("127.0.0.1:" + c.localPort(), c.send(get("/client")).read().text(),
                "without X-Forwarded-For the peer itself");
    }

    @Test
    void responseCarriesDateAndContentLength() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, get("/hello/abc"));
        assertEquals("9", r.header("content-length"));
        assertTrue(r.header("date").matches("\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"), r::toString);
        assertNull(r.header("transfer-encoding"));
        assertNull(r.header("connection"), "HTTP/1.1 persistence is the default: no connection header");
    }

    @Test
    void handlerFramingHeadersAreReplacedByTheEngine() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> EngineFixture.standardRoutes(b)
                .route("GET", "/framing", req -> Response.text(200, "four")
                        .header("Content-Length", "999").header("Transfer-Encoding", "chunked")
                        .header("Date", "yesterday").header("X-Kept", "yes")));
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/framing")).read();
        assertEquals(List.of("4"), r.headers("content-length"));
        assertNull(r.header("transfer-encoding"));
        assertEquals(1, r.headers("date").size());
        assertFalse(r.header("date").equals("yesterday"));
        assertEquals("yes", r.header("x-kept"));
        assertEquals("four", r.text());
        assertEquals("hello z", c.send(get("/hello/z")).read().text(), "the stream is still framed correctly");
    }

    @Test
    void handlerThatThrowsGets500AndConnectionKeepsServing() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> EngineFixture.standardRoutes(b)
                .route("GET", "/boom", req -> {
                    throw new IllegalStateException("secret internal detail");
                }));
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/boom")).read();
        assertEquals(500, r.status(), r::toString);
        assertEquals("500 Internal Server Error\n", r.text(), "no internals in the body");
        assertNull(r.header("connection"));
        RawResponse next = c.send(get("/hello/again")).read();
        assertEquals(200, next.status(), next::toString);
        assertEquals("hello again", next.text());
    }

    @Test
    void asyncHandlerFailureGets500() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .routeAsync("GET", "/fail", (req, out) -> new Thread(() -> out.fail(new RuntimeException("x"))).start())
                .routeAsync("GET", "/null", (req, out) -> out.send(null)));
        RawConnection c = fx.connect(e);
        assertEquals(500, c.send(get("/fail")).read().status());
        assertEquals(500, c.send(get("/null")).read().status());
    }

    @Test
    void headerValueWithCrLfGets500NotASplitResponse() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> EngineFixture.standardRoutes(b)
                .route("GET", "/split", req -> Response.text(200, "evil")
                        .header("X-Evil", "a\r\nSet-Cookie: hijacked=1\r\n\r\nHTTP/1.1 200 OK")));
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/split")).read();
        assertEquals(500, r.status(), r::toString);
        assertNull(r.header("set-cookie"), r::toString);
        assertNull(r.header("x-evil"), r::toString);
        assertEquals("500 Internal Server Error\n", r.text());
        RawResponse next = c.send(get("/hello/ok")).read();
        assertEquals("hello ok", next.text(), "nothing injected is left on the connection");
    }

    @Test
    void headerValueWithBareLfGets500() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .route("GET", "/lf", req -> Response.text(200, "x").header("X-Evil", "a\nInjected: 1")));
        RawResponse r = roundTrip(e, get("/lf"));
        assertEquals(500, r.status(), r::toString);
        assertNull(r.header("injected"));
    }

    @Test
    void connectionCloseIsHonouredAndConfirmed() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/hello/bye", "Connection: close")).read();
        assertEquals("hello bye", r.text());
        assertEquals("close", r.header("connection"));
        c.assertClosedByServer();
    }

    @Test
    void handlerConnectionCloseClosesAfterItsResponse() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .route("GET", "/last", req -> Response.text(200, "last").header("Connection", "close")));
        RawConnection c = fx.connect(e);
        RawResponse r = c.send(get("/last")).read();
        assertEquals(List.of("close"), r.headers("connection"));
        c.assertClosedByServer();
    }

    @Test
    void http10RequestIsClosedAfterResponse() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        RawResponse r = c.send("GET /version HTTP/1.0\r\n\r\n").read();
        assertEquals("HTTP/1.0", r.text());
        assertEquals("close", r.header("connection"));
        c.assertClosedByServer();
    }

    @Test
    void http10KeepAliveKeepsTheConnectionAndSaysSo() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        for (int i = 0; i < 3; i++) {
            RawResponse r = c.send("GET /version HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertEquals("HTTP/1.0", r.text());
            assertEquals("keep-alive", r.header("connection"), r::toString);
        }
        c.assertStaysOpenFor(100);
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void http10KeepAliveIsConfirmedOnEngineAnswersToo() throws Exception {
        // The connection is kept open after a 404 for a keep-alive HTTP/1.0 request, so the 404 must say
        // "connection: keep-alive"; without it an HTTP/1.0 client must assume the server closes.
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        RawResponse r = c.send("GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
        assertEquals(404, r.status());
        assertEquals("keep-alive", r.header("connection"), r::toString);
        assertEquals("HTTP/1.0", c.send("GET /version HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().text());
    }

    @Test
    void headIsAnsweredByGetHandlerWithLengthAndNoBody() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        RawResponse r = c.send("HEAD /hello/world HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
        assertEquals(200, r.status());
        assertEquals("11", r.header("content-length"));
        // Had a body followed the HEAD response, this would read it as the next status line.
        assertEquals("hello next", c.send(get("/hello/next")).read().text());
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e);
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        RawResponse interim = c.read();
        assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
        assertEquals(List.of(), interim.fields());
        c.send("hello");
        assertEquals("hello", c.read().text());
    }

    @Test
    void absoluteFormRequestIsRoutedOnItsPath() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, "GET http://example.com/query?k=v HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals(200, r.status(), r::toString);
        assertEquals("k=v;", r.text());
    }

    @Test
    void absoluteFormTargetsAuthorityReplacesTheHostField() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, "GET http://example.com:8080/header/host HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        assertEquals(200, r.status(), r::toString);
        assertEquals("example.com:8080", r.text()); // RFC 9112 §3.2.2: the target's authority wins
        for (String target : List.of("http://user:pw@example.com/header/host", "http:///header/host",
                "http://exa mple.com/header/host", "http://example.com:99999/header/host")) {
            RawResponse bad = roundTrip(e, "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertEquals(400, bad.status(), target);
        }
    }

    @Test
    void leadingEmptyLinesBeforeRequestAreIgnored() throws Exception {
        HttpEngine e = fx.start();
        RawResponse r = roundTrip(e, "\r\n\r\n" + get("/hello/empty"));
        assertEquals("hello empty", r.text());
    }
}

package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redirects followed as the original siphon-http's client (reqwest) follows them, against real engines. */
class RedirectTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    /** Answers /to/{status}?where=URL with that status and Location; /seen echoes what arrived. */
    private HttpEngine redirector(AtomicInteger hops) throws IOException {
        HttpEngine e = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(Upstreams.settings())
                .route(List.of("GET", "POST", "PUT", "HEAD"), "/to/{status}", req -> {
                    hops.incrementAndGet();
                    Response r = new Response(Integer.parseInt(req.pathParam("status")));
                    String where = req.queryParams().get("where");
                    return where == null ? r : r.header("location", where);
                })
                .route(List.of("GET", "POST", "PUT", "HEAD"), "/seen", req -> Response.of(200, req.body())
                        .header("x-method", req.method())
                        .header("x-auth", String.valueOf(req.header("authorization")))
                        .header("x-type", String.valueOf(req.header("content-type"))))
                .route("GET", "/loop", req -> {
                    hops.incrementAndGet();
                    return new Response(302).header("location", "/loop");
                })
                .route("GET", "/chain/{n}", req -> {
                    int n = Integer.parseInt(req.pathParam("n"));
                    return n == 0 ? Response.text(200, "end") : new Response(301).header("location", "" + (n - 1));
                })
                .start();
        up.closeLater(e);
        return e;
    }

    private static String q(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void followsEachRedirectStatusAsReqwestDoes() throws Exception {
        AtomicInteger hops = new AtomicInteger();
        HttpEngine e = redirector(hops);
        String base = Upstreams.url(e);
        HttpClient c = up.client(HttpClient.builder().baseUrl(base));
        Map<String, String> typed = Map.of("content-type", "text/plain", "authorization", "Bearer t");
        for (int status : List.of(301, 302, 303)) {
            ClientResponse r = c.send("POST", "/to/" + status + "?where=/seen", typed, "body".getBytes()).join();
            assertEquals(200, r.status());
            assertEquals("GET", r.header("x-method"), status + ": POST becomes GET");
            assertEquals("", r.text(), status + ": without the body");
            assertEquals("null", r.header("x-type"), status + ": and without its content fields");
            assertEquals("Bearer t", r.header("x-auth"), status + ": the same origin keeps Authorization");
        }
        for (int status : List.of(307, 308)) {
            ClientResponse r = c.send("PUT", "/to/" + status + "?where=" + q(base + "/seen"), typed, "body".getBytes())
                    .join();
            assertEquals("PUT", r.header("x-method"), status + ": the method is kept");
            assertEquals("body", r.text(), status + ": and the body");
            assertEquals("text/plain", r.header("x-type"));
        }
        ClientResponse head = c.send("HEAD", "/to/303?where=/seen", null, null).join();
        assertEquals("HEAD", head.header("x-method"), "HEAD stays HEAD");
        ClientResponse relative = c.get("/chain/3").join();
        assertEquals("end", relative.text(), "a relative Location replaces the last segment (RFC 3986)");
        assertEquals(300, c.get("/to/300?where=/seen").join().status(), "300 is not followed");
        ClientResponse noLocation = c.get("/to/302").join();
        assertEquals(302, noLocation.status(), "a redirect without Location is the answer");
    }

    @Test
    void anotherOriginDropsCredentialsAndABoundClientDoesNotGoThere() throws Exception {
        HttpEngine a = redirector(new AtomicInteger());
        HttpEngine b = redirector(new AtomicInteger());
        String other = Upstreams.url(b).replace("127.0.0.1", "localhost") + "/seen";
        HttpClient open = up.client(HttpClient.builder());
        ClientResponse r = open.send("GET", Upstreams.url(a) + "/to/302?where=" + q(other),
                Map.of("authorization", "Bearer t", "cookie", "s=1", "x-kept", "k"), null).join();
        assertEquals(200, r.status());
        assertEquals("null", r.header("x-auth"), "Authorization is not sent to another origin");

        HttpClient bound = up.client(HttpClient.builder().baseUrl(Upstreams.url(a)));
        Throwable t = failure(bound.get("/to/302?where=" + q(other)));
        assertInstanceOf(OriginNotAllowedException.class, t, "a client bound to its base URL's origin stays there");
    }

    @Test
    void aLoopEndsAfterTenRedirectsAndFollowingCanBeTurnedOff() throws Exception {
        AtomicInteger hops = new AtomicInteger();
        HttpEngine e = redirector(hops);
        HttpClient c = up.client(HttpClient.builder().baseUrl(Upstreams.url(e)));
        Throwable t = failure(c.get("/loop"));
        assertInstanceOf(TooManyRedirectsException.class, t);
        assertTrue(t.getMessage().contains("redirected 11 times in a row; the client follows 10"), t.getMessage());
        assertEquals(11, hops.get(), "the first request and ten redirects");

        assertEquals("end", c.get("/chain/10").join().text(), "ten in a row are followed");

        HttpClient off = up.client(HttpClient.builder().config(ClientConfig.named("api")
                .withBaseUrl(Upstreams.url(e)).withFollowRedirects(false)));
        ClientResponse r = off.get("/to/302?where=/seen").join();
        assertEquals(302, r.status());
        assertEquals("/seen", r.header("location"));
    }

    private static Throwable failure(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }
}

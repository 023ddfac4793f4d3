package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.dispatch.RequestIds;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request ids over both protocols, with curl: a client's x-request-id is kept and sent back, a
 * missing or unusable one is replaced by one the engine makes, a handler's own wins, and
 * answers no handler made (404) carry one too.
 */
class RequestIdTest {
    private static final Pattern MADE = Pattern.compile("[0-9a-f]{16}-[0-9a-f]+");

    @TempDir
    Path dir;
    HttpEngine engine;

    @BeforeEach
    void start() throws Exception {
        engine = HttpEngine.builder().listen("127.0.0.1:0")
                .route("GET", "/id", req -> Response.text(200, req.requestId()))
                .route("GET", "/own", req -> Response.text(200, "own").header("X-Request-Id", "mine"))
                .start();
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + engine.port() + path;
    }

    /** The x-request-id fields of the response in curl's -v trace. */
    private static String responseId(Curl.Result r) {
        Matcher m = Pattern.compile("(?m)^< x-request-id: (\\S+)\\r?$").matcher(r.stderr());
        assertTrue(m.find(), r::toString);
        String id = m.group(1);
        assertFalse(m.find(), () -> "one x-request-id: " + r);
        return id;
    }

    @Test
    void aClientsIdIsKeptAndSentBackOnBothProtocols() throws Exception {
        for (String protocol : new String[] {"--http1.1", "--http2-prior-knowledge"}) {
            Curl.Result r = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: trace-42/a=b", url("/id"));
            assertEquals("trace-42/a=b", r.out(), protocol);
            assertEquals("trace-42/a=b", responseId(r), protocol);
        }
    }

    @Test
    void withoutOneOrWithAnUnusableOneTheEngineMakesOne() throws Exception {
        String tooLong = "x".repeat(RequestIds.MAX_LENGTH + 1);
        for (String protocol : new String[] {"--http1.1", "--http2-prior-knowledge"}) {
            Curl.Result none = Curl.ok(dir, "-v", protocol, url("/id"));
            assertTrue(MADE.matcher(none.out()).matches(), none::toString);
            assertEquals(none.out(), responseId(none));
            Curl.Result again = Curl.ok(dir, "-v", protocol, url("/id"));
            assertNotEquals(none.out(), again.out(), "a new one each request");
            Curl.Result spaced = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: two words", url("/id"));
            assertTrue(MADE.matcher(spaced.out()).matches(), spaced::toString);
            Curl.Result longer = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: " + tooLong, url("/id"));
            assertTrue(MADE.matcher(longer.out()).matches(), longer::toString);
            Curl.Result longest = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: " + tooLong.substring(1), url("/id"));
            assertEquals(tooLong.substring(1), longest.out(), "128 characters are kept");
        }
    }

    @Test
    void aHandlersOwnIdWinsAndEngineAnswersCarryOne() throws Exception {
        for (String protocol : new String[] {"--http1.1", "--http2-prior-knowledge"}) {
            Curl.Result own = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: theirs", url("/own"));
            Matcher m = Pattern.compile("(?mi)^< x-request-id: (\\S+)\\r?$").matcher(own.stderr());
            assertTrue(m.find(), own::toString);
            assertEquals("mine", m.group(1));
            assertFalse(m.find(), () -> "the handler's field only: " + own);
            Curl.Result missing = Curl.ok(dir, "-v", protocol, "-H", "X-Request-Id: lost-1", url("/nothing"));
            assertTrue(missing.stderr().contains("404"), missing::toString);
            assertEquals("lost-1", responseId(missing));
        }
    }

    @Test
    void validIdsAreVisibleAsciiUpTo128Characters() {
        assertTrue(RequestIds.valid("a"));
        assertTrue(RequestIds.valid("!~" + "z".repeat(126)));
        assertFalse(RequestIds.valid(null));
        assertFalse(RequestIds.valid(""));
        assertFalse(RequestIds.valid("z".repeat(129)));
        assertFalse(RequestIds.valid("a b"));
        assertFalse(RequestIds.valid("a\tb"));
        assertFalse(RequestIds.valid("café"));
        assertNotEquals(RequestIds.next(), RequestIds.next());
    }
}

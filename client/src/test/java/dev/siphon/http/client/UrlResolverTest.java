package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UrlResolverTest {
    private static String resolve(String base, String ref) {
        UrlResolver.Target t = UrlResolver.resolve(base, ref);
        return t.origin().scheme() + "://" + t.origin().authority() + t.requestTarget();
    }

    /** The original siphon-http's rule: the base URL without its trailing slashes, then the path as written. */
    @Test
    void relativeUrlsAreAppendedToTheBaseUrl() {
        String[][] cases = { // base, reference, URL sent
            {"https://graph.facebook.com/v20.0", "/123/messages", "https://graph.facebook.com/v20.0/123/messages"},
            {"https://graph.facebook.com/v20.0/", "/123/messages", "https://graph.facebook.com/v20.0/123/messages"},
            {"http://h:8080/api//", "/users/1", "http://h:8080/api/users/1"},
            {"http://h:8080/api/", "users/1", "http://h:8080/apiusers/1"},
            {"http://h", "/x?a=1", "http://h/x?a=1"},
            {"http://h", "", "http://h/"},
            {"http://h/api", "?q=1", "http://h/api?q=1"},
            {"http://h/api", "//other/x", "http://h/api//other/x"}, // never another host
            {"http://h/api", "/../admin", "http://h/admin"}, // dot segments removed, as a URL parser does
            {"http://h/api", "/a/./b/../c", "http://h/api/a/c"},
            {"http://h/api", "/x#frag", "http://h/api/x"},
        };
        for (String[] c : cases) {
            assertEquals(c[2], resolve(c[0], c[1]), c[0] + " + " + c[1]);
        }
    }

    @Test
    void absoluteUrlsAreUsedAsTheyAre() {
        assertEquals("http://other:81/p", resolve("http://h/api/", "http://other:81/p"));
        assertEquals("https://h/x", resolve("http://h/api/", "HTTPS://h/x"));
        assertEquals("https://[::1]:8443/a", resolve(null, "https://[::1]:8443/a"));
    }

    @Test
    void rejectsWhatCannotBeSent() {
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "/relative"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "ftp://h/x"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h/", "/a b"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h/", "/a\r\nX: y"));
        // appended without a "/", a path runs into the host: a host a URL cannot have is refused
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h", "a b"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h", "\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "http://a b/"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "http://h:99999/"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "http:///nohost"));
    }

    @Test
    void percentEncodesNonAscii() {
        assertEquals("http://h/caf%C3%A9", resolve("http://h/", "/café"));
    }
}

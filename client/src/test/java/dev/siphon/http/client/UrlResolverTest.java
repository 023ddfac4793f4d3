package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UrlResolverTest {
    private static final String BASE = "http://a/b/c/d;p?q";

    private static String resolve(String base, String ref) {
        UrlResolver.Target t = UrlResolver.resolve(base, ref);
        return t.origin().scheme() + "://" + t.origin().authority() + t.requestTarget();
    }

    @Test
    void rfc3986NormalExamples() { // RFC 3986 §5.4.1 (fragments are never sent; "g:h" is not http)
        String[][] cases = {
            {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"}, {"g/", "http://a/b/c/g/"},
            {"/g", "http://a/g"}, {"//g", "http://g/"}, {"?y", "http://a/b/c/d;p?y"},
            {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q"}, {"g#s", "http://a/b/c/g"},
            {"g?y#s", "http://a/b/c/g?y"}, {";x", "http://a/b/c/;x"}, {"g;x", "http://a/b/c/g;x"},
            {"", "http://a/b/c/d;p?q"}, {".", "http://a/b/c/"}, {"./", "http://a/b/c/"},
            {"..", "http://a/b/"}, {"../", "http://a/b/"}, {"../g", "http://a/b/g"},
            {"../..", "http://a/"}, {"../../", "http://a/"}, {"../../g", "http://a/g"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], resolve(BASE, c[0]), c[0]);
        }
    }

    @Test
    void rfc3986AbnormalExamples() { // RFC 3986 §5.4.2
        String[][] cases = {
            {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"}, {"/./g", "http://a/g"},
            {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."}, {".g", "http://a/b/c/.g"},
            {"g..", "http://a/b/c/g.."}, {"..g", "http://a/b/c/..g"}, {"./../g", "http://a/b/g"},
            {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"},
            {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
            {"g?y/./x", "http://a/b/c/g?y/./x"}, {"g?y/../x", "http://a/b/c/g?y/../x"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], resolve(BASE, c[0]), c[0]);
        }
    }

    @Test
    void baseUrlJoiningKeepsTheLastSegmentOnlyWithATrailingSlash() {
        assertEquals("http://h:8080/api/users/1", resolve("http://h:8080/api/", "users/1"));
        assertEquals("http://h:8080/users/1", resolve("http://h:8080/api", "users/1"));
        assertEquals("http://h:8080/users/1", resolve("http://h:8080/api/", "/users/1"));
        assertEquals("http://h/x", resolve("http://h", "x")); // §5.2.3: empty base path
        assertEquals("http://other:81/p", resolve("http://h/api/", "http://other:81/p"));
        assertEquals("https://[::1]:8443/a", resolve(null, "https://[::1]:8443/a"));
    }

    @Test
    void rejectsWhatCannotBeSent() {
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "/relative"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "ftp://h/x"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h/", "a b"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve("http://h/", "a\r\nX: y"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "http://h:99999/"));
        assertThrows(IllegalArgumentException.class, () -> UrlResolver.resolve(null, "http:///nohost"));
    }

    @Test
    void percentEncodesNonAscii() {
        assertEquals("http://h/caf%C3%A9", resolve("http://h/", "café"));
    }
}

package dev.siphon.http.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The authority rule of :authority and Host, without a socket. */
class AuthorityTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "localhost:8080", "127.0.0.1", "999.1.1.1", "[::1]", "[::1]:0", "[::ffff:1.2.3.4]:65535",
            "xn--bcher-kva.example", "a-b_c~d.e", "a%2Db%2f", "sub!$&'()*+,;=delims", "h:", "EXAMPLE.com:00080"})
    void acceptsAuthorities(String a) {
        assertTrue(Authority.isValid(a), a);
        assertTrue(Authority.isValidHostField(a), a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80", "user@a", "u:p@a:1", "a b", "a\tb", "a/b", "a?b", "a#b", "a\\b", "a\"b", "a<b",
            "a:65536", "a:123456", "a:-1", "a:8o", "a:1:2", "[::1", "::1", "[::1]x", "[::1]:x", "[1.2.3.4]",
            "[v1.x]", "[fe80::1%25eth0]", "[]", "caf\u00e9", "a%", "a%2", "a%zz", "a\u0000", "a\r\nb", "a\u007F"})
    void refusesWhatIsNoAuthority(String a) {
        assertFalse(Authority.isValid(a), a);
    }

    @Test
    void anHttp11HostMayBeEmpty() {
        assertTrue(Authority.isValidHostField(""));
        assertFalse(Authority.isValid(""), ":authority may not");
    }
}

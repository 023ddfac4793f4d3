package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PathDecoderTest {

    private static String pathError(String s) {
        return assertThrows(IllegalArgumentException.class, () -> PathDecoder.decodePath(s)).getMessage();
    }

    @Test
    void pathWithoutPercentIsReturnedAsIs() {
        String s = "plain+text";
        assertSame(s, PathDecoder.decodePath(s));
    }

    @Test
    void pathDecodesUtf8Octets() {
        assertEquals("é/ä €𝄞", PathDecoder.decodePath("%c3%A9%2F%C3%A4%20%E2%82%AC%F0%9D%84%9E"));
        assertEquals("x-y", PathDecoder.decodePath("x%2Dy"));
    }

    @Test
    void pathKeepsPlus() {
        assertEquals("a+b c", PathDecoder.decodePath("a+b%20c"));
    }

    @Test
    void pathKeepsNonAsciiTextAsIs() {
        assertEquals("café é", PathDecoder.decodePath("café%20%C3%A9"));
    }

    @Test
    void pathRejectsMalformedPercent() {
        assertEquals("malformed percent-encoding at index 1", pathError("a%"));
        assertEquals("malformed percent-encoding at index 0", pathError("%4"));
        assertEquals("malformed percent-encoding at index 3", pathError("%41%4G"));
    }

    @Test
    void pathRejectsInvalidUtf8() {
        String invalid = "percent-encoded octets are not valid UTF-8";
        assertEquals(invalid, pathError("%FF"));          // never valid in UTF-8
        assertEquals(invalid, pathError("%C3"));          // truncated sequence
        assertEquals(invalid, pathError("%C3x%A9"));      // sequence split by a literal
        assertEquals(invalid, pathError("%C0%80"));       // overlong NUL
        assertEquals(invalid, pathError("%E0%80%AF"));    // overlong '/'
        assertEquals(invalid, pathError("%ED%A0%80"));    // UTF-16 surrogate
        assertEquals(invalid, pathError("%F4%90%80%80")); // above U+10FFFF
        assertEquals(invalid, pathError("%80"));          // lone continuation byte
    }

    @Test
    void pathAcceptsUtf8Boundaries() {
        assertEquals("\u0080\u07FF\u0800\uD7FF\uE000\uFFFF\uD800\uDC00\uDBFF\uDFFF",
                PathDecoder.decodePath("%C2%80%DF%BF%E0%A0%80%ED%9F%BF%EE%80%80%EF%BF%BF%F0%90%80%80%F4%8F%BF%BF"));
    }

    @Test
    void queryTurnsPlusIntoSpace() {
        assertEquals("x y z", PathDecoder.decodeQuery("x+y%20z"));
    }

    @Test
    void queryKeepsMalformedPercentLiterally() {
        assertEquals("100% sure %zz %4", PathDecoder.decodeQuery("100%+sure+%zz+%4"));
        assertEquals("%", PathDecoder.decodeQuery("%"));
    }

    @Test
    void queryReplacesInvalidUtf8() {
        assertEquals("a\uFFFDb", PathDecoder.decodeQuery("a%FFb"));
        assertEquals("é\uFFFD", PathDecoder.decodeQuery("%C3%A9%C3"));
    }

    @Test
    void queryWithoutEscapesIsReturnedAsIs() {
        String s = "plain";
        assertSame(s, PathDecoder.decodeQuery(s));
    }
}

package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Http1ResponseParserTest {
    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\nx-a:  2 \r\n"
            + "Content-Length: 5\r\n\r\n";

    /** Feeds {@code text} as it would arrive split at {@code split}, sliced to the exact length. */
    private static ResponseHead parse(String text, int split) throws CodecException {
        byte[] all = text.getBytes(StandardCharsets.ISO_8859_1);
        Http1ResponseParser p = new Http1ResponseParser(4096, 64);
        if (split > 0 && split < all.length) {
            byte[] first = Arrays.copyOf(all, split);
            if (p.parse(first, 0, first.length) != 0) {
                throw new AssertionError("complete before the head was");
            }
        }
        assertEquals(all.length, p.parse(all, 0, all.length));
        return p.head();
    }

    @Test
    void parsesAHeadSplitAtEveryByte() throws Exception {
        for (int split = 0; split < HEAD.length(); split++) {
            ResponseHead h = parse(HEAD, split);
            assertEquals(200, h.status());
            assertEquals(1, h.minorVersion());
            assertEquals("text/plain", h.field("content-type"));
            assertEquals("1, 2", h.field("x-a"));
            assertEquals("5", h.field("content-length"));
        }
    }

    @Test
    void toleratesAStatusLineWithoutReasonPhrase() throws Exception {
        assertEquals(204, parse("HTTP/1.1 204\r\n\r\n", 0).status());
        assertEquals(404, parse("HTTP/1.0 404 \r\n\r\n", 0).status());
    }

    private static void rejects(String text) {
        assertThrows(CodecException.class, () -> {
            byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
            new Http1ResponseParser(4096, 64).parse(b, 0, b.length);
        }, text);
    }

    @Test
    void rejectsBareLf() {
        rejects("HTTP/1.1 200 OK\nContent-Length: 0\n\n");
        rejects("HTTP/1.1 200 OK\r\nA: b\n\r\n");
    }

    @Test
    void rejectsWhitespaceBeforeTheColon() {
        rejects("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n");
    }

    @Test
    void rejectsObsFold() {
        rejects("HTTP/1.1 200 OK\r\nA: b\r\n  c\r\n\r\n");
    }

    @Test
    void rejectsBadStatusLines() {
        rejects("HTTP/2.0 200 OK\r\n\r\n");
        rejects("HTTP/1.1 20 OK\r\n\r\n");
        rejects("HTTP/1.1 099 Low\r\n\r\n");
        rejects("HTTP/1.1 600 High\r\n\r\n");
        rejects("HTTP/1.1 200OK\r\n\r\n");
        rejects("SSH-2.0-OpenSSH_9.6\r\n");
    }

    @Test
    void rejectsControlCharactersInValues() {
        rejects("HTTP/1.1 200 OK\r\nA: b\u0000c\r\n\r\n");
    }

    @Test
    void rejectsAHeadOverTheCap() {
        byte[] b = ("HTTP/1.1 200 OK\r\nA: " + "x".repeat(5000) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        CodecException e = assertThrows(CodecException.class,
                () -> new Http1ResponseParser(4096, 64).parse(b, 0, b.length));
        assertEquals("response head exceeds 4096 bytes", e.getMessage());
    }
}

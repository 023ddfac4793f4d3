package dev.siphon.http.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.internal.RequestError;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Http1HeadParser} on well-formed heads: fed whole, split at every byte, a byte at a time,
 * and at an offset inside a larger buffer. Every buffer ends exactly where the input ends, so a
 * read past the received bytes throws instead of passing by luck.
 */
class Http1HeadParserTest {
    static final int MAX_HEAD_BYTES = 16384;
    static final int MAX_HEADER_COUNT = 100;

    /** A typical browser request (Firefox-like), 400-odd bytes, with padded OWS on one value. */
    static final String BROWSER_REQUEST = "GET /search/results?q=siphon+http&page=2 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=abc123; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "X-Custom-Thing: \t padded value \t\r\n"
            + "\r\n";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Http1HeadParser parser() {
        return new Http1HeadParser(MAX_HEAD_BYTES, MAX_HEADER_COUNT);
    }

    /** Parses input held in an array of exactly its length. */
    static int parseExact(Http1HeadParser p, byte[] input, int len, RequestHead head) throws RequestError {
        byte[] exact = Arrays.copyOf(input, len);
        return p.parse(exact, 0, len, head);
    }

    private static void assertBrowserHead(RequestHead h) {
        assertEquals("GET", h.method);
        assertEquals("/search/results?q=siphon+http&page=2", h.target());
        assertEquals("/search/results", h.path);
        assertEquals("q=siphon+http&page=2", h.query);
        assertEquals(11, h.version);
        assertEquals(9, h.headers.size());
        assertEquals("www.example.com", h.headers.get("host"));
        assertEquals("gzip, deflate, br", h.headers.get("accept-encoding"));
        assertEquals("session=abc123; theme=dark", h.headers.get("Cookie"));
        assertEquals("padded value", h.headers.get("x-custom-thing"), "OWS around the value is not part of it");
        assertEquals("upgrade-insecure-requests", h.headers.name(7), "names are lower-cased");
        assertEquals(-1, h.contentLength);
        assertFalse(h.chunked);
        assertFalse(h.hasBody());
        assertTrue(h.persistent());
    }

    @Test
    void splitsPathAndQueryAtTheFirstQuestionMarkAtEveryPosition() throws RequestError {
        // The target is scanned eight bytes at a time: put the '?' at every offset of a word.
        String letters = "/abcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 1; i <= letters.length(); i++) {
            String path = letters.substring(0, i);
            String query = letters.substring(i) + "?again";
            byte[] in = bytes("GET " + path + "?" + query + " HTTP/1.1\r\nHost: h\r\n\r\n");
            RequestHead head = new RequestHead();
            assertEquals(in.length, parseExact(parser(), in, in.length, head));
            assertEquals(path, head.path);
            assertEquals(query, head.query);
            in = bytes("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(in.length, parseExact(parser(), in, in.length, head));
            assertEquals(path, head.path);
            assertNull(head.query);
        }
    }

    @Test
    void parsesTypicalBrowserRequestWhole() throws RequestError {
        byte[] in = bytes(BROWSER_REQUEST);
        assertTrue(in.length > 300, "the sample is a realistic size");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertBrowserHead(head);
    }

    @Test
    void parsesTypicalBrowserRequestSplitAtEveryByte() throws RequestError {
        byte[] in = bytes(BROWSER_REQUEST);
        for (int split = 1; split < in.length; split++) {
            Http1HeadParser p = parser();
            RequestHead head = new RequestHead();
            assertEquals(0, parseExact(p, in, split, head), "prefix of " + split + " bytes is not a whole head");
            assertEquals(in.length, parseExact(p, in, in.length, head), "completed after a split at " + split);
            assertBrowserHead(head);
        }
    }

    @Test
    void parsesTypicalBrowserRequestSplitAtEveryByteAtAnOffset() throws RequestError {
        byte[] in = bytes(BROWSER_REQUEST);
        int off = 37; // as if an earlier pipelined request occupied the start of the buffer
        byte[] full = new byte[off + in.length];
        Arrays.fill(full, 0, off, (byte) 'Z');
        System.arraycopy(in, 0, full, off, in.length);
        for (int split = 1; split < in.length; split++) {
            Http1HeadParser p = parser();
            RequestHead head = new RequestHead();
            byte[] prefix = Arrays.copyOf(full, off + split);
            assertEquals(0, p.parse(prefix, off, prefix.length, head), "prefix of " + split + " bytes");
            assertEquals(in.length, p.parse(full, off, full.length, head), "completed after a split at " + split);
            assertBrowserHead(head);
        }
    }

    @Test
    void parsesTypicalBrowserRequestFedOneByteAtATime() throws RequestError {
        byte[] in = bytes(BROWSER_REQUEST);
        Http1HeadParser p = parser();
        RequestHead head = new RequestHead();
        for (int len = 1; len < in.length; len++) {
            assertEquals(0, parseExact(p, in, len, head), "after " + len + " bytes");
        }
        assertEquals(in.length, parseExact(p, in, in.length, head));
        assertBrowserHead(head);
    }

    @Test
    void consumesOnlyTheHeadAndLeavesTheBody() throws RequestError {
        String headText = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
        byte[] in = bytes(headText + "hello");
        for (int split = 1; split < headText.length(); split++) {
            Http1HeadParser p = parser();
            RequestHead head = new RequestHead();
            assertEquals(0, parseExact(p, in, split, head), "prefix of " + split + " bytes");
            assertEquals(headText.length(), parseExact(p, in, in.length, head), "split at " + split);
            assertEquals("POST", head.method);
            assertEquals(5, head.contentLength);
            assertTrue(head.expectContinue);
            assertTrue(head.hasBody());
        }
    }

    @Test
    void parsesSecondPipelinedHeadFromWhereTheFirstEnded() throws RequestError {
        String first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
        String second = "HEAD /b?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        byte[] in = bytes(first + second);
        Http1HeadParser p = parser();
        RequestHead head = new RequestHead();
        assertEquals(first.length(), p.parse(in, 0, in.length, head));
        assertEquals("/a", head.path);
        assertEquals(second.length(), p.parse(in, first.length(), in.length, head));
        assertEquals("HEAD", head.method);
        assertEquals("/b", head.path);
        assertEquals("x=1", head.query);
        assertFalse(head.persistent());
    }

    @Test
    void acceptsIdenticalRepeatedContentLengthFields() throws RequestError {
        byte[] in = bytes("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals(5, head.contentLength);
    }

    @Test
    void acceptsIdenticalContentLengthList() throws RequestError {
        byte[] in = bytes("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals(7, head.contentLength);
    }

    @Test
    void acceptsChunkedTransferEncodingInAnyCase() throws RequestError {
        byte[] in = bytes("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertTrue(head.chunked);
        assertEquals(-1, head.contentLength);
    }

    @Test
    void targetIsSpelledAsSentInEveryForm() throws RequestError {
        RequestHead head = new RequestHead(); // reused, as a connection does
        for (String[] c : new String[][] {
                {"GET", "http://h/p?q"}, {"GET", "/p?"}, {"GET", "/p?a=1?b"}, {"GET", "/"},
                {"OPTIONS", "*"}, {"GET", "HTTP://h"}, {"GET", "/x"}}) {
            byte[] in = bytes(c[0] + " " + c[1] + " HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n");
            assertEquals(in.length, parseExact(parser(), in, in.length, head));
            assertEquals(c[1], head.target());
            assertEquals("y", head.headers.get("x"));
        }
    }

    @Test
    void absoluteFormTargetRoutesOnItsPathAndQuery() throws RequestError {
        byte[] in = bytes("GET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals("http://h/p?q", head.target());
        assertEquals("/p", head.path);
        assertEquals("q", head.query);
    }

    @Test
    void absoluteFormTargetWithoutPathRoutesToRoot() throws RequestError {
        byte[] in = bytes("GET http://h:8080?a=/b HTTP/1.1\r\nHost: h\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals("/", head.path);
        assertEquals("a=/b", head.query);
    }

    @Test
    void skipsLeadingEmptyLinesBeforeRequestLine() throws RequestError {
        String text = "\r\n\r\nGET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n";
        byte[] in = bytes(text);
        for (int split = 1; split < in.length; split++) {
            Http1HeadParser p = parser();
            RequestHead head = new RequestHead();
            assertEquals(0, parseExact(p, in, split, head), "prefix of " + split + " bytes");
            assertEquals(in.length, parseExact(p, in, in.length, head), "consumed includes the empty lines");
            assertEquals("/hello/x", head.path);
        }
    }

    @Test
    void http10WithoutHostIsAccepted() throws RequestError {
        byte[] in = bytes("GET /x HTTP/1.0\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals(10, head.version);
        assertFalse(head.persistent(), "HTTP/1.0 persists only with keep-alive");
    }

    @Test
    void everyAuthorityFormIsAValidHost() throws RequestError {
        // RFC 9110 §7.2: Host = uri-host [ ":" port ]; RFC 9112 §3.2: empty when the target has no authority
        for (String host : new String[] {"", "a", "www.example.com:8080", "127.0.0.1", "127.0.0.1:1", "[::1]",
                "[::1]:8443", "[2001:db8::8:800:200c:417a]:0", "xn--bcher-kva.example", "a-b_c~d.e", "a%2Db",
                "sub!$&'()*+,;=delims", "h:", "h:65535", "H.Example.COM"}) {
            byte[] in = bytes("GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            RequestHead head = new RequestHead();
            assertEquals(in.length, parseExact(parser(), in, in.length, head), host);
            assertEquals(host, head.headers.get("host"));
        }
    }

    @Test
    void http10KeepAliveIsPersistent() throws RequestError {
        byte[] in = bytes("GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertTrue(head.persistent());
    }

    @Test
    void connectionCloseEndsPersistence() throws RequestError {
        byte[] in = bytes("GET /x HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertFalse(head.persistent());
    }

    @Test
    void headOfExactlyMaxHeaderBytesIsAccepted() throws RequestError {
        String start = "GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        int pad = 1000 - start.length() - 4;
        byte[] in = bytes(start + "p".repeat(pad) + "\r\n\r\n");
        assertEquals(1000, in.length);
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(new Http1HeadParser(1000, 10), in, in.length, head));
    }

    @Test
    void exactlyMaxHeaderCountFieldsAreAccepted() throws RequestError {
        StringBuilder sb = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i < 10; i++) {
            sb.append("X-F").append(i).append(": v\r\n");
        }
        byte[] in = bytes(sb.append("\r\n").toString());
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(new Http1HeadParser(MAX_HEAD_BYTES, 10), in, in.length, head));
        assertEquals(10, head.headers.size());
    }

    @Test
    void obsTextInFieldValueIsKept() throws RequestError {
        byte[] in = bytes("GET /x HTTP/1.1\r\nHost: a\r\nX-Latin: caf\u00e9\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals("caf\u00e9", head.headers.get("x-latin"));
    }

    @Test
    void nullQueryWhenTargetHasNoQuestionMark() throws RequestError {
        byte[] in = bytes("DELETE /items/7 HTTP/1.1\r\nHost: a\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(in.length, parseExact(parser(), in, in.length, head));
        assertEquals("DELETE", head.method);
        assertNull(head.query);
    }
}

package dev.siphon.http.h1;

import static dev.siphon.http.h1.Http1HeadParserTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.internal.RequestError;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link ChunkedDecoder} (RFC 9112 §7.1): the same body decodes identically whole, split at every
 * byte and a byte at a time; extensions and trailers are accepted and discarded; bytes after the
 * final CRLF are left for the next request; malformed framing and over-cap chunks are rejected.
 * Every buffer is exactly as long as the bytes it holds.
 */
class ChunkedDecoderTest {
    private static final int MAX_TRAILER_BYTES = 16384;
    private static final long CAP = 1 << 20;

    /** Three chunks with extensions (one quoted), a last-chunk with an extension, two trailers. */
    private static final String BODY = "4;ext=1\r\nWiki\r\n"
            + "5;a=b;c \t;q=\"x;y\"\r\npedia\r\n"
            + "E\r\n in\r\n\r\nchunks.\r\n"
            + "10\r\n0123456789abcdef\r\n"
            + "0;last=yes\r\n"
            + "X-Trailer: yes\r\n"
            + "Checksum: abc\r\n"
            + "\r\n";
    private static final String DECODED = "Wikipedia in\r\n\r\nchunks.0123456789abcdef";
    /** A pipelined request after the body: must stay unconsumed. */
    private static final String NEXT = "GET / HTTP/1.1\r\n";

    private static ChunkedDecoder decoder() {
        return new ChunkedDecoder(MAX_TRAILER_BYTES);
    }

    /**
     * Feeds b[from, to) in an exact-size copy; returns the number of bytes consumed. A rejection
     * is mapped as the server maps it ({@link RequestError#of}), so the statuses below are the
     * server's answers.
     */
    private static int feed(ChunkedDecoder d, byte[] b, int from, int to, BodyBuffer body) throws RequestError {
        byte[] exact = Arrays.copyOfRange(b, from, to);
        try {
            return d.decode(exact, 0, exact.length, body);
        } catch (CodecException e) {
            throw RequestError.of(e);
        }
    }

    @Test
    void decodesWholeBodyAndStopsAtItsEnd() throws RequestError {
        byte[] in = bytes(BODY + NEXT);
        ChunkedDecoder d = decoder();
        BodyBuffer body = BodyBuffer.growable(CAP);
        assertEquals(BODY.length(), feed(d, in, 0, in.length, body));
        assertTrue(d.done());
        assertArrayEquals(bytes(DECODED), body.toArray());
    }

    @Test
    void decodesBodySplitAtEveryByte() throws RequestError {
        byte[] in = bytes(BODY + NEXT);
        for (int split = 1; split < in.length; split++) {
            ChunkedDecoder d = decoder();
            BodyBuffer body = BodyBuffer.growable(CAP);
            int first = feed(d, in, 0, split, body);
            assertEquals(Math.min(split, BODY.length()), first, "consumed of the first " + split + " bytes");
            assertEquals(split >= BODY.length(), d.done(), "done after " + split + " bytes");
            if (!d.done()) {
                int second = feed(d, in, split, in.length, body);
                assertEquals(BODY.length() - split, second, "consumed of the rest after a split at " + split);
            }
            assertTrue(d.done(), "done after a split at " + split);
            assertArrayEquals(bytes(DECODED), body.toArray(), "body after a split at " + split);
        }
    }

    @Test
    void decodesBodyFedOneByteAtATime() throws RequestError {
        byte[] in = bytes(BODY);
        ChunkedDecoder d = decoder();
        BodyBuffer body = BodyBuffer.growable(CAP);
        for (int i = 0; i < in.length; i++) {
            assertFalse(d.done(), "done early, before byte " + i);
            assertEquals(1, feed(d, in, i, i + 1, body), "byte " + i + " consumed");
        }
        assertTrue(d.done());
        assertArrayEquals(bytes(DECODED), body.toArray());
    }

    @Test
    void decodesEmptyBody() throws RequestError {
        byte[] in = bytes("0\r\n\r\n");
        ChunkedDecoder d = decoder();
        BodyBuffer body = BodyBuffer.growable(CAP);
        assertEquals(in.length, feed(d, in, 0, in.length, body));
        assertTrue(d.done());
        assertEquals(0, body.toArray().length);
    }

    @Test
    void acceptsUpperAndLowerCaseHexSizes() throws RequestError {
        String data = "x".repeat(0xAb);
        byte[] in = bytes("aB\r\n" + data + "\r\n0\r\n\r\n");
        ChunkedDecoder d = decoder();
        BodyBuffer body = BodyBuffer.growable(CAP);
        assertEquals(in.length, feed(d, in, 0, in.length, body));
        assertArrayEquals(bytes(data), body.toArray());
    }

    private static RequestError rejection(String body, long cap) {
        byte[] in = bytes(body);
        return assertThrows(RequestError.class, () -> feed(decoder(), in, 0, in.length, BodyBuffer.growable(cap)),
                () -> "expected a rejection of " + Http1HeadParserRejectionTest.printable(body));
    }

    /** Rejected with {@code status} whole, and when fed a byte at a time. */
    private static void assertRejected(String body, long cap, int status) {
        assertEquals(status, rejection(body, cap).status(), "whole");
        byte[] in = bytes(body);
        ChunkedDecoder d = decoder();
        BodyBuffer buf = BodyBuffer.growable(cap);
        RequestError e = assertThrows(RequestError.class, () -> {
            for (int i = 0; i < in.length; i++) {
                feed(d, in, i, i + 1, buf);
            }
        }, "byte at a time");
        assertEquals(status, e.status(), "byte at a time");
    }

    /** RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val a token or quoted-string. */
    @Test
    void rejectsChunkExtensionsOutsideTheGrammar() {
        for (String ext : new String[] {
                ";", ";=v", "; ;a", ";a=", ";a= ", ";a b", ";a=b c", ";a=\"x", ";a=\"x\\", ";a=\"x\"y",
                ";a=b\"", ";a@b", ";a=b@", ";a=(b)", ";a=\"x\ty\u0001\"", "x", " x", ";a=\"x\ry\""}) {
            assertRejected("5" + ext + "\r\nhello\r\n0\r\n\r\n", CAP, 400);
        }
    }

    @Test
    void acceptsChunkExtensionsOfTheGrammar() throws RequestError {
        for (String ext : new String[] {
                ";a", " ;a", "; a", ";a ", ";a=b", ";a = b", ";a=b;c=d", ";a=\"\"", ";a=\"x;y=z\"", ";a=\"x\\\"y\"",
                ";a=\"tab\there\"", ";a=\"\u00e9\"", ";a=\"x\" ;b", ";!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~"}) {
            byte[] in = ("5" + ext + "\r\nhello\r\n0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int split = 1; split < in.length; split++) {
                ChunkedDecoder d = decoder();
                BodyBuffer body = BodyBuffer.growable(CAP);
                int n = feed(d, in, 0, split, body);
                n += feed(d, in, n, in.length, body);
                assertTrue(d.done(), ext);
                assertArrayEquals(bytes("hello"), body.toArray(), ext);
            }
        }
    }

    @Test
    void rejectsBareLfAfterChunkSize() {
        assertRejected("5\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsBareLfAfterChunkExtension() {
        assertRejected("5;a=b\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsCrWithoutLfAfterChunkSize() {
        assertRejected("5\rhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsBareLfAfterChunkData() {
        assertRejected("5\r\nhello\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsMissingCrlfAfterChunkData() {
        assertRejected("5\r\nhelloX\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsBareLfEndingLastChunk() {
        assertRejected("5\r\nhello\r\n0\n\r\n", CAP, 400);
    }

    @Test
    void rejectsBareLfEndingTrailerSection() {
        assertRejected("5\r\nhello\r\n0\r\n\n", CAP, 400);
    }

    @Test
    void rejectsBareLfInTrailerLine() {
        assertRejected("5\r\nhello\r\n0\r\nX-T: a\n\r\n", CAP, 400);
    }

    @Test
    void rejectsNonHexChunkSize() {
        assertRejected("zz\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsMissingChunkSize() {
        assertRejected("\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsSignedChunkSize() {
        assertRejected("+5\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsHexPrefixedChunkSize() {
        assertRejected("0x5\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsChunkSizeWithTooManyDigits() {
        assertRejected("0000000000000005\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void rejectsControlCharacterInChunkExtension() {
        assertRejected("5;a=\u0001\r\nhello\r\n0\r\n\r\n", CAP, 400);
    }

    @Test
    void answers413ForChunkSizeOverBodyCapBeforeItsData() {
        // Only the size line: the cap is enforced before any data is accepted.
        assertRejected("401\r\n", 1024, 413);
    }

    @Test
    void answers413WhenChunksTogetherExceedBodyCap() {
        String chunk = "200\r\n" + "a".repeat(0x200) + "\r\n";
        assertRejected(chunk + chunk + "1\r\n", 1024, 413);
    }

    @Test
    void acceptsBodyOfExactlyTheCap() throws RequestError {
        String chunk = "200\r\n" + "a".repeat(0x200) + "\r\n";
        byte[] in = bytes(chunk + chunk + "0\r\n\r\n");
        ChunkedDecoder d = decoder();
        BodyBuffer body = BodyBuffer.growable(1024);
        assertEquals(in.length, feed(d, in, 0, in.length, body));
        assertEquals(1024, body.toArray().length);
    }

    @Test
    void answers431ForTrailerSectionOverLimit() {
        byte[] in = bytes("0\r\nX-T: " + "t".repeat(100) + "\r\n\r\n");
        ChunkedDecoder d = new ChunkedDecoder(64);
        RequestError e = assertThrows(RequestError.class,
                () -> feed(d, in, 0, in.length, BodyBuffer.growable(CAP)));
        assertEquals(431, e.status());
    }
}

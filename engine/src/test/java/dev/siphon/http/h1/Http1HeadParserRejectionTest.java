package dev.siphon.http.h1;

import static dev.siphon.http.h1.Http1HeadParserTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.internal.RequestError;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each malformed head gets its documented status from {@link Http1HeadParser}, however the bytes
 * are split: a prefix either needs more bytes or already fails with the same status, and the
 * whole input fails with it. Buffers are sliced to the exact input length.
 */
class Http1HeadParserRejectionTest {

    private static void assertRejected(MalformedRequests.Case c) {
        assertRejected(c.request(), c.status(), Http1HeadParserTest.MAX_HEAD_BYTES,
                Http1HeadParserTest.MAX_HEADER_COUNT);
    }

    private static void assertRejected(String request, int status, int maxHeadBytes, int maxHeaderCount) {
        byte[] in = bytes(request);
        RequestError whole = assertThrows(RequestError.class,
                () -> new Http1HeadParser(maxHeadBytes, maxHeaderCount).parse(Arrays.copyOf(in, in.length), 0,
                        in.length, new RequestHead()),
                () -> "expected " + status + " for " + printable(request));
        assertEquals(status, whole.status(), () -> "status for " + printable(request) + " (" + whole.getMessage() + ")");
        for (int split = 1; split < in.length; split++) {
            Http1HeadParser p = new Http1HeadParser(maxHeadBytes, maxHeaderCount);
            RequestHead head = new RequestHead();
            try {
                int n = p.parse(Arrays.copyOf(in, split), 0, split, head);
                assertEquals(0, n, "a prefix of " + split + " bytes completed a malformed head");
            } catch (RequestError early) {
                assertEquals(status, early.status(), "early rejection of a " + split + "-byte prefix");
                continue;
            }
            int s = split;
            RequestError e = assertThrows(RequestError.class,
                    () -> p.parse(Arrays.copyOf(in, in.length), 0, in.length, head),
                    () -> "expected " + status + " after a split at " + s);
            assertEquals(status, e.status(), "status after a split at " + split);
        }
    }

    static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
    }

    @Test
    void rejectsInvalidTargetByteAtEveryPosition() {
        // The target is scanned eight bytes at a time: put the bad byte at every offset of a word.
        String target = "/abcdefghijklmnopqrstuvw?x=1&y=2";
        for (char bad : new char[] {'\u0000', '\t', '\u007F', '\u0080', '\u00FF'}) {
            for (int i = 1; i < target.length(); i++) {
                String t = target.substring(0, i) + bad + target.substring(i);
                byte[] in = bytes("GET " + t + " HTTP/1.1\r\nHost: h\r\n\r\n");
                RequestError e = assertThrows(RequestError.class,
                        () -> new Http1HeadParser(16384, 100).parse(in, 0, in.length, new RequestHead()),
                        () -> printable(t));
                assertEquals(400, e.status(), () -> printable(t));
            }
        }
    }

    @Test
    void rejectsBareLfInRequestLine() {
        assertRejected(MalformedRequests.BARE_LF_IN_REQUEST_LINE);
    }

    @Test
    void rejectsHeadTerminatedOnlyByBareLfs() {
        // Every line, including the request-line, ends in a bare LF: the head can never become valid,
        // so it must be answered 400 once buffered, not held until the header timeout.
        assertRejected(MalformedRequests.BARE_LF_ONLY_HEAD);
    }

    @Test
    void rejectsBareLfInHeaderLine() {
        assertRejected(MalformedRequests.BARE_LF_IN_HEADER);
    }

    @Test
    void rejectsBareCrInHeaderLine() {
        assertRejected(MalformedRequests.BARE_CR_IN_HEADER);
    }

    @Test
    void rejectsBareLfBeforeRequestLine() {
        assertRejected("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, 16384, 100);
    }

    @Test
    void rejectsWhitespaceBetweenFieldNameAndColon() {
        assertRejected(MalformedRequests.WHITESPACE_BEFORE_COLON);
    }

    @Test
    void rejectsObsFold() {
        assertRejected(MalformedRequests.OBS_FOLD);
    }

    @Test
    void rejectsNulInFieldValue() {
        assertRejected(MalformedRequests.NUL_IN_VALUE);
    }

    @Test
    void rejectsControlCharacterInFieldValue() {
        assertRejected(MalformedRequests.CTL_IN_VALUE);
    }

    @Test
    void rejectsDelInFieldValue() {
        assertRejected(MalformedRequests.DEL_IN_VALUE);
    }

    @Test
    void rejectsContentLengthWithTransferEncoding() {
        assertRejected(MalformedRequests.CONTENT_LENGTH_AND_TRANSFER_ENCODING);
    }

    @Test
    void rejectsTransferEncodingWithContentLength() {
        assertRejected(MalformedRequests.TRANSFER_ENCODING_AND_CONTENT_LENGTH);
    }

    @Test
    void rejectsConflictingContentLengthFields() {
        assertRejected(MalformedRequests.CONFLICTING_CONTENT_LENGTHS);
    }

    @Test
    void rejectsConflictingContentLengthList() {
        assertRejected(MalformedRequests.CONFLICTING_CONTENT_LENGTH_LIST);
    }

    @Test
    void rejectsNonNumericContentLength() {
        assertRejected(MalformedRequests.NON_NUMERIC_CONTENT_LENGTH);
    }

    @Test
    void rejectsHexContentLength() {
        assertRejected(MalformedRequests.HEX_CONTENT_LENGTH);
    }

    @Test
    void rejectsNegativeContentLength() {
        assertRejected(MalformedRequests.NEGATIVE_CONTENT_LENGTH);
    }

    @Test
    void rejectsPlusSignedContentLength() {
        assertRejected(MalformedRequests.PLUS_SIGNED_CONTENT_LENGTH);
    }

    @Test
    void rejectsEmptyContentLength() {
        assertRejected(MalformedRequests.EMPTY_CONTENT_LENGTH);
    }

    @Test
    void rejectsOverlongContentLength() {
        assertRejected(MalformedRequests.OVERLONG_CONTENT_LENGTH);
    }

    @Test
    void answers501ForGzipThenChunked() {
        assertRejected(MalformedRequests.GZIP_THEN_CHUNKED);
    }

    @Test
    void rejectsChunkedThenGzip() {
        assertRejected(MalformedRequests.CHUNKED_THEN_GZIP);
    }

    @Test
    void rejectsChunkedRepeated() {
        assertRejected(MalformedRequests.CHUNKED_TWICE);
    }

    @Test
    void rejectsTransferEncodingWithoutChunked() {
        assertRejected("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400, 16384, 100);
    }

    @Test
    void rejectsTransferEncodingInHttp10() {
        assertRejected(MalformedRequests.TRANSFER_ENCODING_IN_HTTP10);
    }

    @Test
    void rejectsHttp11WithoutHost() {
        assertRejected(MalformedRequests.MISSING_HOST);
    }

    @Test
    void rejectsTwoHostFields() {
        assertRejected(MalformedRequests.TWO_HOSTS);
    }

    @Test
    void rejectsHostThatIsNoAuthority() {
        for (MalformedRequests.Case c : List.of(MalformedRequests.HOST_WITH_USERINFO, MalformedRequests.HOST_WITH_SPACE,
                MalformedRequests.HOST_WITH_PATH, MalformedRequests.HOST_WITH_BAD_PORT,
                MalformedRequests.HOST_WITH_NON_NUMERIC_PORT, MalformedRequests.HOST_WITH_UNCLOSED_BRACKET,
                MalformedRequests.HOST_WITH_EMPTY_NAME, MalformedRequests.HOST_WITH_OBS_TEXT,
                MalformedRequests.HOST_WITH_BAD_PERCENT, MalformedRequests.HTTP10_HOST_WITH_USERINFO)) {
            assertRejected(c);
        }
    }

    @Test
    void answers505ForHttp20RequestLine() {
        assertRejected(MalformedRequests.HTTP20_REQUEST_LINE);
    }

    @Test
    void answers505ForHttp30RequestLine() {
        assertRejected(MalformedRequests.HTTP30_REQUEST_LINE);
    }

    @Test
    void rejectsMalformedVersion() {
        assertRejected(MalformedRequests.MALFORMED_VERSION);
    }

    @Test
    void rejectsWhitespaceInRequestTarget() {
        assertRejected(MalformedRequests.SPACE_IN_TARGET);
    }

    @Test
    void answers417ForUnknownExpectation() {
        assertRejected(MalformedRequests.UNKNOWN_EXPECTATION);
    }

    @Test
    void answers431ForHeadOverMaxHeaderBytes() {
        String start = "GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        String request = start + "p".repeat(1001 - start.length() - 4) + "\r\n\r\n";
        assertEquals(1001, request.length());
        assertRejected(request, 431, 1000, 100);
    }

    @Test
    void answers431ForUnfinishedHeadOverMaxHeaderBytes() {
        // The end of the head never arrives: the parser must stop buffering at the limit.
        byte[] in = bytes("GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: " + "p".repeat(2000));
        Http1HeadParser p = new Http1HeadParser(1000, 100);
        RequestHead head = new RequestHead();
        for (int len = 1; len <= in.length; len++) {
            try {
                assertEquals(0, p.parse(Arrays.copyOf(in, len), 0, len, head), "after " + len + " bytes");
            } catch (RequestError e) {
                assertEquals(431, e.status());
                assertEquals(1001, len, "rejected as soon as the limit is passed");
                return;
            }
        }
        fail("never rejected");
    }

    @Test
    void answers431ForMoreFieldsThanMaxHeaderCount() {
        StringBuilder sb = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i <= 10; i++) {
            sb.append("X-F").append(i).append(": v\r\n");
        }
        assertRejected(sb.append("\r\n").toString(), 431, 16384, 10);
    }

    @Test
    void rejectsAsteriskFormForOtherMethodsThanOptions() {
        assertRejected("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, 16384, 100);
    }

    @Test
    void rejectsEmptyMethod() {
        assertRejected(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400, 16384, 100);
    }
}

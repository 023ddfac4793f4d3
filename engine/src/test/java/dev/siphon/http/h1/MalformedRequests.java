package dev.siphon.http.h1;

import java.util.List;

/**
 * Malformed request heads and the status each must get (RFC 9112, RFC 9110), shared by the
 * parser-level tests and the over-the-socket tests. Every request is otherwise valid, so the
 * named fault is the only reason to reject it.
 */
public final class MalformedRequests {
    private MalformedRequests() {}

    /** One malformed request: a name saying what it proves, the raw bytes (ISO-8859-1), the status. */
    public record Case(String name, String request, int status) {
        @Override
        public String toString() {
            return name + " -> " + status;
        }
    }

    // RFC 9112 §2.2: a bare LF as line terminator is rejected (strict by default).
    public static final Case BARE_LF_IN_REQUEST_LINE = new Case("bareLfInRequestLine",
            "GET /hello/a HTTP/1.1\nHost: a\r\n\r\n", 400);
    /** The whole head terminated by bare LFs, as netcat or a smuggling probe sends it. */
    public static final Case BARE_LF_ONLY_HEAD = new Case("bareLfOnlyHead",
            "GET /hello/a HTTP/1.1\nHost: a\n\n", 400);
    public static final Case BARE_LF_IN_HEADER = new Case("bareLfInHeaderLine",
            "GET /hello/a HTTP/1.1\r\nHost: a\nX-Other: b\r\n\r\n", 400);
    public static final Case BARE_CR_IN_HEADER = new Case("bareCrInHeaderLine",
            "GET /hello/a HTTP/1.1\r\nHost: a\rX-Other: b\r\n\r\n", 400);
    // RFC 9112 §5.1: no whitespace between field name and colon.
    public static final Case WHITESPACE_BEFORE_COLON = new Case("whitespaceBetweenFieldNameAndColon",
            "GET /hello/a HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    // RFC 9112 §5.2: obs-fold in a request -> 400.
    public static final Case OBS_FOLD = new Case("obsFold",
            "GET /hello/a HTTP/1.1\r\nHost: a\r\nX-Long: part one\r\n  part two\r\n\r\n", 400);
    // RFC 9110 §5.5: NUL and other CTLs are invalid in field values.
    public static final Case NUL_IN_VALUE = new Case("nulInFieldValue",
            "GET /hello/a HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n", 400);
    public static final Case CTL_IN_VALUE = new Case("ctlInFieldValue",
            "GET /hello/a HTTP/1.1\r\nHost: a\r\nX-A: b\u0001c\r\n\r\n", 400);
    public static final Case DEL_IN_VALUE = new Case("delInFieldValue",
            "GET /hello/a HTTP/1.1\r\nHost: a\r\nX-A: b\u007Fc\r\n\r\n", 400);
    // RFC 9112 §6.3 (3): both framings -> reject (no request smuggling).
    public static final Case CONTENT_LENGTH_AND_TRANSFER_ENCODING = new Case("contentLengthWithTransferEncoding",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    public static final Case TRANSFER_ENCODING_AND_CONTENT_LENGTH = new Case("transferEncodingWithContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400);
    // RFC 9112 §6.3 (5): differing Content-Length values -> 400.
    public static final Case CONFLICTING_CONTENT_LENGTHS = new Case("conflictingContentLengthFields",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
    public static final Case CONFLICTING_CONTENT_LENGTH_LIST = new Case("conflictingContentLengthList",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400);
    public static final Case NON_NUMERIC_CONTENT_LENGTH = new Case("nonNumericContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\n", 400);
    public static final Case HEX_CONTENT_LENGTH = new Case("hexContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400);
    public static final Case NEGATIVE_CONTENT_LENGTH = new Case("negativeContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
    public static final Case PLUS_SIGNED_CONTENT_LENGTH = new Case("plusSignedContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400);
    public static final Case EMPTY_CONTENT_LENGTH = new Case("emptyContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400);
    public static final Case OVERLONG_CONTENT_LENGTH = new Case("overlongContentLength",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400);
    // RFC 9112 §6.1: a coding other than chunked is not implemented -> 501.
    public static final Case GZIP_THEN_CHUNKED = new Case("transferEncodingGzipChunked",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    // RFC 9112 §6.3 (4): chunked not last -> the length cannot be determined -> 400.
    public static final Case CHUNKED_THEN_GZIP = new Case("transferEncodingChunkedGzip",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
    public static final Case CHUNKED_TWICE = new Case("transferEncodingChunkedTwice",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 -> faulty framing.
    public static final Case TRANSFER_ENCODING_IN_HTTP10 = new Case("transferEncodingInHttp10",
            "POST /echo HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1.
    public static final Case MISSING_HOST = new Case("http11WithoutHost",
            "GET /hello/a HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
    public static final Case TWO_HOSTS = new Case("twoHostFields",
            "GET /hello/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    // RFC 9112 §3.2: a Host field with an invalid value -> 400. Host = uri-host [ ":" port ] (RFC 9110 §7.2).
    public static final Case HOST_WITH_USERINFO = new Case("hostWithUserinfo",
            "GET /hello/a HTTP/1.1\r\nHost: user@a\r\n\r\n", 400);
    public static final Case HOST_WITH_SPACE = new Case("hostWithSpace",
            "GET /hello/a HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
    public static final Case HOST_WITH_PATH = new Case("hostWithPath",
            "GET /hello/a HTTP/1.1\r\nHost: a/evil\r\n\r\n", 400);
    public static final Case HOST_WITH_BAD_PORT = new Case("hostWithPortOver65535",
            "GET /hello/a HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400);
    public static final Case HOST_WITH_NON_NUMERIC_PORT = new Case("hostWithNonNumericPort",
            "GET /hello/a HTTP/1.1\r\nHost: a:b\r\n\r\n", 400);
    public static final Case HOST_WITH_UNCLOSED_BRACKET = new Case("hostWithUnclosedIpLiteral",
            "GET /hello/a HTTP/1.1\r\nHost: [::1\r\n\r\n", 400);
    public static final Case HOST_WITH_EMPTY_NAME = new Case("hostWithPortButNoName",
            "GET /hello/a HTTP/1.1\r\nHost: :80\r\n\r\n", 400);
    public static final Case HOST_WITH_OBS_TEXT = new Case("hostWithObsText",
            "GET /hello/a HTTP/1.1\r\nHost: caf\u00e9.example\r\n\r\n", 400);
    public static final Case HOST_WITH_BAD_PERCENT = new Case("hostWithIncompletePercentEncoding",
            "GET /hello/a HTTP/1.1\r\nHost: a%2\r\n\r\n", 400);
    public static final Case HTTP10_HOST_WITH_USERINFO = new Case("http10HostWithUserinfo",
            "GET /hello/a HTTP/1.0\r\nHost: user@a\r\n\r\n", 400);
    // RFC 9110 §6.2 / §15.6.6: a major version we do not speak on this framing -> 505.
    public static final Case HTTP20_REQUEST_LINE = new Case("http20VersionInRequestLine",
            "GET /hello/a HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    public static final Case HTTP30_REQUEST_LINE = new Case("http30VersionInRequestLine",
            "GET /hello/a HTTP/3.0\r\nHost: a\r\n\r\n", 505);
    public static final Case MALFORMED_VERSION = new Case("malformedVersion",
            "GET /hello/a HTTP/1.1x\r\nHost: a\r\n\r\n", 400);
    public static final Case SPACE_IN_TARGET = new Case("whitespaceInRequestTarget",
            "GET /hello/a b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    // RFC 9110 §10.1.1: an expectation other than 100-continue -> 417.
    public static final Case UNKNOWN_EXPECTATION = new Case("expectOtherThan100Continue",
            "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\n", 417);

    /** Every case above, in declaration order. */
    public static List<Case> all() {
        return List.of(BARE_LF_IN_REQUEST_LINE, BARE_LF_ONLY_HEAD, BARE_LF_IN_HEADER, BARE_CR_IN_HEADER,
                WHITESPACE_BEFORE_COLON, OBS_FOLD, NUL_IN_VALUE, CTL_IN_VALUE, DEL_IN_VALUE,
                CONTENT_LENGTH_AND_TRANSFER_ENCODING, TRANSFER_ENCODING_AND_CONTENT_LENGTH,
                CONFLICTING_CONTENT_LENGTHS, CONFLICTING_CONTENT_LENGTH_LIST, NON_NUMERIC_CONTENT_LENGTH,
                HEX_CONTENT_LENGTH, NEGATIVE_CONTENT_LENGTH, PLUS_SIGNED_CONTENT_LENGTH, EMPTY_CONTENT_LENGTH,
                OVERLONG_CONTENT_LENGTH, GZIP_THEN_CHUNKED, CHUNKED_THEN_GZIP, CHUNKED_TWICE,
                TRANSFER_ENCODING_IN_HTTP10, MISSING_HOST, TWO_HOSTS, HOST_WITH_USERINFO, HOST_WITH_SPACE,
                HOST_WITH_PATH, HOST_WITH_BAD_PORT, HOST_WITH_NON_NUMERIC_PORT, HOST_WITH_UNCLOSED_BRACKET,
                HOST_WITH_EMPTY_NAME, HOST_WITH_OBS_TEXT, HOST_WITH_BAD_PERCENT, HTTP10_HOST_WITH_USERINFO,
                HTTP20_REQUEST_LINE, HTTP30_REQUEST_LINE,
                MALFORMED_VERSION, SPACE_IN_TARGET, UNKNOWN_EXPECTATION);
    }
}

package dev.siphon.http.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.siphon.http.Headers;
import dev.siphon.http.SplitInput;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.internal.RequestError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Fuzzes {@link Http1HeadParser} the way a connection drives it: heads, their bodies
 * (Content-Length or {@link ChunkedDecoder}) and the next pipelined head, the bytes arriving in
 * the pieces a {@link SplitInput} chooses, each read handed over in an exact-length buffer after
 * the unconsumed rest (as the read buffer is compacted), optionally behind junk octets. Corpus:
 * {@code Http1HeadParserFuzzTestInputs/parse} (valid requests of every kind, the rejections of
 * {@code MalformedRequests}).
 *
 * <p>Invariants:
 * <ul>
 *   <li>only {@link RequestError} is thrown, with a 4xx or 5xx status;</li>
 *   <li>the events (heads, bodies, the error or where the bytes ran out) are the same whole and
 *       split, except that a faulty head arriving in pieces may be refused for another fault or
 *       later (see {@link #parse}); never is it accepted one way and refused the other;</li>
 *   <li>a head is at most max_header_bytes (after up to 8 empty lines), has a token method, an
 *       origin-form or {@code *} path without CTLs, SP or non-ASCII, version 1.0 or 1.1, at most
 *       max_header_count fields, lower-case token names, values of RFC 9110 §5.5 characters with
 *       no OWS at either end, one Host on 1.1, never Content-Length with chunked;</li>
 *   <li>the fields equal those of a plain reference split of the head on CRLF and ':';</li>
 *   <li>a head still waiting for more bytes holds no bare CR or LF (RFC 9112 §2.2).</li>
 * </ul>
 */
class Http1HeadParserFuzzTest {
    private static final int[] HEAD_LIMITS = {16384, 64, 300, 1024};
    private static final long MAX_BODY = 1 << 16;
    private static final byte[] JUNK = "\n\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    @FuzzTest(maxDuration = "10m")
    @DictionaryFile(resourcePath = "http1.dict")
    void parse(byte[] input) {
        SplitInput in = SplitInput.of(input);
        int maxHead = HEAD_LIMITS[(in.options() >> 1) & 3];
        int maxCount = in.option(3) ? 3 : 100;
        byte[] junk = in.option(0) ? JUNK : new byte[0];
        List<String> whole = new Session(maxHead, maxCount, junk).run(in.payload(), new int[] {in.payload().length});
        List<String> split = new Session(maxHead, maxCount, junk).run(in.payload(), in.cuts());
        if (!whole.equals(split)) {
            // A head that arrives in pieces is checked line by line only until the first read ends;
            // later reads are scanned for its end, bare CRs and LFs, and the size limit, and the
            // lines are parsed once it is all there. So a faulty head may be refused for another
            // fault (the limit: 431), or be still waiting when the input ends (its limit or
            // header_timeout_ms ends it then). Never is a head accepted one way and refused the other.
            int last = whole.size() - 1;
            boolean laterOrOtherFault = whole.size() == split.size()
                    && whole.subList(0, last).equals(split.subList(0, last)) && whole.get(last).startsWith("error ")
                    && (split.get(last).startsWith("error ") || split.get(last).startsWith("end in head "));
            assertTrue(laterOrOtherFault, "whole " + whole + "\nsplit " + split);
        }
    }

    /** The connection's read loop, cut down to parsing: head, body, next head. */
    private static final class Session {
        private final Http1HeadParser parser;
        private final int maxHead;
        private final int maxCount;
        private final byte[] junk;
        private final RequestHead head = new RequestHead();
        private final List<String> events = new ArrayList<>();
        private String state = "head";
        private long remaining;
        private BodyBuffer body;
        private ChunkedDecoder chunked;

        Session(int maxHead, int maxCount, byte[] junk) {
            this.parser = new Http1HeadParser(maxHead, maxCount);
            this.maxHead = maxHead;
            this.maxCount = maxCount;
            this.junk = junk;
        }

        List<String> run(byte[] payload, int[] cuts) {
            byte[] pending = new byte[0];
            int from = 0;
            try {
                for (int cut : cuts) {
                    byte[] buf = new byte[junk.length + pending.length + cut - from];
                    System.arraycopy(junk, 0, buf, 0, junk.length);
                    System.arraycopy(pending, 0, buf, junk.length, pending.length);
                    System.arraycopy(payload, from, buf, junk.length + pending.length, cut - from);
                    from = cut;
                    int p = read(buf, junk.length);
                    pending = Arrays.copyOfRange(buf, p, buf.length);
                }
                if (state.equals("head")) {
                    assertNoBareCrOrLf(pending);
                }
                events.add("end in " + state + " with " + pending.length + " unconsumed");
            } catch (RequestError e) {
                assertTrue(e.status() >= 400 && e.status() <= 599, "status " + e.status());
                events.add("error " + e.status());
            }
            return events;
        }

        /** Consumes what it can of {@code b[p, b.length)}; returns the first unconsumed index. */
        private int read(byte[] b, int p) throws RequestError {
            int end = b.length;
            while (p < end) {
                switch (state) {
                    case "head" -> {
                        int n = parser.parse(b, p, end, head);
                        if (n == 0) {
                            return p;
                        }
                        assertTrue(n > 0 && n <= end - p, "consumed " + n + " of " + (end - p));
                        check(b, p, n);
                        p += n;
                        if (head.chunked) {
                            body = BodyBuffer.growable(MAX_BODY);
                            chunked = new ChunkedDecoder(maxHead);
                            state = "chunked body";
                        } else if (head.contentLength > 0) {
                            if (head.contentLength > MAX_BODY) {
                                throw new RequestError(413, "Content-Length exceeds max_body_bytes");
                            }
                            body = BodyBuffer.growable(head.contentLength);
                            remaining = head.contentLength;
                            state = "body";
                        } else {
                            events.add("body 0");
                        }
                    }
                    case "body" -> {
                        int take = (int) Math.min(remaining, end - p);
                        try {
                            body.append(b, p, take);
                        } catch (CodecException e) {
                            throw RequestError.of(e); // as the server answers it
                        }
                        p += take;
                        remaining -= take;
                        if (remaining == 0) {
                            bodyDone();
                        }
                    }
                    case "chunked body" -> {
                        int q;
                        try {
                            q = chunked.decode(b, p, end, body);
                        } catch (CodecException e) {
                            throw RequestError.of(e); // as the server answers it
                        }
                        assertTrue(q >= p && q <= end, "chunked consumed within the read");
                        p = q;
                        if (chunked.done()) {
                            bodyDone();
                        } else {
                            assertEquals(end, p, "a chunked body stops early only when done");
                        }
                    }
                    default -> throw new IllegalStateException(state);
                }
            }
            return p;
        }

        /** RFC 9112 §2.2: a head still waiting for more holds no bare CR or LF (it would be refused). */
        private static void assertNoBareCrOrLf(byte[] b) {
            for (int i = 0; i < b.length; i++) {
                assertTrue(b[i] != '\n' || (i > 0 && b[i - 1] == '\r'), "a waiting head holds a bare LF at " + i);
                assertTrue(b[i] != '\r' || i + 1 == b.length || b[i + 1] == '\n', "a waiting head holds a bare CR at " + i);
            }
        }

        private void bodyDone() {
            byte[] data = body.toArray();
            events.add("body " + data.length + " " + Arrays.hashCode(data));
            state = "head";
        }

        /** The invariants of one parsed head at {@code b[p, p + n)}. */
        private void check(byte[] b, int p, int n) {
            int start = p;
            while (start + 1 < p + n && b[start] == '\r' && b[start + 1] == '\n') {
                start += 2;
            }
            assertTrue(start - p <= 2 * Http1HeadParser.MAX_LEADING_EMPTY_LINES, "leading empty lines");
            assertTrue(p + n - start <= maxHead, "head of " + (p + n - start) + " octets within " + maxHead);
            String text = new String(b, start, p + n - start, StandardCharsets.ISO_8859_1);
            assertTrue(text.endsWith("\r\n\r\n"), "a head ends with an empty line");
            String[] lines = text.substring(0, text.length() - 4).split("\r\n", -1);

            // The request-line, by a plain split.
            String[] parts = lines[0].split(" ", -1);
            assertEquals(3, parts.length, "request-line " + lines[0]);
            assertEquals(parts[0], head.method);
            assertTrue(isToken(head.method), "method is a token");
            assertEquals(parts[1], head.target(), "target");
            assertEquals(parts[2].equals("HTTP/1.0") ? 10 : 11, head.version, "version " + parts[2]);
            assertTrue(parts[2].matches("HTTP/1\\.[0-9]"), "version " + parts[2]);
            String path = head.path;
            assertTrue(path.equals("*") ? head.method.equals("OPTIONS") : path.startsWith("/"), "path " + path);
            assertTrue(plainTarget(path) && path.indexOf('?') < 0, "path " + path);
            assertTrue(head.query == null || plainTarget(head.query), "query " + head.query);

            // The fields, by a plain split on the first ':'. RFC 9112 §3.2.2: with an absolute-form
            // target, the target's authority replaces the Host received (the field moves to the end).
            Headers headers = head.headers;
            boolean absolute = head.absoluteTarget != null;
            List<String> expected = new ArrayList<>();
            int hosts = 0;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
                hosts += name.equals("host") ? 1 : 0;
                if (!(absolute && name.equals("host"))) {
                    expected.add(name + ": " + lines[i].substring(colon + 1).strip());
                }
            }
            List<String> actual = new ArrayList<>();
            assertTrue(headers.size() <= maxCount, "field count within " + maxCount);
            for (int i = 0; i < headers.size(); i++) {
                String name = headers.name(i);
                String value = headers.value(i);
                assertTrue(isToken(name) && name.equals(name.toLowerCase(Locale.ROOT)), "name " + name);
                assertTrue(value.isEmpty() || (!ows(value.charAt(0)) && !ows(value.charAt(value.length() - 1))),
                        "value without OWS at its ends");
                for (int k = 0; k < value.length(); k++) {
                    assertTrue(FieldSyntax.isValueOctet(value.charAt(k)), "value character " + (int) value.charAt(k));
                }
                if (absolute && name.equals("host")) {
                    String authority = head.absoluteTarget.substring(head.absoluteTarget.indexOf("://") + 3);
                    assertTrue(authority.startsWith(value), "Host " + value + " from the target " + head.absoluteTarget);
                } else {
                    actual.add(name + ": " + value.strip());
                }
            }
            assertEquals(expected, actual, "fields");
            assertTrue(head.version == 10 ? hosts <= 1 : hosts == 1, "Host fields: " + hosts);
            assertTrue(head.contentLength >= -1, "Content-Length " + head.contentLength);
            assertTrue(!head.chunked || head.contentLength < 0, "chunked with Content-Length");
            events.add(head.method + " " + head.target() + " " + head.version + " " + headers.toMap()
                    + " length=" + head.contentLength + " chunked=" + head.chunked + " persistent=" + head.persistent()
                    + " continue=" + head.expectContinue);
        }

        private static boolean isToken(String s) {
            if (s.isEmpty()) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) > 0xFF || !FieldSyntax.isTchar(s.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        /** RFC 9112 §3.2: no whitespace, CTLs or raw non-ASCII in a request-target. */
        private static boolean plainTarget(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c <= ' ' || c >= 0x7F) {
                    return false;
                }
            }
            return true;
        }

        private static boolean ows(char c) {
            return c == ' ' || c == '\t';
        }
    }
}

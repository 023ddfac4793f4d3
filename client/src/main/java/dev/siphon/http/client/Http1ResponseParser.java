package dev.siphon.http.client;

import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.CodecException.Kind;
import dev.siphon.http.codec.FieldSyntax;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * Parses an HTTP/1.1 response head (RFC 9112 §4, §5). A pure function over bytes: {@link #parse}
 * answers the bytes consumed when the head is complete ({@link #head()} then holds it), 0 when
 * more bytes are needed, or throws a {@link CodecException}. A head arriving in pieces is not
 * rescanned: {@link #parse} remembers how far it looked for the empty line that ends the head
 * (the resume hint) and parses the lines once, when that line is there. Names and values are
 * judged by the field syntax the server uses too ({@link FieldSyntax}).
 *
 * <p>Strict: a bare LF, whitespace before a field's colon, obs-fold, control characters in a
 * value and a status outside 100–599 are rejected, never repaired. One tolerated deviation,
 * named below. One instance per connection, reset per head; loop thread only.
 */
final class Http1ResponseParser {
    /**
     * RFC 9112 §4: {@code status-line = HTTP-version SP status-code SP [ reason-phrase ]}; the
     * second SP is required, but servers in the field send "HTTP/1.1 200\r\n". The reason phrase
     * carries no meaning (a client SHOULD ignore it), so its missing separator is tolerated.
     */
    static final boolean TOLERATE_MISSING_SP_AFTER_STATUS = true;

    private static final byte[] VERSION_PREFIX = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    private final int maxHeadBytes;
    private final int maxFields;
    private int scanned; // bytes after start already searched for the end of the head
    private ResponseHead head;

    Http1ResponseParser(int maxHeadBytes, int maxFields) {
        this.maxHeadBytes = maxHeadBytes;
        this.maxFields = maxFields;
    }

    /** Forgets the last head and the resume hint: the next call starts a new head. */
    void reset() {
        scanned = 0;
        head = null;
    }

    ResponseHead head() {
        return head;
    }

    /**
     * @param start the first byte of the head (the same on every call for one head)
     * @param end   one past the last received byte
     * @return bytes consumed when the head is complete, else 0
     * @throws CodecException {@link Kind#MALFORMED} for a head that breaks the grammar,
     *     {@link Kind#FIELDS_TOO_LARGE} for one longer than the cap, {@link Kind#TOO_MANY_FIELDS}
     *     for one with more field lines than the cap
     */
    int parse(byte[] b, int start, int end) throws CodecException {
        // Fail fast on bytes that cannot begin a status line, instead of waiting for a head end
        // that a non-HTTP peer never sends.
        for (int i = start + Math.min(scanned, VERSION_PREFIX.length); i < end && i - start < VERSION_PREFIX.length; i++) {
            if (b[i] != VERSION_PREFIX[i - start]) {
                throw CodecException.malformed("response does not start with HTTP/1.x: " + printable(b, start, end));
            }
        }
        int from = start + scanned;
        int headEnd = -1;
        for (int i = from; i < end; i++) {
            if (b[i] == '\n') {
                // RFC 9112 §2.2: a recipient MAY accept a bare LF; strict: every line ends in CRLF.
                if (i == start || b[i - 1] != '\r') {
                    throw CodecException.malformed("bare LF in the response head");
                }
                if (i - start >= 3 && b[i - 2] == '\n') {
                    headEnd = i + 1;
                    break;
                }
            }
        }
        if (headEnd < 0) {
            scanned = end - start;
            if (scanned > maxHeadBytes) {
                throw new CodecException(Kind.FIELDS_TOO_LARGE, "response head exceeds " + maxHeadBytes + " bytes");
            }
            // keep the last byte unscanned: a CR there may pair with the next read's LF
            scanned = Math.max(0, scanned - 1);
            return 0;
        }
        if (headEnd - start > maxHeadBytes) {
            throw new CodecException(Kind.FIELDS_TOO_LARGE, "response head exceeds " + maxHeadBytes + " bytes");
        }
        head = parseHead(b, start, headEnd);
        return headEnd - start;
    }

    private ResponseHead parseHead(byte[] b, int p, int headEnd) throws CodecException {
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF; HTTP-version = "HTTP/" DIGIT "." DIGIT
        if (headEnd - p < 14 || b[p] != 'H' || b[p + 1] != 'T' || b[p + 2] != 'T' || b[p + 3] != 'P'
                || b[p + 4] != '/' || b[p + 5] != '1' || b[p + 6] != '.' || !digit(b[p + 7]) || b[p + 8] != ' ') {
            throw CodecException.malformed("status line does not start with HTTP/1.x: " + printable(b, p, headEnd));
        }
        int minor = b[p + 7] - '0';
        if (!digit(b[p + 9]) || !digit(b[p + 10]) || !digit(b[p + 11])) {
            throw CodecException.malformed("status code is not three digits: " + printable(b, p, headEnd));
        }
        int status = (b[p + 9] - '0') * 100 + (b[p + 10] - '0') * 10 + (b[p + 11] - '0');
        if (status < 100 || status > 599) {
            throw CodecException.malformed("status code " + status + " outside 100-599 (RFC 9110 §15)");
        }
        int q = p + 12;
        if (b[q] == ' ') {
            q++;
            while (b[q] != '\r') {
                // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): the octets of a field value
                if (!FieldSyntax.isValueOctet(b[q] & 0xFF)) {
                    throw CodecException.malformed("control character in the reason phrase");
                }
                q++;
            }
        } else if (b[q] != '\r' || !TOLERATE_MISSING_SP_AFTER_STATUS) {
            throw CodecException.malformed("status code not followed by SP: " + printable(b, p, headEnd));
        }
        q += 2; // CRLF (checked by the scan in parse)
        LinkedHashMap<String, String> fields = new LinkedHashMap<>();
        int count = 0;
        while (b[q] != '\r') {
            if (b[q] == ' ' || b[q] == '\t') {
                // RFC 9112 §5.2: obs-fold in a response: a user agent MAY replace it; strict: reject
                throw CodecException.malformed("obsolete line folding in the response head");
            }
            if (++count > maxFields) {
                throw new CodecException(Kind.TOO_MANY_FIELDS, "response head has more than " + maxFields + " fields");
            }
            int nameStart = q;
            q = FieldSyntax.tokenEnd(b, q, headEnd); // RFC 9110 §5.1: field-name = token
            if (b[q] != ':') {
                // RFC 9112 §5.1: no whitespace between field name and colon
                throw CodecException.malformed("invalid character in field name: " + printable(b, nameStart, headEnd));
            }
            if (q == nameStart) {
                throw CodecException.malformed("empty field name");
            }
            String name = lower(b, nameStart, q);
            q++;
            while (b[q] == ' ' || b[q] == '\t') {
                q++; // OWS
            }
            int valueStart = q;
            int valueEnd = q;
            while (b[q] != '\r') {
                int c = b[q] & 0xFF;
                if (!FieldSyntax.isValueOctet(c)) {
                    // RFC 9110 §5.5: field-value = *( VCHAR / SP / HTAB / obs-text )
                    throw CodecException.malformed("control character in the value of " + name);
                }
                if (c != ' ' && c != '\t') {
                    valueEnd = q + 1;
                }
                q++;
            }
            if (b[q + 1] != '\n') {
                throw CodecException.malformed("CR not followed by LF in field " + name);
            }
            String value = new String(b, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            fields.merge(name, value, (a, v) -> a + ", " + v);
            q += 2;
        }
        return ResponseHead.of(minor, status, fields);
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static String lower(byte[] b, int from, int to) {
        char[] c = new char[to - from];
        for (int i = 0; i < c.length; i++) {
            int x = b[from + i];
            c[i] = (char) (x >= 'A' && x <= 'Z' ? x + 32 : x);
        }
        return new String(c);
    }

    /** The first line of what the origin sent, for error messages: at most 60 chars, controls escaped. */
    static String printable(byte[] b, int from, int end) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = from; i < end && i - from < 60 && b[i] != '\r'; i++) {
            int c = b[i] & 0xFF;
            if (c < 0x20 || c >= 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.append('"').toString();
    }
}

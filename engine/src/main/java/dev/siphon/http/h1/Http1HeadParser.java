package dev.siphon.http.h1;

import dev.siphon.http.Headers;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.RequestError;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses an HTTP/1.1 request head (RFC 9112 §2–§5). A pure function over bytes: {@link #parse}
 * answers the number of bytes consumed when the head is complete, 0 when more bytes are needed,
 * or throws a {@link RequestError} with the status to answer.
 *
 * <p>A head usually arrives whole, so the first attempt parses line by line in one pass and
 * treats running out of bytes anywhere as "need more". A head that arrives in pieces is not
 * re-parsed on every read: later attempts only scan the new bytes for the end of the head (the
 * resume hint in {@link RequestHead}) and parse once it is there.
 *
 * <p>Strict by default: bare LF, whitespace before the colon, obs-fold and control characters
 * are rejected, never repaired. One instance per event loop, used by the loop's connections in
 * turn: nothing but the {@link RequestHead} carries over from one call to the next. Loop thread
 * only.
 */
public final class Http1HeadParser {
    /** RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line. */
    static final int MAX_LEADING_EMPTY_LINES = 8;

    /** Reads 8 bytes at once: the scans below test a whole word per step (SWAR). */
    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private final int maxHeadBytes;
    private final int maxHeaderCount;
    private final byte[] scratch;
    // Per-head working space, reused: the fields found so far, and where the last head ended.
    private final String[] fieldNames;
    private final int[] fieldSpans;
    private int fieldEnd;

    public Http1HeadParser(int maxHeadBytes, int maxHeaderCount) {
        this.maxHeadBytes = maxHeadBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.scratch = new byte[maxHeadBytes];
        this.fieldNames = new String[maxHeaderCount];
        this.fieldSpans = new int[2 * maxHeaderCount];
    }

    /**
     * @param b     buffer holding the bytes received so far
     * @param start first unconsumed byte (the same on every call for one head)
     * @param end   one past the last received byte
     * @return bytes consumed (head complete, {@code head} filled), or 0 when more are needed
     */
    public int parse(byte[] b, int start, int end, RequestHead head) throws RequestError {
        int p = start;
        // RFC 9112 §2.2: skip empty lines (CRLF) received before the request-line.
        int empty = 0;
        while (p + 1 < end && b[p] == '\r' && b[p + 1] == '\n') {
            p += 2;
            if (++empty > MAX_LEADING_EMPTY_LINES) {
                throw new RequestError(400, "too many empty lines before the request-line");
            }
        }
        if (p < end && b[p] == '\n') {
            throw new RequestError(400, "bare LF before the request-line");
        }
        if (p + 1 == end && b[p] == '\r') {
            return 0; // an empty line, or a bare CR: the next byte tells
        }
        int headStart = p;
        int headEnd;
        if (head.scanned == 0) {
            // First attempt: parse in one pass, within the limit.
            int bound = (int) Math.min(end, (long) headStart + maxHeadBytes);
            headEnd = parseLines(b, headStart, bound, head);
            if (headEnd < 0) {
                if (end > bound) {
                    throw new RequestError(431, "request head exceeds " + maxHeadBytes + " bytes", Limit.HEADER_BYTES);
                }
                rejectBareCrOrLf(b, headStart + 1, end); // in the line not yet complete
                head.scanned = Math.max(1, end - headStart); // every line so far was valid
                return 0;
            }
        } else {
            int scannedBefore = head.scanned;
            headEnd = findEnd(b, headStart, end, head);
            if (headEnd < 0) {
                rejectBareCrOrLf(b, Math.max(headStart + 1, headStart + scannedBefore), end); // the new bytes
                if (end - headStart > maxHeadBytes) {
                    throw new RequestError(431, "request head exceeds " + maxHeadBytes + " bytes", Limit.HEADER_BYTES);
                }
                return 0;
            }
            if (headEnd - headStart > maxHeadBytes) {
                throw new RequestError(431, "request head exceeds " + maxHeadBytes + " bytes", Limit.HEADER_BYTES);
            }
            if (parseLines(b, headStart, headEnd, head) != headEnd) {
                throw new RequestError(400, "malformed request head");
            }
        }
        head.scanned = 0;
        BodyFraming.decide(head);
        return headEnd - start;
    }

    /**
     * RFC 9112 §2.2: a bare LF or CR can never end a head; a head still incomplete is refused at
     * once, as it would be if it had arrived whole, rather than after a wait for a CRLFCRLF that
     * may never come. Checks {@code b[from, end)}, each byte with the one before it.
     */
    private static void rejectBareCrOrLf(byte[] b, int from, int end) throws RequestError {
        for (int i = from; i < end; i++) {
            if (b[i] == '\n' && b[i - 1] != '\r') {
                throw new RequestError(400, "bare LF in the request head");
            }
            if (b[i - 1] == '\r' && b[i] != '\n') {
                throw new RequestError(400, "bare CR in the request head");
            }
        }
    }

    /**
     * Parses the request-line and field lines from {@code headStart}, building the request's
     * copy of the head and its headers once the empty line is found.
     *
     * @return the index just past the empty line, or -1 when the bytes ran out first
     */
    private int parseLines(byte[] b, int headStart, int end, RequestHead head) throws RequestError {
        head.reset();
        int p = parseRequestLine(b, headStart, end, head);
        if (p < 0) {
            return -1;
        }
        int fields = parseFields(b, p, end, head);
        if (fields < 0) {
            return -1;
        }
        int headEnd = fieldEnd; // set by parseFields: just past the empty line
        // The request keeps its own copy of the head: header values are made into strings from
        // it only when read (most are never read), and the pooled read buffer is free to reuse.
        // The request-line is already in strings (method, path, query), so the copy starts at the
        // first field line.
        byte[] h = Arrays.copyOfRange(b, p, headEnd);
        head.bytes = h;
        head.headers = Headers.ofSpans(fieldNames, fieldSpans, fields, h, p);
        return headEnd;
    }

    /** Index just past the CRLFCRLF that ends the head, or -1; resumes where the last call stopped. */
    private static int findEnd(byte[] b, int from, int end, RequestHead head) {
        int i = from + Math.max(0, head.scanned - 3);
        // Every CRLFCRLF holds an LF at i + 3: find the LFs a word at a time and check only there.
        while (i + 3 < end) {
            int lf;
            if (i + 11 <= end) {
                long x = (long) WORD.get(b, i + 3) ^ 0x0A0A0A0A0A0A0A0AL;
                long found = (x - ONES) & ~x & HIGHS; // the lowest flagged byte is a true LF
                if (found == 0) {
                    i += 8;
                    continue;
                }
                lf = i + 3 + (Long.numberOfTrailingZeros(found) >>> 3);
            } else if (b[i + 3] == '\n') {
                lf = i + 3;
            } else {
                i++;
                continue;
            }
            if (b[lf - 1] == '\r' && b[lf - 2] == '\n' && b[lf - 3] == '\r') {
                head.scanned = 0;
                return lf + 1;
            }
            i = lf - 2; // the next candidate's LF lies after this one
        }
        head.scanned = Math.max(0, end - from);
        return -1;
    }

    /*
     * Word-at-a-time byte tests (SWAR). Each answers a mask with bit 7 set in the flagged bytes;
     * the subtraction's borrow can flag bytes above a true hit, never below one, so the lowest
     * flagged byte (numberOfTrailingZeros / 8) is the first true hit, also when two masks are ORed.
     */

    /** Flags the bytes of {@code w} below 0x20. */
    private static long below0x20(long w) {
        return (w - 0x2020202020202020L) & ~w & HIGHS;
    }

    /** Flags the bytes of {@code w} equal to the byte repeated in {@code pattern}. */
    private static long equalTo(long w, long pattern) {
        long x = w ^ pattern;
        return (x - ONES) & ~x & HIGHS;
    }

    /** Flags ':' and bytes below 0x20: where a field name must end. */
    private static long colonOrControl(long w) {
        return below0x20(w) | equalTo(w, 0x3A3A3A3A3A3A3A3AL);
    }

    /**
     * Flags bytes below 0x20 (CR, LF, HTAB, NUL...) and DEL: the bytes a field value must be
     * checked one by one for ({@link FieldSyntax#isValueOctet}). Bytes of 0x80 and above
     * (obs-text) pass.
     */
    private static long control(long w) {
        return below0x20(w) | equalTo(w, 0x7F7F7F7F7F7F7F7FL);
    }

    /**
     * Flags the bytes that end or mark a request-target: 0x20 and below, DEL, 0x80 and above, and
     * '?' while {@code query} (the first '?' starts the query).
     */
    private static long targetStop(long w, boolean query) {
        long m = ((w - 0x2121212121212121L) & ~w & HIGHS) | (w & HIGHS) | equalTo(w, 0x7F7F7F7F7F7F7F7FL);
        return query ? m | equalTo(w, 0x3F3F3F3F3F3F3F3FL) : m;
    }

    /**
     * request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
     *
     * @return the index of the first field line, or -1 when the bytes ran out first
     */
    private int parseRequestLine(byte[] b, int p, int end, RequestHead head) throws RequestError {
        int m = FieldSyntax.tokenEnd(b, p, end); // method = token (RFC 9110 §9.1)
        if (m == end) {
            return -1;
        }
        if (m == p || b[m] != ' ') {
            throw new RequestError(400, "malformed method");
        }
        int t = m + 1;
        int q = -1;
        int te = t;
        while (te < end) {
            if (te + 8 <= end) {
                long stop = targetStop((long) WORD.get(b, te), q < 0);
                if (stop == 0) {
                    te += 8;
                    continue;
                }
                te += Long.numberOfTrailingZeros(stop) >>> 3;
            }
            int c = b[te] & 0xFF;
            if (c <= ' ' || c >= 0x7F) {
                break; // RFC 9112 §3.2: the target has no whitespace, CTLs or raw non-ASCII
            }
            if (c == '?' && q < 0) {
                q = te;
            }
            te++;
        }
        if (te == end) {
            return -1;
        }
        if (te == t || b[te] != ' ') {
            throw new RequestError(400, "malformed request-target");
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT, then CRLF (RFC 9112 §2.3)
        int v = te + 1;
        if (v + 10 > end) {
            for (int i = v; i < end; i++) {
                if (b[i] == '\n') {
                    throw new RequestError(400, "request-line not ended by CRLF");
                }
            }
            return -1;
        }
        if (b[v] != 'H' || b[v + 1] != 'T' || b[v + 2] != 'T' || b[v + 3] != 'P' || b[v + 4] != '/'
                || !digit(b[v + 5]) || b[v + 6] != '.' || !digit(b[v + 7])) {
            throw new RequestError(400, "malformed HTTP-version");
        }
        if (b[v + 8] != '\r' || b[v + 9] != '\n') {
            throw new RequestError(400, "request-line not ended by CRLF");
        }
        if (b[v + 5] != '1') {
            throw new RequestError(505, "HTTP version not supported");
        }
        head.method = method(b, p, m - p);
        // RFC 9110 §6.2: a higher 1.x minor version is served as 1.1
        head.version = b[v + 7] == '0' ? 10 : 11;
        setTarget(b, t, te, q, head);
        return v + 10;
    }

    private static void setTarget(byte[] b, int t, int te, int q, RequestHead head) throws RequestError {
        int pathEnd = q < 0 ? te : q;
        if (b[t] == '/') { // origin-form (RFC 9112 §3.2.1)
            head.path = new String(b, t, pathEnd - t, StandardCharsets.ISO_8859_1);
        } else if (b[t] == '*' && te - t == 1) { // asterisk-form, OPTIONS only (§3.2.4)
            if (!"OPTIONS".equals(head.method)) {
                throw new RequestError(400, "asterisk-form target is for OPTIONS only");
            }
            head.path = "*";
        } else {
            // absolute-form (§3.2.2): a server MUST accept it; route on its path
            String target = new String(b, t, te - t, StandardCharsets.ISO_8859_1);
            head.absoluteTarget = target;
            int scheme = target.indexOf("://");
            if (scheme <= 0 || !target.regionMatches(true, 0, "http", 0, 4)) {
                throw new RequestError(400, "malformed request-target");
            }
            int slash = target.indexOf('/', scheme + 3);
            int rel = slash < 0 || (q >= 0 && slash > q - t) ? -1 : slash;
            head.path = rel < 0 ? "/" : target.substring(rel, pathEnd - t);
        }
        head.query = q < 0 ? null : new String(b, q + 1, te - q - 1, StandardCharsets.ISO_8859_1);
    }

    /**
     * field-line = field-name ":" OWS field-value OWS, each ended by CRLF, then an empty line
     * (RFC 9112 §5). Names and value spans go to {@link #fieldNames} and {@link #fieldSpans}.
     *
     * @return the number of fields, with {@link #fieldEnd} just past the empty line; or -1 when
     *     the bytes ran out first
     */
    private int parseFields(byte[] b, int p, int end, RequestHead head) throws RequestError {
        int count = 0;
        while (true) {
            if (p >= end) {
                return -1;
            }
            if (b[p] == '\r') {
                if (p + 1 >= end) {
                    return -1;
                }
                if (b[p + 1] != '\n') {
                    throw new RequestError(400, "bare CR in the request head");
                }
                fieldEnd = p + 2;
                return count;
            }
            if (count == maxHeaderCount) {
                throw new RequestError(431, "more than " + maxHeaderCount + " header fields", Limit.HEADER_COUNT);
            }
            // The name ends at the first ':' or control byte. A name found in the table of common
            // names is a valid token by construction; any other is checked byte by byte.
            int n = p;
            while (n + 8 <= end) {
                long stop = colonOrControl((long) WORD.get(b, n));
                if (stop != 0) {
                    n += Long.numberOfTrailingZeros(stop) >>> 3; // the ':' or control byte itself
                    break;
                }
                n += 8;
            }
            while (n < end && b[n] != ':' && (b[n] & 0xFF) >= ' ') {
                n++;
            }
            if (n == end) {
                return -1;
            }
            String name = b[n] == ':' && n > p ? FieldNames.common(b, p, n - p) : null;
            if (name == null) {
                int t = FieldSyntax.tokenEnd(b, p, n); // RFC 9110 §5.1: field-name = token
                if (t == p) {
                    // RFC 9112 §5.2: obs-fold (a line starting with SP/HTAB) is rejected with 400
                    throw new RequestError(400, b[p] == ' ' || b[p] == '\t' ? "obsolete line folding" : "malformed field name");
                }
                if (t != n || b[n] != ':') {
                    // RFC 9112 §5.1: no whitespace between field name and colon -> 400
                    throw new RequestError(400, "malformed field line");
                }
                name = FieldNames.lowerCase(b, p, n - p, scratch);
            }
            int v = n + 1;
            while (v < end && (b[v] == ' ' || b[v] == '\t')) {
                v++;
            }
            int ve = v;
            while (ve + 8 <= end) {
                long stop = control((long) WORD.get(b, ve));
                if (stop != 0) {
                    ve += Long.numberOfTrailingZeros(stop) >>> 3; // CR, HTAB or an invalid byte: see below
                    break;
                }
                ve += 8; // eight plain value bytes at once
            }
            while (true) {
                if (ve >= end) {
                    return -1;
                }
                int c = b[ve] & 0xFF;
                if (c == '\r') {
                    break;
                }
                // RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; NUL, LF and other CTLs are invalid
                if (!FieldSyntax.isValueOctet(c)) {
                    throw new RequestError(400, "invalid character in field value");
                }
                ve++;
            }
            if (ve + 1 >= end) {
                return -1;
            }
            if (b[ve + 1] != '\n') {
                throw new RequestError(400, "bare CR in field line");
            }
            int next = ve + 2;
            while (ve > v && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            fieldNames[count] = name;
            fieldSpans[2 * count] = v;
            fieldSpans[2 * count + 1] = ve - v;
            count++;
            if (BodyFraming.concerns(name)) {
                BodyFraming.onField(name, b, v, ve - v, head);
            }
            p = next;
        }
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** The method string, shared for the standard methods (RFC 9110 §9) so they need no allocation. */
    private static String method(byte[] b, int off, int len) {
        switch (len) {
            case 3:
                if (b[off] == 'G' && b[off + 1] == 'E' && b[off + 2] == 'T') {
                    return "GET";
                }
                if (b[off] == 'P' && b[off + 1] == 'U' && b[off + 2] == 'T') {
                    return "PUT";
                }
                break;
            case 4:
                if (b[off] == 'P' && b[off + 1] == 'O' && b[off + 2] == 'S' && b[off + 3] == 'T') {
                    return "POST";
                }
                if (b[off] == 'H' && b[off + 1] == 'E' && b[off + 2] == 'A' && b[off + 3] == 'D') {
                    return "HEAD";
                }
                break;
            case 5:
                if (b[off] == 'P' && b[off + 1] == 'A' && b[off + 2] == 'T' && b[off + 3] == 'C' && b[off + 4] == 'H') {
                    return "PATCH";
                }
                if (b[off] == 'T' && b[off + 1] == 'R' && b[off + 2] == 'A' && b[off + 3] == 'C' && b[off + 4] == 'E') {
                    return "TRACE";
                }
                break;
            case 6:
                if (b[off] == 'D' && b[off + 1] == 'E' && b[off + 2] == 'L' && b[off + 3] == 'E' && b[off + 4] == 'T'
                        && b[off + 5] == 'E') {
                    return "DELETE";
                }
                break;
            case 7:
                if (b[off] == 'O' && b[off + 1] == 'P' && b[off + 2] == 'T' && b[off + 3] == 'I' && b[off + 4] == 'O'
                        && b[off + 5] == 'N' && b[off + 6] == 'S') {
                    return "OPTIONS";
                }
                if (b[off] == 'C' && b[off + 1] == 'O' && b[off + 2] == 'N' && b[off + 3] == 'N' && b[off + 4] == 'E'
                        && b[off + 5] == 'C' && b[off + 6] == 'T') {
                    return "CONNECT";
                }
                break;
            default:
                break;
        }
        // RFC 9110 §9.1: methods are case-sensitive; anything else is kept as sent
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
}

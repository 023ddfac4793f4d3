package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link PathDecoder} (RFC 3986 §2.1, RFC 3629) against a reference made of the JDK's own
 * UTF-8 decoder. The input's octets are the text, one char per octet (as the HTTP/1.1 parser hands
 * paths over), and also, read as UTF-8, the text of a round trip. Corpus:
 * {@code PathDecoderFuzzTestInputs/decode}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@code decodePath} returns or throws {@link IllegalArgumentException}, exactly when the
 *       reference finds a malformed {@code %} or octets that are not well-formed UTF-8, and then
 *       returns the same text;</li>
 *   <li>{@code decodeQuery} never throws, and equals the reference with U+FFFD substitution and
 *       {@code '+'} as a space;</li>
 *   <li>percent-encoding any text as UTF-8 and decoding it gives the text back, for paths and for
 *       queries; text without {@code '%'} decodes to itself.</li>
 * </ul>
 */
class PathDecoderFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void decode(byte[] input) {
        String raw = new String(input, StandardCharsets.ISO_8859_1);
        String expected = reference(raw, false);
        String decoded;
        try {
            decoded = PathDecoder.decodePath(raw);
        } catch (IllegalArgumentException e) {
            decoded = null;
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "an error says why");
        }
        assertEquals(expected, decoded, "decodePath of " + raw);
        if (raw.indexOf('%') < 0) {
            assertEquals(raw, decoded, "text without % is itself");
        }
        assertEquals(reference(raw, true), PathDecoder.decodeQuery(raw), "decodeQuery of " + raw);

        String text = new String(input, StandardCharsets.UTF_8); // well-formed: bad octets became U+FFFD
        assertEquals(text, PathDecoder.decodePath(encode(text, false)), "path round trip");
        assertEquals(text, PathDecoder.decodeQuery(encode(text, true)), "query round trip");
    }

    /**
     * Runs of %XX decoded by the JDK's UTF-8 decoder, strictly (null on malformed input) or with
     * U+FFFD and '+' as space (query); every other char kept. A '%' not followed by two hex digits
     * is malformed for a path and literal in a query.
     */
    private static String reference(String s, boolean query) {
        StringBuilder out = new StringBuilder();
        ByteBuffer run = ByteBuffer.allocate(s.length());
        int i = 0;
        while (i <= s.length()) {
            int octet = i < s.length() && s.charAt(i) == '%' ? octet(s, i) : -1;
            if (octet >= 0) {
                run.put((byte) octet);
                i += 3;
                continue;
            }
            if (run.position() > 0) {
                CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
                if (query) {
                    utf8.onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
                }
                try {
                    CharBuffer chars = utf8.decode(run.flip());
                    out.append(chars);
                } catch (CharacterCodingException e) {
                    return null;
                }
                run.clear();
            }
            if (i == s.length()) {
                break;
            }
            char c = s.charAt(i);
            if (c == '%' && !query) {
                return null;
            }
            out.append(query && c == '+' ? ' ' : c);
            i++;
        }
        return out.toString();
    }

    private static int octet(String s, int i) {
        if (i + 2 >= s.length()) {
            return -1;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        return hi < 0 || lo < 0 || s.charAt(i + 1) > 'f' || s.charAt(i + 2) > 'f' ? -1 : hi << 4 | lo;
    }

    /** Percent-encodes every octet of the UTF-8 text but unreserved ones (RFC 3986 §2.3). */
    static String encode(String text, boolean query) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else if (query && c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }
}

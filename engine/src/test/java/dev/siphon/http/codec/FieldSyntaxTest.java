package dev.siphon.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link FieldSyntax} against RFC 9110's grammar, for every octet 0..255. The expected sets are
 * written from the RFC's ABNF, independently of the tables: a tchar both as its list (§5.6.2)
 * and as VCHAR minus the delimiters (the same section), which must agree; a value octet as
 * field-vchar / SP / HTAB (§5.5). A char above 0xFF is never either.
 */
class FieldSyntaxTest {
    /** RFC 9110 §5.6.2: the tchars that are neither DIGIT nor ALPHA. */
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
    /** RFC 9110 §5.6.2: the delimiters, "US-ASCII visual characters not allowed in a token". */
    private static final String DELIMITERS = "\"(),/:;<=>?@[\\]{}";

    private static boolean alpha(int c) {
        return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A); // RFC 5234 B.1
    }

    private static boolean digit(int c) {
        return c >= 0x30 && c <= 0x39;
    }

    private static boolean vchar(int c) {
        return c >= 0x21 && c <= 0x7E;
    }

    /** tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
    private static boolean tcharByList(int c) {
        return alpha(c) || digit(c) || (c < 0x80 && TCHAR_SYMBOLS.indexOf(c) >= 0);
    }

    private static boolean tcharByDelimiters(int c) {
        return vchar(c) && DELIMITERS.indexOf(c) < 0;
    }

    /** field-vchar = VCHAR / obs-text; a value holds them, and SP and HTAB. */
    private static boolean valueOctet(int c) {
        boolean obsText = c >= 0x80 && c <= 0xFF;
        return vchar(c) || obsText || c == ' ' || c == '\t';
    }

    @Test
    void theTwoWordingsOfTcharInTheRfcAgree() {
        for (int c = 0; c < 256; c++) {
            assertEquals(tcharByList(c), tcharByDelimiters(c), "octet " + c);
        }
    }

    @Test
    void everyOctetIsATcharExactlyWhenRfc9110SaysSo() {
        int count = 0;
        for (int c = 0; c < 256; c++) {
            assertEquals(tcharByList(c), FieldSyntax.isTchar(c), "octet " + c);
            count += FieldSyntax.isTchar(c) ? 1 : 0;
        }
        assertEquals(26 + 26 + 10 + 15, count, "ALPHA, DIGIT and 15 symbols");
    }

    @Test
    void everyOctetIsAValueOctetExactlyWhenRfc9110SaysSo() {
        int count = 0;
        for (int c = 0; c < 256; c++) {
            assertEquals(valueOctet(c), FieldSyntax.isValueOctet(c), "octet " + c);
            count += FieldSyntax.isValueOctet(c) ? 1 : 0;
        }
        assertEquals(94 + 128 + 2, count, "VCHAR, obs-text, SP and HTAB");
    }

    @Test
    void charsAboveOctetsAndNegativeValuesAreNeither() {
        for (int c : new int[] {0x100, 0x17F, 0x2028, 0xFEFF, 0xFFFF, 0x10000, -1, Integer.MIN_VALUE}) {
            assertFalse(FieldSyntax.isTchar(c), "tchar " + c);
            assertFalse(FieldSyntax.isValueOctet(c), "value octet " + c);
        }
    }

    @Test
    void aTokenEndsAtTheFirstOctetThatIsNoTchar() {
        for (int c = 0; c < 256; c++) {
            byte[] b = {'a', (byte) c, 'b'}; // exact length: a read past the end would fail
            assertEquals(FieldSyntax.isTchar(c) ? 3 : 1, FieldSyntax.tokenEnd(b, 0, b.length), "octet " + c);
            assertEquals(FieldSyntax.isTchar(c) ? 2 : 1, FieldSyntax.tokenEnd(b, 0, 2), "bounded by to");
            assertEquals(1, FieldSyntax.tokenEnd(b, 1, 1), "an empty range");
        }
        assertEquals(0, FieldSyntax.tokenEnd(new byte[0], 0, 0));
    }

    @Test
    void aTokenIsOneOrMoreTchars() {
        assertFalse(FieldSyntax.isToken(""), "1*tchar: not empty");
        assertTrue(FieldSyntax.isToken("x-Custom_Header.v2~!#$%&'*+^`|"));
        for (int c = 0; c < 256; c++) {
            String s = "a" + (char) c + "b";
            assertEquals(tcharByList(c), FieldSyntax.isToken(s), "octet " + c);
            assertEquals(tcharByList(c), FieldSyntax.isToken(String.valueOf((char) c)), "octet " + c + " alone");
        }
        assertFalse(FieldSyntax.isToken("caf\u00e9"), "obs-text is no tchar");
        assertFalse(FieldSyntax.isToken("a\u0100"), "nor is a char above 0xFF");
    }

    @Test
    void fieldValuesFollowRfc9110Section5_5() {
        for (String ok : new String[] {"", "a", "a b", "a\tb", "caf\u00e9", "\u0080\u00ff", "!~"}) {
            assertTrue(FieldSyntax.isFieldValue(ok), ok);
        }
        for (String bad : new String[] {" a", "a ", "\ta", "a\t", "a\u0000", "a\rb", "a\nb", "a\u0001", "a\u001Fb",
                "a\u007F", "a\u0100", " "}) {
            assertFalse(FieldSyntax.isFieldValue(bad), bad);
        }
    }

    @Test
    void aValueIsAFieldValueExactlyWhenEachOfItsOctetsIsAValueOctet() {
        for (int c = 0; c < 256; c++) {
            assertEquals(valueOctet(c), FieldSyntax.isFieldValue("a" + (char) c + "b"), "octet " + c + " inside");
            // field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]: no whitespace at an end
            boolean fieldVchar = valueOctet(c) && c != ' ' && c != '\t';
            assertEquals(fieldVchar, FieldSyntax.isFieldValue(String.valueOf((char) c)), "octet " + c + " alone");
        }
    }
}

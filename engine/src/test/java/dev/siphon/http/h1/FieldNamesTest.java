package dev.siphon.http.h1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@link FieldNames}: every common name is found in any case, wherever it sits in the array
 * (word reads near the end of an exact-size array included), and nothing else is.
 */
class FieldNamesTest {

    /** {@code name} followed by {@code tail}, placed at {@code off} in an array that ends with the tail. */
    private static String lookUp(String name, int off, String tail) {
        byte[] text = (name + tail).getBytes(StandardCharsets.ISO_8859_1);
        byte[] b = new byte[off + text.length];
        Arrays.fill(b, 0, off, (byte) 'x');
        System.arraycopy(text, 0, b, off, text.length);
        return FieldNames.common(b, off, name.length());
    }

    private static String canonical(String lower) {
        StringBuilder sb = new StringBuilder(lower);
        for (int i = 0; i < sb.length(); i++) {
            if (i == 0 || sb.charAt(i - 1) == '-') {
                sb.setCharAt(i, Character.toUpperCase(sb.charAt(i)));
            }
        }
        return sb.toString();
    }

    private static String alternating(String lower) {
        StringBuilder sb = new StringBuilder(lower);
        for (int i = 0; i < sb.length(); i += 2) {
            sb.setCharAt(i, Character.toUpperCase(sb.charAt(i)));
        }
        return sb.toString();
    }

    @Test
    void findsEveryCommonNameInAnyCaseAndPosition() {
        for (String name : FieldNames.commonNames()) {
            for (String spelling : new String[] {name, canonical(name), name.toUpperCase(Locale.ROOT), alternating(name)}) {
                for (String tail : new String[] {"", ":", ": value\r\n\r\n"}) {
                    for (int off = 0; off < 3; off++) {
                        assertSame(name, lookUp(spelling, off, tail), spelling + " at " + off + " before '" + tail + "'");
                    }
                }
            }
        }
    }

    @Test
    void rejectsNamesDifferingInOneByteOrInLength() {
        // Bytes a case fold could confuse with letters or '-', and plain other letters.
        char[] others = {'z', '_', '^', '~', '`', '@', '[', '.', '0', '*', '=', '\u00C1', '\u00E1'};
        for (String name : FieldNames.commonNames()) {
            for (int i = 0; i < name.length(); i++) {
                for (char c : others) {
                    if (c == name.charAt(i)) {
                        continue;
                    }
                    String changed = name.substring(0, i) + c + name.substring(i + 1);
                    assertNull(lookUp(changed, 1, ":"), changed);
                    assertNull(lookUp(changed, 1, ": v\r\n\r\n"), changed);
                }
            }
            assertNull(lookUp(name + "s", 0, ":"), name + "s");
            assertNull(lookUp(name + "-", 0, ": v\r\n\r\n"), name + "-");
            if (name.length() > 1) {
                String shorter = name.substring(0, name.length() - 1);
                if (!FieldNames.commonNames().contains(shorter)) {
                    assertNull(lookUp(shorter, 0, ""), shorter);
                    assertNull(lookUp(name.substring(1), 0, ": v\r\n\r\n"), name.substring(1));
                }
            }
        }
    }

    @Test
    void lowerCasesUncommonNames() {
        byte[] scratch = new byte[64];
        byte[] b = "X-Trace-Context-Id: 1".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("x-trace-context-id", FieldNames.lowerCase(b, 0, 18, scratch));
        byte[] ua = "USER-AGENT".getBytes(StandardCharsets.ISO_8859_1);
        assertSame("user-agent", FieldNames.lowerCase(ua, 0, ua.length, scratch));
    }
}

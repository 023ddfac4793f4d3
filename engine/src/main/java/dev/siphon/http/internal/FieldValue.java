package dev.siphon.http.internal;

/**
 * The field-value rule of RFC 9110 §5.5, the same on both protocols:
 *
 * <pre>
 *   field-value   = *field-content
 *   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
 *   field-vchar   = VCHAR / obs-text
 * </pre>
 *
 * So a value holds visible ASCII, obs-text (0x80–0xFF: kept, as octets, for the handler to
 * judge), and SP and HTAB inside; never NUL, CR, LF, another control character or DEL, and no
 * SP or HTAB at either end. For HTTP/2 this includes RFC 9113 §8.2.1 (no NUL, CR or LF at
 * all; no leading or trailing whitespace) and goes as far as HTTP/1.1 goes, so a request is
 * not valid on one protocol and invalid on the other. HTTP/1.1 strips the optional whitespace
 * around a value as syntax (RFC 9112 §5) and tests its octets with {@link #isAllowed}.
 *
 * <p>Stateless; any thread.
 */
public final class FieldValue {

    private FieldValue() {
    }

    /** True for an octet (or ISO-8859-1 char) a field value may contain: field-vchar, SP, HTAB. */
    public static boolean isAllowed(int c) {
        return c >= 0x20 ? c != 0x7F && c <= 0xFF : c == '\t';
    }

    /** True when {@code v}, one field line's value as ISO-8859-1 chars, is a field-value. */
    public static boolean isValid(String v) {
        int n = v.length();
        if (n == 0) {
            return true;
        }
        if (isWhitespace(v.charAt(0)) || isWhitespace(v.charAt(n - 1))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!isAllowed(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }
}

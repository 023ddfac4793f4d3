package dev.siphon.http.codec;

/**
 * The syntax of header fields (RFC 9110 §5), written once for the server's parsers and encoders,
 * the client's parser and request checks, and HTTP/2's field validation:
 *
 * <pre>
 *   field-name    = token                                     (§5.1)
 *   token         = 1*tchar                                   (§5.6.2)
 *   tchar         = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." /
 *                   "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 *   field-value   = *field-content                            (§5.5)
 *   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
 *   field-vchar   = VCHAR / obs-text                          (VCHAR %x21-7E, obs-text %x80-FF)
 * </pre>
 *
 * So a name is visible ASCII without the delimiters {@code "(),/:;<=>?@[\]{}}; a value holds
 * visible ASCII, obs-text (kept, as octets, for the handler to judge), and SP and HTAB inside;
 * never NUL, CR, LF, another control character or DEL. The same octet set serves a
 * reason-phrase (RFC 9112 §4), a trailer line and a quoted-string's qdtext (minus its {@code "}
 * and {@code \}). For HTTP/2 this includes RFC 9113 §8.2.1 and goes as far as HTTP/1.1 goes, so
 * a request is not valid on one protocol and invalid on the other.
 *
 * <p>Each test is one lookup in a 256-entry table, for an octet ({@code b & 0xFF}) or a char; a
 * char above 0xFF is neither a tchar nor a value octet. Scans that skip ahead a word at a time
 * (the server's head parser) do so only to reach the byte these tables then judge.
 *
 * <p>Immutable after class initialisation; any thread.
 */
public final class FieldSyntax {
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] VALUE = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 0x21; c <= 0xFF; c++) {
            VALUE[c] = c != 0x7F; // VCHAR and obs-text
        }
        VALUE[' '] = true;
        VALUE['\t'] = true;
    }

    private FieldSyntax() {
    }

    /** True for a tchar (RFC 9110 §5.6.2): {@code c} is an octet as an unsigned value, or a char. */
    public static boolean isTchar(int c) {
        return (c & ~0xFF) == 0 && TCHAR[c];
    }

    /**
     * The index of the first octet in {@code b[from, to)} that is not a tchar, or {@code to}:
     * where a token (a method, a field name, a chunk extension's name) ends.
     */
    public static int tokenEnd(byte[] b, int from, int to) {
        int i = from;
        while (i < to && TCHAR[b[i] & 0xFF]) {
            i++;
        }
        return i;
    }

    /** True when {@code s} is a token (RFC 9110 §5.6.2): one or more tchars. */
    public static boolean isToken(CharSequence s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * True for an octet (or ISO-8859-1 char) a field value may contain (RFC 9110 §5.5):
     * field-vchar, SP or HTAB.
     */
    public static boolean isValueOctet(int c) {
        return (c & ~0xFF) == 0 && VALUE[c];
    }

    /**
     * True when {@code v}, one field line's value as ISO-8859-1 chars, is a field-value: value
     * octets only, and no SP or HTAB at either end. HTTP/1.1 strips that whitespace as syntax
     * (RFC 9112 §5) before it has a value; HTTP/2 has no such syntax, so there it is malformed
     * (RFC 9113 §8.2.1).
     */
    public static boolean isFieldValue(String v) {
        int n = v.length();
        if (n == 0) {
            return true;
        }
        if (isWhitespace(v.charAt(0)) || isWhitespace(v.charAt(n - 1))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!isValueOctet(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }
}

package dev.siphon.http.py;

import java.util.Arrays;

/**
 * Scans one JSON value (RFC 8259, the subset Python's {@code json} accepts with {@code
 * strict=True}) into a flat tape that Python turns into objects ({@code siphon/_json.py}):
 * GraalPy 25.0's built-in {@code _json} scanner makes a slow call per number, and building
 * Python objects from Java one interop call at a time is slower still, so Java does the
 * character work and Python only assembles dicts and lists.
 *
 * <p>The tape is an {@code Object[]}: element 0 is a {@code String} with one character per token
 * ({@code { } [ ]} for containers, {@code k} a key, {@code s} a string, {@code i} an integer
 * that fits a {@code long}, {@code I} a longer integer as its digits, {@code d} a float, {@code
 * t f n} for true, false, null); element 1 the index just after the value; then the payload of
 * each {@code k s i I d} token in order.
 *
 * <p>Anything this scanner does not reproduce exactly is not scanned: it returns {@code null} and
 * Python scans the document with the standard library's pure-Python scanner, which then also
 * raises the standard {@code JSONDecodeError} with its message and position. That covers every
 * syntax error, {@code NaN}/{@code Infinity}, a {@code \\u} escape that leaves a lone surrogate,
 * and nesting deeper than {@value #MAX_DEPTH}. Not thread-safe: one instance per worker thread.
 */
final class JsonTape {
    /** Deeper documents take the standard path (which raises RecursionError where CPython does). */
    static final int MAX_DEPTH = 500;
    private static final int KEEP = 4096;

    private StringBuilder types = new StringBuilder(256);
    private final StringBuilder chars = new StringBuilder(64);
    private Object[] values = new Object[64];
    private int count;
    private String s;
    private int pos;

    /** The tape of the JSON value starting at {@code idx} of {@code text}, or null to take the standard path. */
    Object[] scan(String text, int idx) {
        s = text;
        pos = idx;
        if (types.capacity() > KEEP * 4) {
            types = new StringBuilder(256);
        }
        types.setLength(0);
        count = 2;
        try {
            if (!value(0)) {
                return null;
            }
        } catch (IndexOutOfBoundsException e) {
            return null; // the document ended inside a value
        } finally {
            s = null;
        }
        Object[] out = Arrays.copyOf(values, count);
        if (values.length > KEEP) {
            values = new Object[64]; // a large document's tape is not kept per thread
        } else {
            Arrays.fill(values, 2, count, null);
        }
        out[0] = types.toString();
        out[1] = pos;
        return out;
    }

    private void add(Object v) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = v;
    }

    // JSON's whitespace (RFC 8259 §2), as Python's json.decoder.WHITESPACE
    private int skip(int i) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    private boolean value(int depth) {
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                pos++;
                return string();
            case 't':
                return literal("true", 't');
            case 'f':
                return literal("false", 'f');
            case 'n':
                return literal("null", 'n');
            default:
                return number();
        }
    }

    private boolean literal(String word, char token) {
        if (!s.startsWith(word, pos)) {
            return false;
        }
        pos += word.length();
        types.append(token);
        return true;
    }

    private boolean object(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        types.append('{');
        int i = skip(pos + 1);
        if (s.charAt(i) == '}') {
            pos = i + 1;
            types.append('}');
            return true;
        }
        while (true) {
            if (s.charAt(i) != '"') {
                return false;
            }
            pos = i + 1;
            // a key: its token comes before its value's
            int mark = types.length();
            if (!string()) {
                return false;
            }
            types.setCharAt(mark, 'k');
            i = skip(pos);
            if (s.charAt(i) != ':') {
                return false;
            }
            pos = skip(i + 1);
            if (!value(depth)) {
                return false;
            }
            i = skip(pos);
            char c = s.charAt(i);
            if (c == '}') {
                pos = i + 1;
                types.append('}');
                return true;
            }
            if (c != ',') {
                return false;
            }
            i = skip(i + 1);
        }
    }

    private boolean array(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        types.append('[');
        int i = skip(pos + 1);
        if (s.charAt(i) == ']') {
            pos = i + 1;
            types.append(']');
            return true;
        }
        while (true) {
            pos = i;
            if (!value(depth)) {
                return false;
            }
            i = skip(pos);
            char c = s.charAt(i);
            if (c == ']') {
                pos = i + 1;
                types.append(']');
                return true;
            }
            if (c != ',') {
                return false;
            }
            i = skip(i + 1);
        }
    }

    /**
     * The string whose opening quote is just before {@code pos}; appends its token ({@code s},
     * which {@link #object} turns into {@code k} for a key) and its value. False for a control character (strict mode rejects them),
     * a bad escape, or a surrogate that is not half of a pair.
     */
    private boolean string() {
        int start = pos;
        int i = start;
        // fast path: no escapes
        while (true) {
            char c = s.charAt(i);
            if (c == '"') {
                String v = s.substring(start, i);
                if (!pairedSurrogates(v)) {
                    return false;
                }
                pos = i + 1;
                types.append('s');
                add(v);
                return true;
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                return false;
            }
            i++;
        }
        StringBuilder b = chars;
        b.setLength(0);
        b.append(s, start, i);
        while (true) {
            char c = s.charAt(i++);
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                return false;
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    int u = hex4(i);
                    if (u < 0) {
                        return false;
                    }
                    b.append((char) u);
                    i += 4;
                }
                default -> {
                    return false;
                }
            }
        }
        String v = b.toString();
        if (!pairedSurrogates(v)) {
            return false;
        }
        pos = i;
        types.append('s');
        add(v);
        return true;
    }

    private int hex4(int i) {
        if (i + 4 > s.length()) {
            return -1;
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** Python keeps a lone surrogate as its own code point; a Java string cannot carry that across. */
    private static boolean pairedSurrogates(String v) {
        for (int i = 0, n = v.length(); i < n; i++) {
            char c = v.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == n || !Character.isLowSurrogate(v.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, as json.scanner.NUMBER_RE. */
    private boolean number() {
        int start = pos;
        int n = s.length();
        int i = start;
        if (s.charAt(i) == '-') {
            i++;
        }
        if (i >= n) {
            return false;
        }
        char c = s.charAt(i);
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            return false; // also NaN, Infinity, -Infinity: the standard path's parse_constant
        }
        int intEnd = i;
        boolean isFloat = false;
        if (i + 1 < n && s.charAt(i) == '.' && isDigit(s.charAt(i + 1))) {
            isFloat = true;
            i += 2;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            if (j < n && isDigit(s.charAt(j))) {
                while (j < n && isDigit(s.charAt(j))) {
                    j++;
                }
                isFloat = true;
                i = j;
            }
            // else: no exponent digits, the number ends before the 'e' (as NUMBER_RE matches)
        }
        pos = i;
        if (isFloat) {
            types.append('d');
            add(Double.parseDouble(s.substring(start, i)));
        } else if (intEnd - start <= 18) {
            types.append('i');
            add(parseLong(start, intEnd));
        } else {
            types.append('I');
            add(s.substring(start, intEnd));
        }
        return true;
    }

    private long parseLong(int start, int end) {
        boolean neg = s.charAt(start) == '-';
        long v = 0;
        for (int i = neg ? start + 1 : start; i < end; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return neg ? -v : v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}

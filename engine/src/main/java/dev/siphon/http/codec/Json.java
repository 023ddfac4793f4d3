package dev.siphon.http.codec;

/** JSON string literals, for the little JSON the engine writes itself (probe answers, access log lines). */
public final class Json {
    private Json() {}

    /** Appends {@code s} as a JSON string literal (quoted, escaped), or {@code null}. */
    public static StringBuilder string(StringBuilder b, String s) {
        if (s == null) {
            return b.append("null");
        }
        return escape(b.append('"'), s, s.length()).append('"');
    }

    /**
     * Appends the first {@code end} characters of {@code s} escaped as inside a JSON string (and
     * so readable in a message): quote, backslash and control characters, DEL included.
     */
    public static StringBuilder escape(StringBuilder b, String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b;
    }

    /** {@code s} as a JSON string literal. */
    public static String string(String s) {
        return string(new StringBuilder(s == null ? 4 : s.length() + 2), s).toString();
    }
}

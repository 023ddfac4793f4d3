package dev.siphon.http.config;

import dev.siphon.http.codec.Json;

/** Renders user text inside error messages: quoted, control characters escaped, long text cut. */
final class Texts {

    private static final int MAX_SHOWN = 80;

    private Texts() {
    }

    static String quote(String s) {
        int n = Math.min(s.length(), MAX_SHOWN);
        StringBuilder b = Json.escape(new StringBuilder(n + 8).append('"'), s, n);
        if (s.length() > MAX_SHOWN) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}

package dev.siphon.http.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One parsed HTTP/1.1 response: status line, header fields in order (names as sent), body. */
record RawResponse(String statusLine, int status, List<String[]> fields, byte[] body) {

    /** The field's values joined with ", ", names compared case-insensitively; null when absent. */
    String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : String.join(", ", values);
    }

    List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                values.add(f[1]);
            }
        }
        return values;
    }

    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(statusLine);
        for (String[] f : fields) {
            sb.append(" | ").append(f[0]).append(": ").append(f[1]);
        }
        return sb.append(" | body=").append(text().length() > 200 ? text().substring(0, 200) + "..." : text()).toString();
    }

    static final class Builder {
        private final String statusLine;
        private final int status;
        private final List<String[]> fields = new ArrayList<>();

        Builder(String statusLine, int status) {
            this.statusLine = statusLine;
            this.status = status;
        }

        void header(String name, String value) {
            fields.add(new String[] {name, value});
        }

        RawResponse build(byte[] body) {
            return new RawResponse(statusLine, status, List.copyOf(fields), body);
        }
    }
}

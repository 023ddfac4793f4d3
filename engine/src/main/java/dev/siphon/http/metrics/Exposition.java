package dev.siphon.http.metrics;

import java.util.List;
import java.util.Locale;

/**
 * The two formats a scraper may ask for: the Prometheus text format 0.0.4 and OpenMetrics 1.0
 * text, chosen from the request's {@code Accept} ({@link #negotiate}). They differ here in the
 * content type, in how a counter's family is named (OpenMetrics names it without {@code _total}
 * in {@code # TYPE}; its samples keep the suffix) and in the closing {@code # EOF}.
 */
public enum Exposition {
    PROMETHEUS_TEXT("text/plain; version=0.0.4; charset=utf-8"),
    OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

    private final String contentType;

    Exposition(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }

    /**
     * OpenMetrics when the {@code Accept} header lists {@code application/openmetrics-text} (with
     * a non-zero q), else the Prometheus text format, which every scraper reads.
     */
    public static Exposition negotiate(String accept) {
        if (accept == null) {
            return PROMETHEUS_TEXT;
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            if (!parts[0].trim().equalsIgnoreCase("application/openmetrics-text")) {
                continue;
            }
            boolean zero = false;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        zero = Double.parseDouble(p.substring(2)) <= 0;
                    } catch (NumberFormatException e) {
                        zero = true;
                    }
                }
            }
            if (!zero) {
                return OPENMETRICS;
            }
        }
        return PROMETHEUS_TEXT;
    }

    /** Appends one family after another to a StringBuilder in this format. */
    final class Writer {
        private final StringBuilder out;
        private String type = "";

        Writer(StringBuilder out) {
            this.out = out;
        }

        void header(Metric<?> m) {
            type = m.type();
            String family = m.name() + (type.equals("counter") && Exposition.this == PROMETHEUS_TEXT ? "_total" : "");
            out.append("# HELP ").append(family).append(' ');
            escape(m.help(), false);
            out.append('\n').append("# TYPE ").append(family).append(' ').append(type).append('\n');
        }

        /**
         * One sample line: the family's name, a suffix ({@code _bucket}, {@code _sum}, ...; a
         * counter's {@code _total} is added here), its labels, an extra label (a bucket's
         * {@code le}) when {@code extraName} is not null, and the value.
         */
        void sample(String name, String suffix, List<String> labelNames, List<String> labelValues, String extraName,
                    Double extraValue, double value) {
            out.append(name).append(suffix);
            if (type.equals("counter")) {
                out.append("_total");
            }
            if (!labelNames.isEmpty() || extraName != null) {
                out.append('{');
                for (int i = 0; i < labelNames.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    out.append(labelNames.get(i)).append("=\"");
                    escape(labelValues.get(i), true);
                    out.append('"');
                }
                if (extraName != null) {
                    if (!labelNames.isEmpty()) {
                        out.append(',');
                    }
                    out.append(extraName).append("=\"").append(bound(extraValue)).append('"');
                }
                out.append('}');
            }
            out.append(' ').append(number(value)).append('\n');
        }

        /**
         * One histogram child: a {@code _bucket} per bound with the count up to it ({@code upTo[i]},
         * cumulative), the {@code +Inf} bucket, {@code _sum} and {@code _count}.
         */
        void histogram(String name, List<String> labelNames, List<String> labelValues, double[] bounds, long[] upTo,
                       double sum, long count) {
            for (int i = 0; i < bounds.length; i++) {
                sample(name, "_bucket", labelNames, labelValues, "le", bounds[i], upTo[i]);
            }
            sample(name, "_bucket", labelNames, labelValues, "le", Double.POSITIVE_INFINITY, count);
            sample(name, "_sum", labelNames, labelValues, null, null, sum);
            sample(name, "_count", labelNames, labelValues, null, null, count);
        }

        void end() {
            if (Exposition.this == OPENMETRICS) {
                out.append("# EOF\n");
            }
        }

        /** Label values escape backslash, double quote and newline; help text backslash and newline. */
        private void escape(String s, boolean quote) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '"' -> out.append(quote ? "\\\"" : "\"");
                    default -> out.append(c);
                }
            }
        }
    }

    /** A bucket bound as OpenMetrics writes it: always with a fraction ("1.0", "0.005", "+Inf"). */
    static String bound(double v) {
        return Double.isInfinite(v) ? number(v) : v == Math.rint(v) ? (long) v + ".0"
                : java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** A sample value: integers without a fraction, the rest as Java writes a double, infinities and NaN by name. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}

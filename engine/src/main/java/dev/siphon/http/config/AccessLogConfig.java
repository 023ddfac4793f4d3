package dev.siphon.http.config;

import java.nio.file.Path;

/**
 * The access log ({@code access_log:}): one line per answered request, written off the I/O
 * loops. Off unless configured.
 *
 * @param path          the file lines are appended to, or {@code null} for standard output ({@code -})
 * @param json          JSON lines ({@code format: json}, the default), else a common-log-like text line
 * @param queueLines    lines waiting for the writer at most; when it is full, lines are dropped
 *                      and counted ({@code siphon_access_log_dropped_total}), never waited for
 */
public record AccessLogConfig(Path path, boolean json, int queueLines) {
    public static final int DEFAULT_QUEUE_LINES = 65_536;
    public static final int MAX_QUEUE_LINES = 1 << 24;

    /** The keys of {@code access_log:}, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("access_log",
            Setting.shaped("path", "path", "path or `-`", "**required**",
                    "the file lines are appended to; `-` for standard output"),
            Setting.shaped("format", "json", "`json` \\| `text`", "`json`", "one JSON object per line, or a text line"),
            Setting.integer("queue_lines", "queueLines", 1, MAX_QUEUE_LINES, DEFAULT_QUEUE_LINES,
                    "lines waiting for the writer at most; more are dropped and counted"));

    public AccessLogConfig {
        SECTION.check("queueLines", queueLines);
    }

    /** JSON lines to {@code path} ({@code null}: standard output) with the default queue. */
    public static AccessLogConfig to(Path path) {
        return new AccessLogConfig(path, true, DEFAULT_QUEUE_LINES);
    }

    public AccessLogConfig withJson(boolean json) {
        return Section.with(this, "json", json);
    }

    public AccessLogConfig withQueueLines(int queueLines) {
        return Section.with(this, "queueLines", queueLines);
    }
}

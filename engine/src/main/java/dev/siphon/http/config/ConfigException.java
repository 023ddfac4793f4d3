package dev.siphon.http.config;

/**
 * A configuration that cannot be used, with one message a person can act on:
 * {@code <file>:<line>: <key path>: <what was expected, what was found>}.
 *
 * <p>The line is 1-based and left out of the message when unknown ({@link #line()} is then -1);
 * the key path (like {@code servers[0].max_body_bytes}) is left out when the problem concerns
 * the whole file, such as a file that cannot be read ({@link #key()} is then empty).
 *
 * <p>Other layers that check what the configuration names (the TLS layer reading PEM files,
 * the listener binding a port) throw this too, so start-up reports every configuration problem
 * in the same form.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String key;
    private final String detail;

    /**
     * @param file   the configuration file's name as the user gave it
     * @param line   1-based line, or -1 when unknown
     * @param key    key path such as {@code clients.api.base_url}, or empty for the whole file
     * @param detail what was expected and what was found
     */
    public ConfigException(String file, int line, String key, String detail) {
        this(file, line, key, detail, null);
    }

    public ConfigException(String file, int line, String key, String detail, Throwable cause) {
        super(format(file, line, key, detail), cause);
        this.file = file == null ? "" : file;
        this.line = line > 0 ? line : -1;
        this.key = key == null ? "" : key;
        this.detail = detail == null ? "" : detail;
    }

    private static String format(String file, int line, String key, String detail) {
        StringBuilder b = new StringBuilder(file == null ? "" : file);
        if (line > 0) {
            b.append(':').append(line);
        }
        b.append(": ");
        if (key != null && !key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(detail).toString();
    }

    /** The configuration file's name as the user gave it. */
    public String file() {
        return file;
    }

    /** The key path, like {@code servers[1].tls.key_path}; empty when the problem is the whole file. */
    public String key() {
        return key;
    }

    /** The 1-based line of the offending key or value, or -1 when unknown. */
    public int line() {
        return line;
    }

    /** The message without its {@code file:line: key:} prefix. */
    public String detail() {
        return detail;
    }
}

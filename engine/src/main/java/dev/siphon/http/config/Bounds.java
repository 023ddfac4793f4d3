package dev.siphon.http.config;

/**
 * What every numeric setting is checked against. Each bound is declared once, in the
 * {@link Setting} of its key ({@link Section}s next to {@link EngineSettings}, {@link ServerConfig},
 * {@link ClientConfig}, {@link TlsConfig}, {@link ConnectionLimits},
 * {@link dev.siphon.http.config.Http2Settings}), with the constants it names, and used by both the
 * {@link ConfigLoader} (an error naming the file, the key, the line and the range) and the
 * records' constructors, which the Java builders go through (an {@link IllegalArgumentException}
 * naming the setting and the range). docs/configuration.md lists them, and a test holds it to the
 * declarations.
 *
 * <p>An upper bound is there so that a typo or a pasted value fails at start-up instead of
 * reaching what it would break later, on a loop thread: an allocation sized by it (a body
 * buffer, the field slots of every connection's parser), an {@code int} it is narrowed to, or a
 * clock computation it overflows. Each is far above any value a deployment needs.
 */
public final class Bounds {
    /**
     * The longest timeout or time window: 24 hours. No request, handshake, idle connection or
     * shutdown is meant to wait longer, and deadlines computed in nanoseconds ({@code now +
     * timeout}, {@code grace + 5 s}) stay far from overflowing.
     */
    public static final long MAX_TIMEOUT_MS = 86_400_000L;

    private Bounds() {}

    /**
     * Checks a Java caller's value.
     *
     * @throws IllegalArgumentException "{@code setting} must be from {@code min} to {@code max},
     *     was {@code value}"
     */
    public static long check(String setting, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " must be from " + min + " to " + max + ", was " + value);
        }
        return value;
    }
}

package dev.siphon.http.client;

/** A Redis command of a {@link RedisClient} failed; {@link #kind()} says how. */
public final class RedisException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How a command failed. */
    public enum Kind {
        /** No connection: Redis is unreachable, refused AUTH, or the connection was lost mid-command. */
        UNAVAILABLE,
        /** No reply within the per-call timeout. */
        TIMEOUT,
        /** Redis answered with an error ({@code WRONGTYPE ...}, {@code ERR ...}). */
        REPLY
    }

    private final Kind kind;

    public RedisException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

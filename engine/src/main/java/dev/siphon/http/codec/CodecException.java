package dev.siphon.http.codec;

/**
 * Input a shared decoder cannot accept, said without a role: the {@link Kind} is what went wrong,
 * the message the detail. Each side maps it to its own outcome: the server to the status it
 * answers ({@code RequestError.of}), the client to the exception the caller sees. A decoder used by
 * one side only may throw it too, so that its caller maps a kind rather than a message.
 *
 * <p>Thrown without a stack trace: expected, peer-caused and frequent under attack.
 */
public final class CodecException extends Exception {
    /** What went wrong; each maps to one outcome per side. */
    public enum Kind {
        /** The bytes break the grammar. */
        MALFORMED,
        /** A head or trailer section is longer than its cap. */
        FIELDS_TOO_LARGE,
        /** A head holds more field lines than its cap. */
        TOO_MANY_FIELDS,
        /** A body is longer than its cap. */
        BODY_TOO_LARGE,
        /** A body does not fit in the budget shared by the bodies buffered now. */
        BUDGET_SPENT
    }

    private final Kind kind;

    public CodecException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /** A {@link Kind#MALFORMED} error. */
    public static CodecException malformed(String message) {
        return new CodecException(Kind.MALFORMED, message);
    }

    public Kind kind() {
        return kind;
    }
}

package dev.siphon.http.h2.hpack;

/**
 * A header block could not be decoded, and how far the damage reaches.
 *
 * <p>{@link Kind#COMPRESSION_ERROR} means the decoder's state can no longer be trusted to match
 * the peer's encoder: RFC 7541 §2.3 and RFC 9113 §4.3 make that a connection error, which the
 * HTTP/2 layer answers with GOAWAY COMPRESSION_ERROR. {@link Kind#HEADER_LIST_TOO_LARGE} means the
 * block was well formed and fully processed, so the dynamic table is still in step with the peer,
 * but the decoded header list exceeded the advertised SETTINGS_MAX_HEADER_LIST_SIZE: the HTTP/2
 * layer answers the stream (431 or RST_STREAM) and keeps the connection.
 *
 * <p>The exception has no stack trace: a peer can provoke it at will, and the message says where
 * the block went wrong.
 */
public final class HpackException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The scope of the failure. */
    public enum Kind {
        /** Malformed block or broken compression state: connection error (GOAWAY). */
        COMPRESSION_ERROR,
        /** Well-formed block whose header list is over the limit: stream-level refusal. */
        HEADER_LIST_TOO_LARGE
    }

    private final Kind kind;

    private HpackException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    static HpackException compression(String message) {
        return new HpackException(Kind.COMPRESSION_ERROR, message);
    }

    static HpackException headerListTooLarge(long limit) {
        return new HpackException(Kind.HEADER_LIST_TOO_LARGE,
                "decoded header list exceeds " + limit + " octets (name + value + 32 per field)");
    }

    public Kind kind() {
        return kind;
    }

    /** True when the whole connection must go (GOAWAY COMPRESSION_ERROR). */
    public boolean isConnectionError() {
        return kind == Kind.COMPRESSION_ERROR;
    }
}

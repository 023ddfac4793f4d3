package dev.siphon.http.codec;

import dev.siphon.http.codec.CodecException.Kind;

/**
 * Decodes the chunked transfer coding (RFC 9112 §7.1) incrementally: bytes may arrive split
 * anywhere. Strict: every line ends in CRLF (a bare LF is an error), chunk sizes are bounded by
 * the body cap before any data is accepted, chunk extensions and trailers are bounded and
 * discarded (RFC 9112 §7.1.1, RFC 9110 §6.5.1 allow that). Shared by the server (request bodies)
 * and the client (response bodies): errors are role-neutral {@link CodecException}s that each side
 * maps to its own outcome. Loop thread only.
 */
public final class ChunkedDecoder {
    /** Hex digits in a chunk size: 15 keep the size below 2^60, far above any body cap. */
    private static final int MAX_SIZE_DIGITS = 15;
    /** Bytes of chunk extensions allowed on one chunk-size line. */
    static final int MAX_EXTENSION_BYTES = 4096;

    private enum State {
        SIZE,
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), RFC 9112 §7.1.1; ext-val is a
        // token or a quoted-string. Each state is where the line is in that grammar.
        EXT_BWS, EXT_NAME_START, EXT_NAME, EXT_AFTER_NAME, EXT_VALUE_START, EXT_VALUE, EXT_QUOTED, EXT_QUOTED_ESCAPE,
        SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_LINE_START, TRAILER_LINE, TRAILER_LF, END_LF, DONE
    }

    private final int maxTrailerBytes;
    private State state = State.SIZE;
    private long chunkSize;
    private int digits;
    private int extensionBytes;
    private int trailerBytes;

    public ChunkedDecoder(int maxTrailerBytes) {
        this.maxTrailerBytes = maxTrailerBytes;
    }

    public boolean done() {
        return state == State.DONE;
    }

    /** The next state of a chunk extension after byte {@code c} (not the CR that ends the line). */
    private static State extension(State state, int c) throws CodecException {
        boolean ws = c == ' ' || c == '\t';
        State next = switch (state) {
            case EXT_BWS -> ws ? State.EXT_BWS : c == ';' ? State.EXT_NAME_START : null;
            case EXT_NAME_START -> ws ? State.EXT_NAME_START : FieldSyntax.isTchar(c) ? State.EXT_NAME : null;
            case EXT_NAME -> FieldSyntax.isTchar(c) ? State.EXT_NAME : afterNameOrValue(c, true);
            case EXT_AFTER_NAME -> afterNameOrValue(c, true);
            case EXT_VALUE_START -> ws ? State.EXT_VALUE_START : c == '"' ? State.EXT_QUOTED
                    : FieldSyntax.isTchar(c) ? State.EXT_VALUE : null;
            case EXT_VALUE -> FieldSyntax.isTchar(c) ? State.EXT_VALUE : afterNameOrValue(c, false);
            // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text; quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
            case EXT_QUOTED -> c == '"' ? State.EXT_BWS : c == '\\' ? State.EXT_QUOTED_ESCAPE
                    : FieldSyntax.isValueOctet(c) ? State.EXT_QUOTED : null;
            case EXT_QUOTED_ESCAPE -> FieldSyntax.isValueOctet(c) ? State.EXT_QUOTED : null;
            default -> throw new IllegalStateException(state.name());
        };
        if (next == null) {
            throw CodecException.malformed("invalid chunk extension");
        }
        return next;
    }

    /** After an extension's name (which may take "=") or its token value: BWS, then ";" or the line's end. */
    private static State afterNameOrValue(int c, boolean name) {
        if (c == ' ' || c == '\t') {
            return name ? State.EXT_AFTER_NAME : State.EXT_BWS;
        }
        if (c == ';') {
            return State.EXT_NAME_START;
        }
        return name && c == '=' ? State.EXT_VALUE_START : null;
    }

    /**
     * Consumes bytes from {@code b[p, end)}, appending chunk data to {@code body}.
     *
     * @return the index of the first byte not consumed (bytes after the final CRLF stay unconsumed)
     */
    public int decode(byte[] b, int p, int end, BodyBuffer body) throws CodecException {
        while (p < end) {
            switch (state) {
                case SIZE -> {
                    int c = b[p];
                    int v = Ascii.hexDigit(c);
                    if (v >= 0) {
                        if (++digits > MAX_SIZE_DIGITS) {
                            throw CodecException.malformed("chunk size too long");
                        }
                        chunkSize = (chunkSize << 4) | v;
                        p++;
                    } else if (digits == 0) {
                        throw CodecException.malformed("missing chunk size");
                    } else if (c == '\r') {
                        state = State.SIZE_LF;
                        p++;
                    } else if (c == ';' || c == ' ' || c == '\t') {
                        state = State.EXT_BWS; // reads this byte again
                    } else {
                        throw CodecException.malformed("invalid chunk size");
                    }
                }
                case EXT_BWS, EXT_NAME_START, EXT_NAME, EXT_AFTER_NAME, EXT_VALUE_START, EXT_VALUE, EXT_QUOTED,
                     EXT_QUOTED_ESCAPE -> {
                    int c = b[p] & 0xFF;
                    if (c == '\r' && state != State.EXT_QUOTED && state != State.EXT_QUOTED_ESCAPE
                            && state != State.EXT_NAME_START && state != State.EXT_VALUE_START) {
                        state = State.SIZE_LF;
                    } else if (++extensionBytes > MAX_EXTENSION_BYTES) {
                        throw CodecException.malformed("chunk extension too long");
                    } else {
                        state = extension(state, c);
                    }
                    p++;
                }
                case SIZE_LF -> {
                    if (b[p++] != '\n') {
                        throw CodecException.malformed("chunk size line not ended by CRLF");
                    }
                    if (chunkSize == 0) {
                        state = State.TRAILER_LINE_START;
                    } else {
                        body.ensureFits(chunkSize); // reject an over-cap chunk before reading it
                        state = State.DATA;
                    }
                }
                case DATA -> {
                    int take = (int) Math.min(chunkSize, end - p);
                    body.append(b, p, take);
                    p += take;
                    chunkSize -= take;
                    if (chunkSize == 0) {
                        state = State.DATA_CR;
                    }
                }
                case DATA_CR -> {
                    if (b[p++] != '\r') {
                        throw CodecException.malformed("chunk data not followed by CRLF");
                    }
                    state = State.DATA_LF;
                }
                case DATA_LF -> {
                    if (b[p++] != '\n') {
                        throw CodecException.malformed("chunk data not followed by CRLF");
                    }
                    state = State.SIZE;
                    digits = 0;
                    extensionBytes = 0;
                }
                case TRAILER_LINE_START -> {
                    // trailer-section = *( field-line CRLF ), then the final CRLF
                    if (b[p] == '\r') {
                        state = State.END_LF;
                        p++;
                    } else {
                        state = State.TRAILER_LINE;
                    }
                }
                case TRAILER_LINE -> {
                    int c = b[p] & 0xFF;
                    if (++trailerBytes > maxTrailerBytes) {
                        throw new CodecException(Kind.FIELDS_TOO_LARGE, "trailer section too large");
                    }
                    if (c == '\r') {
                        state = State.TRAILER_LF;
                    } else if (!FieldSyntax.isValueOctet(c)) {
                        throw CodecException.malformed("invalid character in trailer"); // RFC 9110 §5.5
                    }
                    p++;
                }
                case TRAILER_LF -> {
                    if (b[p++] != '\n') {
                        throw CodecException.malformed("trailer line not ended by CRLF");
                    }
                    state = State.TRAILER_LINE_START;
                }
                case END_LF -> {
                    if (b[p++] != '\n') {
                        throw CodecException.malformed("chunked body not ended by CRLF");
                    }
                    state = State.DONE;
                    return p;
                }
                case DONE -> {
                    return p;
                }
            }
        }
        return p;
    }
}

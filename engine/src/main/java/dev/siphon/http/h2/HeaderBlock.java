package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.CONTINUATION;

import dev.siphon.http.internal.Counters.Limit;
import java.util.Arrays;

/**
 * Assembles one header block at a time from a HEADERS frame and its CONTINUATION frames (RFC 9113
 * §4.3, §6.10), for either side of a connection. While a block is open nothing but CONTINUATION
 * of its stream may arrive ({@link #checkFrameOrder}, before the frame is parsed); the block's
 * size and its number of CONTINUATION frames are capped (a flood is refused at the offending
 * frame, before it is buffered).
 *
 * <p>A block that fits one HEADERS frame is not copied: {@link #array()} is then the frame's own
 * bytes, valid only during the frame's callback. A block in pieces is copied into an array of
 * this assembler, which {@link #decoded()} shrinks back after a large one. Loop thread only.
 */
public final class HeaderBlock {
    /** A block's array is kept between blocks up to this size. */
    private static final int KEEP_BYTES = 16 * 1024;

    private final int maxBytes;
    private final int maxContinuations;
    private byte[] buffer = new byte[0];
    private int size;
    private int continuations;
    private int openStream; // the stream of the block being assembled; 0 when none is open
    // the last complete block
    private int streamId;
    private boolean endStream;
    private boolean selfDependent;
    private byte[] array;
    private int offset;
    private int length;

    /**
     * @param maxBytes         encoded octets a block may have (an ENHANCE_YOUR_CALM connection error above)
     * @param maxContinuations CONTINUATION frames a block may have (the same above)
     */
    public HeaderBlock(int maxBytes, int maxContinuations) {
        this.maxBytes = maxBytes;
        this.maxContinuations = maxContinuations;
    }

    /**
     * RFC 9113 §6.10: inside a header block only CONTINUATION frames of its stream may come. Call
     * with every frame's type and stream id before the frame is parsed.
     */
    public void checkFrameOrder(int type, int frameStreamId) throws ConnectionError {
        if (openStream != 0 && (type != CONTINUATION || frameStreamId != openStream)) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "header block interrupted by another frame");
        }
    }

    /** True while a block waits for its CONTINUATION frames. */
    public boolean isOpen() {
        return openStream != 0;
    }

    /**
     * A HEADERS frame's fragment.
     *
     * @return true when the block is complete ({@code endHeaders}): read it through the accessors
     */
    public boolean onHeaders(int stream, boolean endStreamFlag, boolean endHeaders, boolean selfDep, byte[] a, int off,
                             int len) throws ConnectionError {
        streamId = stream;
        endStream = endStreamFlag;
        selfDependent = selfDep;
        if (endHeaders) {
            array = a;
            offset = off;
            length = len;
            return true;
        }
        openStream = stream;
        continuations = 0;
        size = 0;
        append(a, off, len);
        return false;
    }

    /**
     * A CONTINUATION frame's fragment.
     *
     * @return true when the block is complete ({@code endHeaders}): read it through the accessors
     */
    public boolean onContinuation(int stream, boolean endHeaders, byte[] a, int off, int len) throws ConnectionError {
        if (openStream == 0 || stream != openStream) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a header block"); // §6.10
        }
        if (++continuations > maxContinuations) {
            // CONTINUATION flood: refused at the offending frame, before buffering it
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "more than " + maxContinuations
                    + " CONTINUATION frames", Limit.H2_CONTINUATION);
        }
        append(a, off, len);
        if (!endHeaders) {
            return false;
        }
        openStream = 0;
        array = buffer;
        offset = 0;
        length = size;
        return true;
    }

    private void append(byte[] a, int off, int len) throws ConnectionError {
        if ((long) size + len > maxBytes) {
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block exceeds " + maxBytes + " octets",
                    Limit.H2_CONTINUATION);
        }
        if (size + len > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(maxBytes, Math.max(size + len, buffer.length * 2)));
        }
        System.arraycopy(a, off, buffer, size, len);
        size += len;
    }

    /** The complete block was decoded: a large array goes, so an idle connection does not keep it. */
    public void decoded() {
        size = 0;
        array = null;
        if (buffer.length > KEEP_BYTES) {
            buffer = new byte[0];
        }
    }

    /** The stream of the last complete block. */
    public int streamId() {
        return streamId;
    }

    /** Its HEADERS frame had END_STREAM. */
    public boolean endStream() {
        return endStream;
    }

    /** Its HEADERS frame's priority named the stream itself (a stream error once decoded, §5.3.1). */
    public boolean selfDependent() {
        return selfDependent;
    }

    public byte[] array() {
        return array;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }
}

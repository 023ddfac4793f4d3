package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.*;


/**
 * Parses HTTP/2 frames (RFC 9113 §4, §6) in place from the connection's read buffer: syntax only
 * (lengths, padding, which frames need a stream id), meaning is the {@link FrameHandler}'s.
 * A frame longer than the SETTINGS_MAX_FRAME_SIZE we advertised is refused from its 9-octet
 * header, before any of it is buffered or allocated. Loop thread; stateless but for that limit.
 * Public for the frame-parsing benchmark in {@code bench/}; sessions are its only other user.
 */
public final class FrameReader {
    private final int maxFrameSize;

    public FrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * The length of the frame at {@code p}, header included, when it is all buffered; 0 when more
     * bytes are needed.
     */
    public int frameLength(byte[] a, int p, int end) throws ConnectionError {
        if (end - p < HEADER_LENGTH) {
            return 0;
        }
        int len = ((a[p] & 0xFF) << 16) | ((a[p + 1] & 0xFF) << 8) | (a[p + 2] & 0xFF);
        if (len > maxFrameSize) {
            // RFC 9113 §4.2: larger than we advertised; a frame that may carry header state
            // cannot be skipped safely, so it ends the connection whatever its type.
            throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "frame of " + len + " octets exceeds " + maxFrameSize);
        }
        return end - p - HEADER_LENGTH >= len ? HEADER_LENGTH + len : 0;
    }

    /** Parses the complete frame at {@code p} (checked by {@link #frameLength}) and hands it on. */
    public void read(byte[] a, int p, FrameHandler h) throws StreamError, ConnectionError {
        int len = ((a[p] & 0xFF) << 16) | ((a[p + 1] & 0xFF) << 8) | (a[p + 2] & 0xFF);
        int type = a[p + 3] & 0xFF;
        int flags = a[p + 4] & 0xFF;
        int stream = int31(a, p + 5); // RFC 9113 §4.1: the reserved bit is ignored
        int off = p + HEADER_LENGTH;
        switch (type) {
            case DATA -> {
                if (stream == 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0"); // §6.1
                }
                int pad = padding(flags, a, off, len);
                int start = (flags & FLAG_PADDED) != 0 ? off + 1 : off;
                h.onData(stream, (flags & FLAG_END_STREAM) != 0, a, start, len - (start - off) - pad, len);
            }
            case HEADERS -> {
                if (stream == 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0"); // §6.2
                }
                int pad = padding(flags, a, off, len);
                int start = (flags & FLAG_PADDED) != 0 ? off + 1 : off;
                boolean selfDependent = false;
                if ((flags & FLAG_PRIORITY) != 0) {
                    if (len - (start - off) - pad < 5) {
                        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority");
                    }
                    selfDependent = int31(a, start) == stream; // §5.3.1, raised once the block is decoded
                    start += 5;
                }
                h.onHeaders(stream, (flags & FLAG_END_STREAM) != 0, (flags & FLAG_END_HEADERS) != 0, selfDependent,
                        a, start, len - (start - off) - pad);
            }
            case PRIORITY -> {
                if (stream == 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0"); // §6.3
                }
                if (len != 5) {
                    throw new StreamError(stream, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY of " + len + " octets");
                }
                checkDependency(stream, int31(a, off));
                h.onPriority(stream);
            }
            case RST_STREAM -> {
                if (stream == 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0"); // §6.4
                }
                if (len != 4) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of " + len + " octets");
                }
                h.onRstStream(stream, int32(a, off));
            }
            case SETTINGS -> {
                if (stream != 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream"); // §6.5
                }
                boolean ack = (flags & FLAG_ACK) != 0;
                if (ack && len != 0) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ack with a payload");
                }
                if (len % 6 != 0) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS of " + len + " octets");
                }
                h.onSettings(ack, a, off, len);
            }
            case PUSH_PROMISE -> // §8.4: a client cannot push
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
            case PING -> {
                if (stream != 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream"); // §6.7
                }
                if (len != 8) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of " + len + " octets");
                }
                h.onPing((flags & FLAG_ACK) != 0, a, off);
            }
            case GOAWAY -> {
                if (stream != 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream"); // §6.8
                }
                if (len < 8) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY of " + len + " octets");
                }
                h.onGoAway(int31(a, off), int32(a, off + 4));
            }
            case WINDOW_UPDATE -> {
                if (len != 4) {
                    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE of " + len + " octets");
                }
                h.onWindowUpdate(stream, int31(a, off));
            }
            case CONTINUATION -> {
                if (stream == 0) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION on stream 0"); // §6.10
                }
                h.onContinuation(stream, (flags & FLAG_END_HEADERS) != 0, a, off, len);
            }
            default -> h.onUnknown(type, stream);
        }
    }

    /** The padding length of a PADDED frame, checked against its payload (RFC 9113 §6.1, §6.2). */
    private static int padding(int flags, byte[] a, int off, int len) throws ConnectionError {
        if ((flags & FLAG_PADDED) == 0) {
            return 0;
        }
        if (len < 1) {
            throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "padded frame without a pad length");
        }
        int pad = a[off] & 0xFF;
        if (pad >= len) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding fills the whole frame");
        }
        return pad;
    }

    /** RFC 9113 §5.3.1: a stream cannot depend on itself. */
    private static void checkDependency(int stream, int dependency) throws StreamError {
        if (dependency == stream) {
            throw new StreamError(stream, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
        }
    }

    public static int int31(byte[] a, int p) {
        return int32(a, p) & 0x7FFF_FFFF;
    }

    public static int int32(byte[] a, int p) {
        return ((a[p] & 0xFF) << 24) | ((a[p + 1] & 0xFF) << 16) | ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
    }
}

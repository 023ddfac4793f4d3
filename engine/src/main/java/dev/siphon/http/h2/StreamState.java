package dev.siphon.http.h2;

/**
 * The life of a stream (RFC 9113 §5.1). A server that never pushes never reserves a stream, so the
 * "reserved" states do not occur here.
 *
 * <pre>
 *                          +--------+
 *                  send PP |        | recv PP
 *                 ,--------+  idle  +--------.
 *                /         |        |         \
 *               v          +--------+          v
 *        +----------+          |           +----------+
 *        |          |          | send H /  |          |
 * ,------+ reserved |          | recv H    | reserved +------.
 * |      | (local)  |          |           | (remote) |      |
 * |      +---+------+          v           +------+---+      |
 * |          |             +--------+             |          |
 * |          |     recv ES |        | send ES     |          |
 * |   send H |     ,-------+  open  +-------.     | recv H   |
 * |          |    /        |        |        \    |          |
 * |          v   v         +---+----+         v   v          |
 * |      +----------+          |           +----------+      |
 * |      |   half-  |          |           |   half-  |      |
 * |      |  closed  |          | send R /  |  closed  |      |
 * |      | (remote) |          | recv R    | (local)  |      |
 * |      +----+-----+          |           +-----+----+      |
 * |           |                |                 |           |
 * |           | send ES /      |       recv ES / |           |
 * |           |  send R /      v        send R / |           |
 * |           |  recv R    +--------+   recv R   |           |
 * | send R /  `-----------&gt;|        |&lt;-----------'  send R / |
 * | recv R                 | closed |               recv R   |
 * `-----------------------&gt;|        |&lt;-----------------------'
 *                          +--------+
 *
 *    send:   endpoint sends this frame
 *    recv:   endpoint receives this frame
 *    H:  HEADERS frame (with implied CONTINUATION frames)
 *    PP: PUSH_PROMISE frame (with implied CONTINUATION frames)
 *    ES: END_STREAM flag
 *    R:  RST_STREAM frame
 * </pre>
 */
public enum StreamState {
    /** No frame yet: every stream id above the highest one the peer opened. */
    IDLE,
    /** Request headers received, more request frames to come. */
    OPEN,
    /** The request is complete (END_STREAM received); the response is being sent. */
    HALF_CLOSED_REMOTE,
    /** The response is complete (END_STREAM sent) before the request was. */
    HALF_CLOSED_LOCAL,
    /** Both sides done, or reset. */
    CLOSED;

    /** After END_STREAM from the peer. */
    StreamState onRecvEndStream() {
        return switch (this) {
            case OPEN -> HALF_CLOSED_REMOTE;
            case HALF_CLOSED_LOCAL -> CLOSED;
            default -> this;
        };
    }

    /** After we sent END_STREAM. */
    StreamState onSendEndStream() {
        return switch (this) {
            case OPEN -> HALF_CLOSED_LOCAL;
            case HALF_CLOSED_REMOTE -> CLOSED;
            default -> this;
        };
    }

    /** Whether the peer may still send DATA or trailers. */
    boolean canReceive() {
        return this == OPEN || this == HALF_CLOSED_LOCAL;
    }
}

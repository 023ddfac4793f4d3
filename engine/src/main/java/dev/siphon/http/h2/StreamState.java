package dev.siphon.http.h2;

/**
 * The life of a stream (RFC 9113 §5.1), on either side of a connection: "local" is this end (the
 * server answering, or the client asking), "remote" the peer. Neither side pushes, so no stream is
 * ever reserved and the "reserved" states do not occur here.
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
    /** No frame yet: every stream id above the highest one opened. */
    IDLE,
    /** HEADERS sent or received; both sides have more to send. */
    OPEN,
    /** The peer is done (END_STREAM received); this end is still sending: a server its response. */
    HALF_CLOSED_REMOTE,
    /** This end is done (END_STREAM sent): a client's request, or a server's response before the request was complete. */
    HALF_CLOSED_LOCAL,
    /** Both sides done, or reset. */
    CLOSED;

    /** After END_STREAM from the peer. */
    public StreamState onRecvEndStream() {
        return switch (this) {
            case OPEN -> HALF_CLOSED_REMOTE;
            case HALF_CLOSED_LOCAL -> CLOSED;
            default -> this;
        };
    }

    /** After we sent END_STREAM. */
    public StreamState onSendEndStream() {
        return switch (this) {
            case OPEN -> HALF_CLOSED_LOCAL;
            case HALF_CLOSED_REMOTE -> CLOSED;
            default -> this;
        };
    }

    /** Whether the peer may still send DATA or trailers. */
    public boolean canReceive() {
        return this == OPEN || this == HALF_CLOSED_LOCAL;
    }
}

package dev.siphon.http.h2;

import dev.siphon.http.Headers;
import dev.siphon.http.Response;
import dev.siphon.http.dispatch.Exchange;
import java.util.Arrays;

/**
 * One request/response exchange on an HTTP/2 connection: its {@link StreamState}, both
 * flow-control windows, the request as it arrives and the response body still to send. Created
 * and used by its {@link Http2Session} on the connection's loop thread only; the handler's answer
 * reaches it through {@link #complete}, which the {@link Exchange} always calls on that loop.
 */
final class Http2Stream implements Exchange.Sink {
    private static final byte[] EMPTY = new byte[0];

    final int id;
    private final Http2Session session;
    StreamState state = StreamState.IDLE;
    final FlowControlWindow sendWindow;
    /** Octets the peer may still send on this stream before our next WINDOW_UPDATE. */
    int recvWindow;
    /** Octets received and consumed, not yet given back with WINDOW_UPDATE. */
    int recvUnacked;

    // The request.
    String method;
    String path;
    String authority;
    Headers headers;
    long contentLength = -1;
    long received;
    private byte[] body = EMPTY;
    private int bodySize;
    /** The request was answered early (413, 431): the rest of its body is dropped. */
    boolean discardBody;
    /** Waiting in the session's list of requests to dispatch at the end of this read. */
    boolean readyToDispatch;
    long deadlineNanos;
    Exchange exchange;

    // The response.
    boolean responseStarted;
    boolean headRequest;
    byte[] pending;
    int pendingOff;
    /** In the session's queue of streams waiting for window or for the socket. */
    boolean queued;

    Http2Stream(int id, Http2Session session, int sendWindow, int recvWindow) {
        this.id = id;
        this.session = session;
        this.sendWindow = new FlowControlWindow(sendWindow);
        this.recvWindow = recvWindow;
    }

    /** Allocates the body once at its announced length (already checked against the cap). */
    void expectBody(long length) {
        if (length > 0) {
            body = new byte[(int) length];
        }
    }

    /** {@link #appendBody} outcomes. */
    static final int APPENDED = 0;
    static final int OVER_STREAM_CAP = 1;
    static final int OVER_CONNECTION_CAP = 2;

    /**
     * Appends request body octets, growing the buffer by at most {@code room} (what the connection's
     * body budget has left); nothing is appended unless it returns {@link #APPENDED}.
     *
     * @param cap the stream's body cap ({@code max_body_bytes})
     */
    int appendBody(byte[] a, int off, int len, long cap, long room) {
        long need = bodySize + (long) len;
        if (need > cap) {
            return OVER_STREAM_CAP;
        }
        if (need > body.length) {
            long grown = Math.max(Math.max((long) body.length * 2, 1024), need);
            grown = Math.min(Math.min(grown, cap), body.length + Math.max(0, room));
            if (grown < need) {
                return OVER_CONNECTION_CAP;
            }
            body = Arrays.copyOf(body, (int) grown);
        }
        System.arraycopy(a, off, body, bodySize, len);
        bodySize += len;
        return APPENDED;
    }

    /** Octets allocated for the request body: what the connection's body budget counts. */
    int bodyCapacity() {
        return body.length;
    }

    byte[] takeBody() {
        byte[] b = bodySize == body.length ? body : Arrays.copyOf(body, bodySize);
        body = EMPTY;
        bodySize = 0;
        return b;
    }

    void dropBody() {
        body = EMPTY;
        bodySize = 0;
    }

    @Override
    public void complete(Exchange ex, Response response) {
        session.onResponse(this, response);
    }

    @Override
    public String toString() {
        return "stream " + id + " " + state;
    }
}

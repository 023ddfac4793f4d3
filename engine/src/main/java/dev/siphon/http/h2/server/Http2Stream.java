package dev.siphon.http.h2.server;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.Response;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.dispatch.Exchange;
import dev.siphon.http.h2.FlowControlWindow;
import dev.siphon.http.h2.ReceiveWindow;
import dev.siphon.http.h2.StreamState;
import dev.siphon.http.router.RouteMatch;

/**
 * One request/response exchange on an HTTP/2 connection: its {@link StreamState}, both
 * flow-control windows, the request as it arrives and the response body still to send. Created
 * and used by its {@link Http2Session} on the connection's loop thread only; the handler's answer
 * reaches it through {@link #complete}, which the {@link Exchange} always calls on that loop.
 */
final class Http2Stream implements Exchange.Sink {
    final int id;
    private final Http2Session session;
    StreamState state = StreamState.IDLE;
    final FlowControlWindow sendWindow;

    // The request.
    String method;
    String path;
    String query;
    String authority;
    Headers headers;
    /** The router's answer for the request; null for CONNECT and for a request answered before routing. */
    RouteMatch<AsyncHandler> route;
    long contentLength = -1;
    long received;
    /** The body as it arrives, reserved in the engine's budget; null before its first octet and once handed over. */
    BodyBuffer body;
    /**
     * Octets of the connection's body budget this stream holds until its handler has the request:
     * its declared length, or what arrived when none was declared.
     */
    long committed;
    /** Octets of the engine's body budget held by the body handed to the handler, until the stream ends. */
    long handedOver;
    /** The request was answered early (404, 405, 413, 431, 503): the rest of its body is dropped. */
    boolean discardBody;
    /** Waiting in the session's list of requests to dispatch at the end of this read. */
    boolean readyToDispatch;
    /** Complete and waiting in the session's queue of requests held back for a dispatch slot. */
    boolean held;
    /** Handed to its handler and not yet answered: one of the session's dispatch slots. */
    boolean dispatched;
    long deadlineNanos;
    /** {@link System#nanoTime()} when the request's HEADERS arrived. */
    long startNanos;
    Exchange exchange;

    // A streaming route's request body (StreamingRoute): handed to the handler at HEADERS.
    /** The body as it arrives, fed by the session; null for a buffered request. */
    BodyStream in;
    /** The route's cap on the body ({@link dev.siphon.http.StreamingRoute#maxBodyBytes}). */
    long inCap;
    /** What the client may have outstanding on this stream: sent, buffered or allowed; the stream window we keep. */
    int inLimit;
    /** DATA octets (padding included) taken from the stream's window and not yet given back. */
    long inUncredited;
    /** END_STREAM arrived: {@link #in} has ended. */
    boolean inEnded;
    /** {@link #in}'s onDemand is registered. */
    boolean inDemandArmed;

    // A streaming response (Response.streaming).
    /** The response's body as it is produced; null for a whole body or once it ended. */
    BodyStream out;
    /** The handler's content-length, or -1. */
    long outDeclared = -1;
    /** Octets of {@link #out} taken so far. */
    long outSent;
    int outStatus;
    /** A chunk of {@link #out} taken but not all sent yet (the windows closed), from {@link #outChunkOff}. */
    byte[] outChunk;
    int outChunkOff;
    /** {@link #out}'s onAvailable is registered. */
    boolean outArmed;

    // The response.
    boolean responseStarted;
    boolean headRequest;
    /** The request's id ({@link dev.siphon.http.dispatch.RequestIds}); null when answered before its head was read. */
    String requestId;
    byte[] pending;
    int pendingOff;

    /** What the client may still send on this stream, and what is owed back to it. */
    final ReceiveWindow recvWindow;

    Http2Stream(int id, Http2Session session, int sendWindow, int recvWindow) {
        this.id = id;
        this.session = session;
        this.sendWindow = new FlowControlWindow(sendWindow);
        this.recvWindow = new ReceiveWindow(recvWindow);
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

package dev.siphon.http.h1;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.dispatch.Dispatcher;
import dev.siphon.http.dispatch.Exchange;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.dispatch.RequestIds;
import dev.siphon.http.dispatch.Responses;
import dev.siphon.http.codec.BodyBudget;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.internal.RequestError;
import dev.siphon.http.net.Connection;
import dev.siphon.http.net.Session;
import dev.siphon.http.router.RouteMatch;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 on one connection (RFC 9112): persistent connections, pipelining with responses in
 * request order, Content-Length and chunked request bodies buffered up to the listener's cap,
 * {@code Expect: 100-continue}, HEAD, HTTP/1.0 and {@code Connection: close}, and the header,
 * body, request and idle timeouts. Runs on the connection's loop thread only.
 *
 * <p>A request is routed once its head is parsed. A body for a handler grows with the octets
 * received, reserved in the engine's {@link BodyBudget} until its response is written (or the
 * connection closes); one that does not fit is answered 503 and the connection closed, the rest
 * of the body unread. A body for no handler (404, 405) is read, counted and dropped.
 *
 * <p>Pipelined requests are dispatched as soon as each is complete (up to
 * {@code engine.max_pipelined} in flight), so slow handlers overlap; their responses are held
 * until every earlier response has been written.
 */
public final class Http1Session implements Session, Exchange.Sink {
    private static final System.Logger LOG = System.getLogger("siphon.http.h1");
    private static final byte[] EMPTY = new byte[0];

    private enum State {
        /** Reading a request head. */
        HEAD,
        /** Reading a Content-Length body. */
        BODY_FIXED,
        /** Reading a chunked body. */
        BODY_CHUNKED,
        /** A body is expected after 100 Continue, which waits for earlier responses. */
        AWAIT_CONTINUE,
        /** No more requests on this connection: the rest of the input is ignored. */
        DONE
    }

    private final Connection conn;
    private final ListenerContext ctx;
    private final Counters counters;
    private final BodyBudget budget;
    private final Http1HeadParser parser;
    private final RequestHead head = new RequestHead();
    private final ArrayDeque<Exchange> inflight = new ArrayDeque<>(2); // grows with pipelining
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long requestTimeoutNanos;
    private final int maxPipelined;
    private State state = State.HEAD;
    private State afterContinue;
    private RouteMatch<AsyncHandler> route;
    private BodyBuffer body;
    private long bodyRemaining;
    private ChunkedDecoder chunked;
    private long headStartedAt; // 0 when no partial head is buffered
    private long bodyDeadline;
    private long headAt; // System.nanoTime() when the current request's head was complete
    private long lastActivity;
    private boolean shuttingDown;

    public Http1Session(Connection conn, ListenerContext ctx) {
        this.conn = conn;
        this.ctx = ctx;
        this.counters = ctx.counters();
        this.budget = counters.bodyBudget();
        // One parser per loop: its working space is ~17 KiB at the default limits, and a head is
        // parsed within one call, so the loop's connections take turns with it.
        int maxBytes = ctx.settings().maxHeaderBytes();
        int maxCount = ctx.settings().maxHeaderCount();
        this.parser = conn.loop().shared(Http1HeadParser.class, () -> new Http1HeadParser(maxBytes, maxCount));
        this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ctx.settings().headerTimeoutMs());
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ctx.settings().idleTimeoutMs());
        this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ctx.server().requestTimeoutMs());
        this.maxPipelined = ctx.settings().maxPipelined();
        this.lastActivity = System.nanoTime();
    }

    @Override
    public void onRead(ByteBuffer in) {
        long now = System.nanoTime();
        lastActivity = now;
        byte[] a = in.array();
        int base = in.arrayOffset();
        int p = base + in.position();
        int end = base + in.limit();
        try {
            loop:
            while (p < end) {
                switch (state) {
                    case HEAD -> {
                        if (inflight.size() >= maxPipelined || conn.isWriteBlocked()) {
                            conn.pauseReading(); // backpressure: resumed when responses drain
                            break loop;
                        }
                        if (headStartedAt == 0) {
                            headStartedAt = now;
                        }
                        int n = parser.parse(a, p, end, head);
                        if (n == 0) {
                            break loop;
                        }
                        p += n;
                        headStartedAt = 0;
                        onHead(now);
                    }
                    case BODY_FIXED -> {
                        int take = (int) Math.min(bodyRemaining, end - p);
                        body.append(a, p, take);
                        p += take;
                        bodyRemaining -= take;
                        if (bodyRemaining == 0) {
                            dispatchBody();
                        }
                    }
                    case BODY_CHUNKED -> {
                        p = chunked.decode(a, p, end, body);
                        if (chunked.done()) {
                            dispatchBody();
                        }
                    }
                    case AWAIT_CONTINUE -> {
                        conn.pauseReading();
                        break loop;
                    }
                    case DONE -> {
                        p = end; // RFC 9112 §9.6: nothing after a close is processed
                    }
                }
            }
        } catch (RequestError e) {
            reject(e);
            p = end;
        } catch (CodecException e) {
            reject(RequestError.of(e)); // the body codecs: 400, 413, 431 or 503
            p = end;
        }
        if (!conn.isClosed()) {
            in.position(p - base);
        }
    }

    private void onHead(long now) throws RequestError {
        counters.request();
        headAt = now;
        bodyDeadline = now + requestTimeoutNanos;
        route = ctx.dispatcher().match(head.method, head.path);
        if (head.chunked) {
            body = newBody(ctx.server().maxBodyBytes());
            chunked = new ChunkedDecoder(ctx.settings().maxHeaderBytes());
            startBody(State.BODY_CHUNKED);
        } else if (head.contentLength > 0) {
            if (head.contentLength > ctx.server().maxBodyBytes()) {
                // Refused before reading any of it; the connection closes, so the unread body is never buffered.
                throw new RequestError(413, "Content-Length exceeds max_body_bytes", Limit.BODY_BYTES);
            }
            body = newBody(head.contentLength);
            bodyRemaining = head.contentLength;
            startBody(State.BODY_FIXED);
        } else {
            dispatch(EMPTY, 0);
        }
    }

    /** The body's buffer: allocated as it arrives for a handler, counted and dropped for none. */
    private BodyBuffer newBody(long cap) {
        return route instanceof RouteMatch.Found ? BodyBuffer.reserving(cap, budget) : BodyBuffer.discarding(cap);
    }

    private void dispatchBody() {
        byte[] bytes = body.toArray();
        dispatch(bytes, body.transferReservation());
    }

    private void startBody(State bodyState) {
        if (!head.expectContinue) {
            state = bodyState;
        } else if (inflight.isEmpty()) {
            sendContinue();
            state = bodyState;
        } else {
            // RFC 9110 §10.1.1: the interim response belongs to this request, so it must
            // follow every earlier response on the wire.
            afterContinue = bodyState;
            state = State.AWAIT_CONTINUE;
        }
    }

    private void sendContinue() {
        if (conn.bufferedInput() > 0) {
            return; // RFC 9110 §10.1.1: the client already started sending; 100 may be omitted
        }
        conn.out().add(Http1Encoder.CONTINUE);
        conn.flush();
    }

    /** @param reservation octets of {@code bodyBytes} reserved in the body budget, now the exchange's */
    private void dispatch(byte[] bodyBytes, long reservation) {
        RequestHead h = head;
        boolean close = !h.persistent() || shuttingDown;
        Exchange ex = new Exchange(conn.loop(), this, bodyDeadline);
        ex.head = "HEAD".equals(h.method);
        ex.closeAfter = close;
        ex.keepAlive10 = !close && h.version == 10;
        ex.bodyReservation = reservation;
        ex.method = h.method;
        ex.startNanos = headAt;
        ex.bodyBytesIn = bodyBytes.length;
        ex.requestId = RequestIds.of(h.headers.get(RequestIds.FIELD));
        ex.path = h.path;
        ex.version = h.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
        inflight.addLast(ex);
        state = close ? State.DONE : State.HEAD;
        body = null;
        chunked = null;
        RouteMatch<AsyncHandler> m = route;
        route = null;
        RouteMatch.Found<AsyncHandler> found = m instanceof RouteMatch.Found<AsyncHandler> f ? f : null;
        Request request = found != null ? new Request(h.method, h.path, h.query,
                h.version == 10 ? "HTTP/1.0" : "HTTP/1.1", ctx.scheme(), h.headers, bodyBytes, conn.remoteAddress(),
                ctx.trustedProxies(), found.pattern(), found.params(), conn.tls(), ex.requestId)
                : ctx.dispatcher().toUnmatched(m) ? Request.unmatched(h.method, h.path, h.query, ex.version,
                        ctx.scheme(), h.headers, conn.remoteAddress(), ctx.trustedProxies(), conn.tls(), ex.requestId,
                        Dispatcher.answerFor(m))
                : null;
        h.reset(); // the request holds what it needs: an idle connection keeps no part of its last head
        if (found != null) {
            ex.route = found.pattern();
            ex.request(request);
            Dispatcher.invoke(found.handler(), ex);
        } else if (request != null) {
            ex.request(request);
            ctx.dispatcher().invokeUnmatched(ex);
        } else {
            ex.send(Dispatcher.answerFor(m));
        }
    }

    /** Answers a request that cannot be served with its status, after earlier responses; then closes. */
    private void reject(RequestError e) {
        if (e.limit() != null) {
            counters.tripped(e.limit());
        } else {
            counters.tripped(Limit.MALFORMED);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "rejecting request from " + conn.remoteAddress() + ": "
                + e.status() + " " + e.getMessage());
        state = State.DONE;
        releaseBody();
        Exchange ex = new Exchange(conn.loop(), this, Long.MAX_VALUE);
        ex.closeAfter = true;
        ex.startNanos = System.nanoTime();
        ex.requestId = RequestIds.next();
        inflight.addLast(ex);
        ex.send(e.status() == 503 ? Responses.overloaded() : Responses.error(e.status()));
    }

    @Override
    public int protocol() {
        return HTTP1;
    }

    @Override
    public void complete(Exchange ex, Response response) {
        if (conn.isClosed()) {
            return;
        }
        ex.response = response;
        writeReady();
    }

    /** Writes every response whose predecessors are written, in request order. */
    private void writeReady() {
        Exchange ex;
        boolean wrote = false;
        while ((ex = inflight.peekFirst()) != null && ex.response != null) {
            inflight.pollFirst();
            done(ex);
            wrote = true;
            boolean close = ex.closeAfter || shuttingDown;
            boolean keepAlive10 = !close && ex.keepAlive10;
            Response written = ex.response;
            try {
                close |= Http1Encoder.encode(written, ex.head, close, keepAlive10, ex.requestId, conn.out());
            } catch (Http1Encoder.InvalidHeaderException bad) {
                ex.fail(bad); // already answered, so this only logs
                LOG.log(System.Logger.Level.ERROR, "handler response has an invalid header: " + bad.getMessage());
                written = Responses.error(500);
                close |= encodeQuietly(written, ex.head, close, keepAlive10, ex.requestId);
            }
            long bodyOut = ex.head ? 0 : written.body().length;
            long took = System.nanoTime() - ex.startNanos;
            ctx.metrics().responded(ex.method, ex.route, written.status(), took, ex.bodyBytesIn, bodyOut);
            if (ctx.accessLog() != null) {
                ctx.accessLog().log(ex.request(), conn.remoteAddress(), conn.tls(), ex.method, ex.path, ex.route,
                        ex.version == null ? "HTTP/1.1" : ex.version, written.status(), ex.bodyBytesIn, bodyOut, took,
                        ex.requestId);
            }
            if (close) {
                closeAfterResponses();
                return;
            }
        }
        if (wrote) {
            conn.flush();
        }
        afterProgress();
    }

    private boolean encodeQuietly(Response r, boolean headRequest, boolean close, boolean keepAlive10, String id) {
        try {
            return Http1Encoder.encode(r, headRequest, close, keepAlive10, id, conn.out());
        } catch (Http1Encoder.InvalidHeaderException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private void closeAfterResponses() {
        state = State.DONE;
        for (Exchange rest : inflight) {
            rest.cancel();
            done(rest);
        }
        inflight.clear();
        conn.closeAfterFlush();
    }

    /** After responses were written or queued: resume reading, or finish a closing connection. */
    private void afterProgress() {
        if (conn.isClosed()) {
            return;
        }
        if (state == State.AWAIT_CONTINUE && inflight.isEmpty()) {
            state = afterContinue;
            sendContinue();
        }
        if (inflight.size() < maxPipelined && !conn.isWriteBlocked() && state != State.AWAIT_CONTINUE) {
            conn.resumeReading(); // parses requests already buffered
            if (conn.isClosed()) {
                return;
            }
        }
        // Input closed (by the peer, or by us for shutdown): once every complete request is
        // answered, what is left can never complete.
        if ((shuttingDown || conn.isInputClosed()) && inflight.isEmpty()) {
            state = State.DONE;
            conn.closeAfterFlush();
        }
    }

    @Override
    public void onDrained() {
        lastActivity = System.nanoTime();
        afterProgress();
    }

    @Override
    public void onInputClosed() {
        // The client half-closed: answer every request it sent in full, then close.
        afterProgress();
    }

    @Override
    public void onTick(long now) {
        // Requests in flight past their deadline: 504, and the handler is cancelled. (The timer
        // visits every connection 20 times a second: an idle one must not allocate an iterator.)
        if (!inflight.isEmpty()) {
            for (Exchange ex : inflight) {
                if (ex.response == null && now - ex.deadlineNanos() >= 0 && ex.cancel()) {
                    counters.tripped(Limit.REQUEST_TIMEOUT);
                    ex.response = Responses.error(504);
                }
            }
        }
        if (!inflight.isEmpty() && inflight.peekFirst().response != null) {
            writeReady();
            if (conn.isClosed()) {
                return;
            }
        }
        switch (state) {
            case HEAD -> {
                if (headStartedAt != 0 && now - headStartedAt >= headerTimeoutNanos) {
                    timeout(Limit.HEADER_TIMEOUT); // slow or stalled head (slowloris)
                    return;
                }
            }
            case BODY_FIXED, BODY_CHUNKED -> {
                if (now - bodyDeadline >= 0) {
                    timeout(Limit.BODY_TIMEOUT);
                    return;
                }
            }
            default -> {
            }
        }
        if (now - lastActivity >= idleTimeoutNanos) {
            if (conn.isWriteBlocked()) {
                counters.tripped(Limit.WRITE_STALL); // the peer stopped reading
                conn.close();
            } else if (inflight.isEmpty() && headStartedAt == 0 && state != State.BODY_FIXED
                    && state != State.BODY_CHUNKED) {
                counters.tripped(Limit.IDLE_TIMEOUT);
                conn.close();
            }
        }
    }

    private void timeout(Limit limit) {
        headStartedAt = 0;
        // RFC 9110 §15.5.9: 408 tells the client the server closes the connection it did not use
        reject(new RequestError(408, "request not received in time", limit));
    }

    @Override
    public void onClosed() {
        for (Exchange ex : inflight) {
            ex.cancel();
            done(ex);
        }
        inflight.clear();
        releaseBody();
    }

    /** The body being read will not be: its reservation goes back to the budget. */
    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
        chunked = null;
        route = null;
    }

    /** The exchange is over (written, or dropped with the connection): its body's reservation goes back. */
    private void done(Exchange ex) {
        budget.release(ex.bodyReservation);
        ex.bodyReservation = 0;
    }

    @Override
    public String describe() {
        return "http/1.1 " + state + ", " + inflight.size() + " in flight" + (headStartedAt != 0 ? ", head started" : "")
                + (shuttingDown ? ", shutting down" : "");
    }

    @Override
    public void onShutdown() {
        shuttingDown = true;
        if (inflight.isEmpty() && state == State.HEAD && headStartedAt == 0) {
            state = State.DONE;
            conn.closeAfterFlush();
        }
    }
}

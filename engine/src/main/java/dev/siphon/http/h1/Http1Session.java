package dev.siphon.http.h1;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.BodyStream;
import dev.siphon.http.StreamingRoute;
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
 * <p>A {@link StreamingRoute}'s request is dispatched when its head is read, its body going on to
 * the handler through a {@link BodyStream} as it arrives; the socket is read only while the
 * stream has room (the handler's pace), the stall timer runs only while the client is the one
 * holding it up (408), and the route's cap replaces {@code max_body_bytes} (413). A response
 * with a {@link Response#bodyStream()} is written as its chunks come (chunked, its declared
 * length, or up to the close for HTTP/1.0), taking chunks only while the socket keeps up; a
 * producer that fails leaves the body without its last chunk and the connection is closed.
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
    /** The exchange whose request body streams in now (a {@link StreamingRoute}'s); null otherwise. */
    private Exchange streamIn;
    /** The exchange whose response body streams out now: the head of {@link #inflight}; null otherwise. */
    private Exchange streamOut;
    /** {@link #streamOut}'s framing: a declared length, {@link Http1Encoder#CHUNKED} or {@link Http1Encoder#UNTIL_CLOSE}. */
    private long streamOutLength;
    private boolean resumeArmed; // a request stream's onDemand is registered
    private boolean pumpArmed; // a response stream's onAvailable is registered
    private boolean writing; // inside writeReady
    private boolean streamBlocked; // the streaming body's last pass stopped because the client was not reading
    private boolean writeAgain; // writeReady was asked for again while inside it

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
                        if (streamIn != null && streamFull()) {
                            break loop;
                        }
                        int take = (int) Math.min(bodyRemaining, end - p);
                        body.append(a, p, take);
                        p += take;
                        bodyRemaining -= take;
                        if (bodyRemaining == 0) {
                            dispatchBody();
                        }
                    }
                    case BODY_CHUNKED -> {
                        if (streamIn != null && streamFull()) {
                            break loop;
                        }
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
        if ((head.chunked || head.contentLength > 0) && route instanceof RouteMatch.Found<AsyncHandler> f
                && f.handler() instanceof StreamingRoute sr) {
            startStream(sr);
            return;
        }
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

    /**
     * A streaming route's request: its handler is called now, and the body goes on to it as it
     * arrives ({@link BodyBuffer#streaming}); the request's deadline starts once the body ended.
     */
    private void startStream(StreamingRoute sr) throws RequestError {
        boolean isChunked = head.chunked;
        long length = head.contentLength;
        boolean expectContinue = head.expectContinue;
        if (!isChunked && length > sr.maxBodyBytes()) {
            throw new RequestError(413, "Content-Length exceeds the route's max_body_bytes", Limit.BODY_BYTES);
        }
        // the window the stream may hold is reserved in the engine's body budget for the request's
        // life, so many slow streaming uploads are bounded as buffered bodies are (503 past it)
        if (!budget.reserve(sr.window())) {
            throw new RequestError(503, "bodies buffered exceed max_buffered_body_bytes", Limit.BODY_BUDGET);
        }
        BodyStream stream = new BodyStream(sr.window());
        // RFC 9110 §10.1.1: 100 Continue before anything the handler answers (it may answer at once)
        boolean continueNow = expectContinue && inflight.isEmpty();
        if (continueNow) {
            sendContinue();
        }
        Exchange ex = dispatch(EMPTY, sr.window(), stream); // the handler runs now; the head is reset
        ex.deadline(Long.MAX_VALUE);
        ex.requestStream = stream;
        streamIn = ex;
        body = BodyBuffer.streaming(sr.maxBodyBytes(), chunk -> {
            if (!stream.isCancelled()) {
                stream.offer(chunk);
            }
        });
        if (isChunked) {
            chunked = new ChunkedDecoder(ctx.settings().maxHeaderBytes());
        } else {
            bodyRemaining = length;
        }
        State bodyState = isChunked ? State.BODY_CHUNKED : State.BODY_FIXED;
        if (!expectContinue || continueNow) {
            state = bodyState;
        } else {
            afterContinue = bodyState; // sent once earlier responses are written (afterProgress, writePass)
            state = State.AWAIT_CONTINUE;
        }
    }

    /** The handler has not taken enough of the streamed body: stop reading until it has. */
    private boolean streamFull() {
        BodyStream s = streamIn.requestStream;
        if (s.isCancelled() || s.buffered() < s.window()) {
            return false;
        }
        conn.pauseReading();
        if (!resumeArmed) {
            resumeArmed = true;
            s.onDemand(() -> conn.loop().submit(this::onStreamDemand));
        }
        return true;
    }

    private void onStreamDemand() {
        resumeArmed = false;
        if (!conn.isClosed()) {
            bodyDeadline = System.nanoTime() + requestTimeoutNanos; // the stall clock restarts with reading
            afterProgress();
        }
    }

    private void dispatchBody() {
        if (streamIn != null) {
            endStream();
            return;
        }
        byte[] bytes = body.toArray();
        dispatch(bytes, body.transferReservation());
    }

    /** The streamed body arrived whole: the handler reads its end, and the request's deadline starts. */
    private void endStream() {
        Exchange ex = streamIn;
        streamIn = null;
        BodyStream stream = ex.requestStream;
        ex.bodyBytesIn = stream.produced();
        stream.end();
        ex.requestStream = null;
        ex.deadline(System.nanoTime() + requestTimeoutNanos);
        body = null;
        chunked = null;
        state = ex.closeAfter ? State.DONE : State.HEAD;
    }

    private void startBody(State bodyState) {
        startBody(bodyState, head.expectContinue);
    }

    private void startBody(State bodyState, boolean expectContinue) {
        if (!expectContinue) {
            state = bodyState;
        } else if (!earlierPending()) {
            sendContinue();
            state = bodyState;
        } else {
            // RFC 9110 §10.1.1: the interim response belongs to this request, so it must
            // follow every earlier response on the wire.
            afterContinue = bodyState;
            state = State.AWAIT_CONTINUE;
        }
    }

    /** Responses before the current request's are still to be written (a streaming request's own exchange is in flight already). */
    private boolean earlierPending() {
        return !inflight.isEmpty() && inflight.peekFirst() != streamIn;
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
        dispatch(bodyBytes, reservation, null);
    }

    /** @param stream a streaming route's body, still to arrive; null for a buffered one */
    private Exchange dispatch(byte[] bodyBytes, long reservation, BodyStream stream) {
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
        Request request = stream != null ? Request.streaming(h.method, h.path, h.query, ex.version, ctx.scheme(),
                h.headers, stream, conn.remoteAddress(), ctx.trustedProxies(), found.pattern(), found.params(), conn.tls(),
                ex.requestId)
                : found != null ? new Request(h.method, h.path, h.query,
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
        return ex;
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
        if (streamIn != null) {
            rejectStream(e);
            return;
        }
        releaseBody();
        Exchange ex = new Exchange(conn.loop(), this, Long.MAX_VALUE);
        ex.closeAfter = true;
        ex.startNanos = System.nanoTime();
        ex.requestId = RequestIds.next();
        inflight.addLast(ex);
        ex.send(e.status() == 503 ? Responses.overloaded() : Responses.error(e.status()));
    }

    /**
     * A streamed request body cannot complete (408, 413, malformed chunking): the handler's
     * stream fails, and the request is answered with the error unless the handler answered
     * first; the connection closes after that answer.
     */
    private void rejectStream(RequestError e) {
        Exchange ex = streamIn;
        streamIn = null;
        BodyStream s = ex.requestStream;
        body = null;
        chunked = null;
        route = null;
        ex.requestStream = null;
        ex.closeAfter = true;
        if (ex.isPending()) {
            ex.send(e.status() == 503 ? Responses.overloaded() : Responses.error(e.status()));
        } else if (!inflight.contains(ex)) {
            closeAfterResponses(); // its answer is written already: nothing more to say
        }
        s.fail(new BodyStream.BodyFailedException(e.status(), e.getMessage())); // after the answer: it wins
    }

    @Override
    public int protocol() {
        return HTTP1;
    }

    @Override
    public void complete(Exchange ex, Response response) {
        if (conn.isClosed()) {
            if (response.bodyStream() != null) {
                response.bodyStream().cancel(new BodyStream.CancelledException("the client closed the connection"));
            }
            return;
        }
        ex.response = response;
        writeReady();
    }

    /**
     * Writes every response whose predecessors are written, in request order. Not re-entered: a
     * flush that drains at once ({@link #onDrained}) while a streaming body is written asks for
     * one more pass instead.
     */
    private void writeReady() {
        if (writing) {
            writeAgain = true;
            return;
        }
        writing = true;
        try {
            do {
                writeAgain = false;
                writePass();
            } while (writeAgain && !conn.isClosed());
        } finally {
            writing = false;
        }
    }

    private void writePass() {
        Exchange ex;
        boolean wrote = false;
        while ((ex = inflight.peekFirst()) != null && ex.response != null) {
            boolean close = ex.closeAfter || shuttingDown;
            Response written = ex.response;
            if (ex != streamOut) {
                if (ex == streamIn && state == State.AWAIT_CONTINUE) {
                    state = afterContinue; // the interim response goes before the final one
                    sendContinue();
                }
                boolean keepAlive10 = !close && ex.keepAlive10;
                try {
                    if (written.bodyStream() == null) {
                        close |= Http1Encoder.encode(written, ex.head, close, keepAlive10, ex.requestId, conn.out());
                    } else {
                        close |= startStreamOut(ex, written, close, keepAlive10);
                    }
                } catch (Http1Encoder.InvalidHeaderException bad) {
                    ex.fail(bad); // already answered, so this only logs
                    LOG.log(System.Logger.Level.ERROR, "handler response has an invalid header: " + bad.getMessage());
                    if (written.bodyStream() != null) {
                        written.bodyStream().cancel(new BodyStream.CancelledException("invalid response header"));
                    }
                    written = Responses.error(500);
                    ex.response = written;
                    close |= encodeQuietly(written, ex.head, close, keepAlive10, ex.requestId);
                }
                ex.closeAfter = close;
                wrote = true;
            }
            if (ex == streamOut) {
                wrote = true;
                int outcome = pumpStreamOut(ex);
                if (outcome == STREAM_WAITING) {
                    break;
                }
                streamOut = null;
                if (outcome == STREAM_FAILED) {
                    // RFC 9112 §7.1 / §6.3: a body cut short must not look complete: no last chunk, close
                    inflight.pollFirst();
                    done(ex);
                    logStreamFailure(ex);
                    responded(ex, written, ex.bodyBytesOut);
                    closeAfterResponses(); // what was written leaves, then the connection closes
                    return;
                }
            }
            inflight.pollFirst();
            done(ex);
            responded(ex, written, written.bodyStream() != null ? ex.bodyBytesOut : ex.head ? 0 : written.body().length);
            if (ex.closeAfter || shuttingDown) {
                closeAfterResponses();
                return;
            }
        }
        if (wrote) {
            conn.flush();
        }
        afterProgress();
    }

    private void responded(Exchange ex, Response written, long bodyOut) {
        long took = System.nanoTime() - ex.startNanos;
        ctx.metrics().responded(ex.method, ex.route, written.status(), took, ex.bodyBytesIn, bodyOut);
        if (ctx.accessLog() != null) {
            ctx.accessLog().log(ex.request(), conn.remoteAddress(), conn.tls(), ex.method, ex.path, ex.route,
                    ex.version == null ? "HTTP/1.1" : ex.version, written.status(), ex.bodyBytesIn, bodyOut, took,
                    ex.requestId);
        }
    }

    private static final int STREAM_WAITING = 0;
    private static final int STREAM_DONE = 1;
    private static final int STREAM_FAILED = 2;

    /**
     * Writes a streaming response's head and makes it {@link #streamOut}: chunked framing, the
     * handler's own {@code content-length}, or (for an HTTP/1.0 client) a body the connection's
     * close ends. A HEAD request or a bodyless status takes no body: the stream is cancelled.
     */
    private boolean startStreamOut(Exchange ex, Response r, boolean close, boolean keepAlive10)
            throws Http1Encoder.InvalidHeaderException {
        long declared = Http1Encoder.declaredLength(r);
        long length = declared >= 0 ? declared : "HTTP/1.0".equals(ex.version) ? Http1Encoder.UNTIL_CLOSE
                : Http1Encoder.CHUNKED;
        boolean mustClose = close || length == Http1Encoder.UNTIL_CLOSE;
        boolean handlerClose = Http1Encoder.encodeHead(r, length, mustClose, keepAlive10 && !mustClose, ex.requestId,
                conn.out());
        ex.bodyBytesOut = 0;
        if (ex.head || dev.siphon.http.internal.Status.bodyless(r.status())) {
            r.bodyStream().cancel(new BodyStream.CancelledException("the response takes no body"));
            return handlerClose || mustClose; // written whole: streamOut stays null
        }
        streamOut = ex;
        streamOutLength = length;
        return handlerClose || mustClose;
    }

    /** Writes what the response's stream has ready, while the client keeps up. */
    private int pumpStreamOut(Exchange ex) {
        BodyStream s = ex.response.bodyStream();
        streamBlocked = false;
        while (!conn.isWriteBlocked()) {
            byte[] c = s.poll();
            if (c == null) {
                if (!s.isDone()) {
                    if (!pumpArmed) {
                        pumpArmed = true;
                        s.onAvailable(() -> conn.loop().submit(this::onStreamOutReady));
                    }
                    conn.flush(); // each chunk leaves at once (server-sent events)
                    return STREAM_WAITING;
                }
                if (s.failure() != null) {
                    return STREAM_FAILED;
                }
                if (streamOutLength == Http1Encoder.CHUNKED) {
                    conn.out().add(Http1Encoder.LAST_CHUNK);
                } else if (streamOutLength >= 0 && ex.bodyBytesOut != streamOutLength) {
                    return STREAM_FAILED; // shorter than its content-length
                }
                return STREAM_DONE;
            }
            ex.bodyBytesOut += c.length;
            if (streamOutLength >= 0 && ex.bodyBytesOut > streamOutLength) {
                s.cancel(new BodyStream.CancelledException("the body is longer than its content-length"));
                return STREAM_FAILED;
            }
            if (streamOutLength == Http1Encoder.CHUNKED) {
                Http1Encoder.chunk(c, conn.out());
            } else {
                conn.out().add(c);
            }
            lastActivity = System.nanoTime();
        }
        streamBlocked = true;
        conn.flush();
        return STREAM_WAITING; // onDrained goes on
    }

    private void onStreamOutReady() {
        pumpArmed = false;
        if (!conn.isClosed() && streamOut != null) {
            writeReady();
        }
    }

    private void logStreamFailure(Exchange ex) {
        BodyStream s = ex.response.bodyStream();
        Throwable cause = s.failure() != null ? s.failure() : s.cancelCause();
        Request r = ex.request();
        // the producer logs its own failure (a script's traceback): this says what the client saw
        LOG.log(System.Logger.Level.WARNING, () -> "streaming response of " + (r == null ? "?" : r.method() + " "
                + r.path() + (r.routePattern() == null ? "" : " (route " + r.routePattern() + ")"))
                + " ended after " + ex.bodyBytesOut + " bytes: " + (cause == null ? "its length did not match content-length"
                : cause.getMessage()) + "; the connection is closed without completing the body");
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
            drop(rest, "the connection is closing");
        }
        inflight.clear();
        conn.closeAfterFlush();
    }

    /** After responses were written or queued: resume reading, or finish a closing connection. */
    private void afterProgress() {
        if (conn.isClosed()) {
            return;
        }
        if (state == State.AWAIT_CONTINUE && !earlierPending()) {
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
        if (streamOut != null) {
            if (!writing || streamBlocked) {
                writeReady(); // the client read: more of the streaming body may go
            }
            return;
        }
        afterProgress();
    }

    @Override
    public void onInputClosed() {
        if (streamOut != null || streamIn != null) {
            // A streaming response may run for as long as its producer likes (server-sent events)
            // and write nothing for minutes: a client that closed its side is taken to have left,
            // as no write error might ever tell, and the producer is told. A streamed request body
            // cut by the end of input can never end: its handler's stream fails (onClosed).
            closeAfterResponses();
            conn.close();
            return;
        }
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
                if (streamIn != null && (streamIn.requestStream.isCancelled()
                        || streamIn.requestStream.buffered() >= streamIn.requestStream.window())) {
                    bodyDeadline = now + requestTimeoutNanos; // we stopped reading, not the client
                } else if (now - bodyDeadline >= 0) {
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
        if (streamIn != null) {
            BodyStream in = streamIn.requestStream;
            streamIn = null;
            if (in != null) {
                in.fail(new BodyStream.BodyFailedException(0, "the client closed the connection before the body ended"));
            }
        }
        for (Exchange ex : inflight) {
            drop(ex, "the client closed the connection");
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

    /** An exchange that will not be written: its handler is cancelled, and a streaming response's producer told. */
    private void drop(Exchange ex, String why) {
        ex.cancel();
        if (ex.response != null && ex.response.bodyStream() != null) {
            ex.response.bodyStream().cancel(new BodyStream.CancelledException(why));
        }
        done(ex);
    }

    /** The exchange is over (written, or dropped with the connection): its body's reservation goes back. */
    private void done(Exchange ex) {
        budget.release(ex.bodyReservation);
        ex.bodyReservation = 0;
        if (ex.requestStream != null) {
            // answered before its body ended: the rest is read and dropped (up to the route's cap)
            ex.requestStream.cancel(new BodyStream.CancelledException("the request was answered"));
        }
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

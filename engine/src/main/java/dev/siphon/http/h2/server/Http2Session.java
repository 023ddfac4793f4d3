package dev.siphon.http.h2.server;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.StreamingRoute;
import dev.siphon.http.codec.BodyBudget;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.dispatch.Dispatcher;
import dev.siphon.http.dispatch.Exchange;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.dispatch.RequestIds;
import dev.siphon.http.dispatch.Responses;
import dev.siphon.http.h2.ConnectionError;
import dev.siphon.http.h2.ErrorCode;
import dev.siphon.http.h2.FlowControlWindow;
import dev.siphon.http.h2.FrameHandler;
import dev.siphon.http.h2.FrameReader;
import dev.siphon.http.h2.FrameWriter;
import dev.siphon.http.h2.HeaderBlock;
import dev.siphon.http.h2.PeerSettings;
import dev.siphon.http.h2.ReceiveWindow;
import dev.siphon.http.h2.StreamError;
import dev.siphon.http.h2.StreamState;
import dev.siphon.http.h2.WindowWaiters;
import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.h2.hpack.HpackException;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.internal.RequestError;
import dev.siphon.http.internal.Status;
import dev.siphon.http.net.Connection;
import dev.siphon.http.net.Session;
import dev.siphon.http.router.RouteMatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 on one connection (RFC 9113), server side, whatever the transport below: the session
 * expects the client's connection preface as its first bytes, sends its SETTINGS at once, and
 * turns each request stream into an {@link Exchange} routed through the same {@link Dispatcher}
 * as HTTP/1.1. Responses go out as soon as they are ready, in any order, within both peers'
 * flow-control windows. Runs on the connection's loop thread only.
 *
 * <p>Errors carry their scope: a {@link StreamError} resets one stream with RST_STREAM, a
 * {@link ConnectionError} sends GOAWAY and closes. Abuse is budgeted per connection: streams reset
 * before completion (rapid reset, CVE-2023-44487, and "made-you-reset"), CONTINUATION frames per
 * block, empty DATA frames, and control-frame answers queued for a peer that does not read.
 *
 * <p>Requests arrive whole: a request is routed when its HEADERS arrive, and one that no handler
 * takes (404, 405) is answered at once, its body drained and dropped. Other bodies are buffered
 * as DATA arrives, up to {@code max_body_bytes} (more → 413), and the window is given back as
 * they are buffered, so flow control does not bound what is held. Two budgets do: the
 * connection's (declared lengths and bodies without one, all streams together, more →
 * RST_STREAM REFUSED_STREAM before anything is buffered) and the engine's
 * ({@link BodyBudget}: octets buffered, reserved as they arrive and held until the stream ends,
 * more → 503). Dispatch waits for the end of the current read, so a stream opened and reset in
 * the same read never reaches a handler. At most {@code max_dispatched_streams} requests of the
 * connection are with handlers at once; complete requests beyond that are held here, in arrival
 * order, and handed over as earlier ones are answered (their {@code request_timeout_ms} runs from
 * their HEADERS all the same; a reset drops a held one unseen): one connection that opens a
 * hundred streams takes no more of the workers' queues than that, and the rest of the clients
 * find room in them.
 *
 * <p>A request to a {@link StreamingRoute} is the exception to "whole": its handler has it from
 * its HEADERS, and the body flows to it through a {@link BodyStream} whose stream window is given
 * back only as the handler consumes (see {@link #startStreaming}); once the handler's response is
 * written whole before the body ended, the handler's stream is cancelled and the rest of the body
 * drained as after the engine's early answers (up to {@link #discardLimit}, then RST_STREAM
 * NO_ERROR, RFC 9113 §8.1). A streaming response ({@link Response#streaming}) goes out as
 * DATA frames as its producer yields, taking chunks only while the peer's windows have room; a
 * producer that fails resets the stream with INTERNAL_ERROR.
 *
 * <p>Graceful shutdown takes two GOAWAY frames (RFC 9113 §6.8): the first, with 2^31-1, tells the
 * peer to open no more streams, and a PING follows it; once the PING comes back (or after
 * {@code shutdown_ping_timeout_ms}) every stream the peer opened before it saw the first GOAWAY
 * has arrived, and the second GOAWAY names the last one we will process.
 */
public final class Http2Session implements Session {
    private static final System.Logger LOG = System.getLogger("siphon.http.h2");
    /** Streams we reset whose late frames are ignored rather than answered (RFC 9113 §5.1 "closed"). */
    private static final int RECENTLY_RESET = 64;
    /** Opaque data of the PING that follows the first GOAWAY of a graceful shutdown. */
    private static final byte[] SHUTDOWN_PING = "siphon-x".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];
    /** A deadline that never comes (a century), safe to compare by subtraction. */
    private static final long FAR_FUTURE = TimeUnit.DAYS.toNanos(36_500);

    private final Connection conn;
    private final ListenerContext ctx;
    private final Http2Settings local;
    private final Counters counters;
    private final BodyBudget budget;
    private final FrameReader reader;
    private final HpackDecoder decoder;
    private final HpackEncoder encoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
    private final RequestFields fields = new RequestFields();
    private final HashMap<Integer, Http2Stream> streams = new HashMap<>();
    private final ArrayList<Http2Stream> toDispatch = new ArrayList<>();
    private final WindowWaiters<Http2Stream> waiting = new WindowWaiters<>();
    /** Complete requests held back while {@link #dispatchedCount} is at the limit, in arrival order. */
    private final ArrayDeque<Http2Stream> held = new ArrayDeque<>();
    /** Requests handed to handlers and not yet answered ({@link Http2Stream#dispatched}). */
    private int dispatchedCount;
    private boolean dispatchingHeld;
    private final int[] recentlyReset = new int[RECENTLY_RESET];
    private int recentlyResetNext;
    private final AbuseBudget resets;
    private final AbuseBudget emptyFrames;
    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long maxBodyBytes;
    private final int streamRecvWindow;
    /** Request-body octets this connection may hold, all streams together. */
    private final long maxConnectionBodyBytes;
    private final long settingsTimeoutNanos;
    private final long shutdownPingTimeoutNanos;
    /** Request-body octets the streams of this connection hold of its budget ({@link Http2Stream#committed}). */
    private long committedBodyBytes;

    // Peer settings (RFC 9113 §6.5.2 initial values until its SETTINGS arrive).
    private final PeerSettings peer = new PeerSettings(false);
    /** What the connection does when the client's SETTINGS change something. */
    private final PeerSettings.Changes settingChanges = new PeerSettings.Changes() {
        @Override
        public void headerTableSize(int octets) {
            encoder.setMaxTableSize(octets);
        }

        @Override
        public void initialWindowDelta(long delta) throws ConnectionError {
            FlowControlWindow.shiftAll(streams.values(), s -> s.sendWindow, delta);
        }
    };
    private final FlowControlWindow connSendWindow = new FlowControlWindow(Http2Settings.DEFAULT_WINDOW);
    private final ReceiveWindow connRecvWindow;

    private boolean prefaceReceived;
    private boolean settingsReceived;
    private boolean localSettingsAcked;
    private int highestStreamId;
    /**
     * Which of the 64 odd stream ids just below {@link #highestStreamId} the peer opened: bit k stands for
     * {@code highestStreamId - 2 * (k + 1)}. A HEADERS frame on a lower id is a frame on a closed stream
     * ({@code STREAM_CLOSED}) when that id was opened, and an unexpected new stream id
     * ({@code PROTOCOL_ERROR}, RFC 9113 §5.1.1) when it was skipped.
     */
    private long openedBelowHighest;
    /** The header block being received (HEADERS + CONTINUATION). */
    private final HeaderBlock block;
    private long settingsSentAt;
    /** The final GOAWAY went out: no stream above {@link #highestStreamId} is processed. */
    private boolean goAwaySent;
    /** Graceful shutdown began: the first GOAWAY (2^31-1) and its PING went out at {@link #drainStartedAt}. */
    private boolean draining;
    private long drainStartedAt;
    private boolean peerGoAway;
    private boolean closing;
    /** {@link Limit#H2_SEND_STALL} was counted for this connection. */
    private boolean sendStallCounted;
    /** An open stream's deadline may have passed at {@link #nextDeadline}: the timer checks then. */
    private boolean deadlineArmed;
    private long nextDeadline;
    private int controlQueued;
    private boolean flushing; // inside flushOut
    private boolean flushAgain; // flushOut was asked for again while inside it
    private long lastActivity;
    private long lastDrained;
    /** DATA frames written; the timer compares it with {@link #dataFramesSeen} to see send progress. */
    private long dataFramesSent;
    private long dataFramesSeen;
    /** Since when, as the timer saw it, a response has waited for window with no DATA sent. */
    private long sendStalledSince;

    public Http2Session(Connection conn, ListenerContext ctx, Http2Settings settings) {
        this.conn = conn;
        this.ctx = ctx;
        this.counters = ctx.counters();
        this.budget = counters.bodyBudget();
        // A frame must fit in the read buffer with its header: advertise no more than that.
        int maxFrame = Math.max(Http2Settings.MIN_MAX_FRAME_SIZE,
                Math.min(settings.maxFrameSize(), ctx.settings().bufferSize() - HEADER_LENGTH));
        this.local = maxFrame == settings.maxFrameSize() ? settings : settings.withMaxFrameSize(maxFrame);
        this.reader = new FrameReader(maxFrame);
        // The table size we advertise is in force only once acknowledged (RFC 9113 §6.5.3).
        this.decoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, settings.maxHeaderListSize());
        this.block = new HeaderBlock(local.maxHeaderBlockBytes(), local.maxContinuationFrames());
        long window = TimeUnit.MILLISECONDS.toNanos(settings.resetWindowMs());
        this.resets = new AbuseBudget(settings.maxResets(), window);
        this.emptyFrames = new AbuseBudget(settings.maxEmptyDataFrames(), window);
        this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ctx.server().requestTimeoutMs());
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ctx.settings().idleTimeoutMs());
        this.maxBodyBytes = ctx.server().maxBodyBytes();
        // One request at the listener's own body cap must always fit.
        this.maxConnectionBodyBytes = Math.max(settings.maxConnectionBodyBytes(), maxBodyBytes);
        this.settingsTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.settingsTimeoutMs());
        this.shutdownPingTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.shutdownPingTimeoutMs());
        // Until our SETTINGS are acknowledged the peer may still count on 65,535: accept the larger.
        this.streamRecvWindow = Math.max(settings.initialWindowSize(), Http2Settings.DEFAULT_WINDOW);
        this.connRecvWindow = new ReceiveWindow(settings.connectionWindowSize());
        this.lastActivity = this.lastDrained = this.settingsSentAt = this.sendStalledSince = System.nanoTime();
        // RFC 9113 §3.4: the server's preface is a SETTINGS frame, sent without waiting.
        FrameWriter.settings(conn.out(), local);
        if (settings.connectionWindowSize() > Http2Settings.DEFAULT_WINDOW) {
            FrameWriter.windowUpdate(conn.out(), 0, settings.connectionWindowSize() - Http2Settings.DEFAULT_WINDOW);
        }
        conn.flush();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void onRead(ByteBuffer in) {
        long now = System.nanoTime();
        lastActivity = now;
        byte[] a = in.array();
        int base = in.arrayOffset();
        int p = base + in.position();
        int end = base + in.limit();
        try {
            if (!prefaceReceived) {
                if (end - p < PREFACE_LENGTH) {
                    return;
                }
                if (prefaceMatch(a, p, PREFACE_LENGTH) < PREFACE_LENGTH) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
                }
                p += PREFACE_LENGTH;
                prefaceReceived = true;
            }
            while (p < end && !closing) {
                if (conn.out().pendingBytes() > local.maxQueuedBytes()) {
                    conn.pauseReading(); // the peer does not read what we send: stop taking requests
                    break;
                }
                int n = reader.frameLength(a, p, end);
                if (n == 0) {
                    break;
                }
                checkFrameOrder(a, p);
                try {
                    reader.read(a, p, frames);
                } catch (StreamError e) {
                    resetStream(e);
                }
                p += n;
            }
            dispatchReady();
        } catch (ConnectionError e) {
            connectionError(e);
        }
        if (conn.isClosed()) {
            return;
        }
        in.position(closing ? in.limit() : p - base);
        conn.flush();
    }

    /** RFC 9113 §3.4, §6.10: SETTINGS first; nothing but CONTINUATION inside a header block. */
    private void checkFrameOrder(byte[] a, int p) throws ConnectionError {
        int type = a[p + 3] & 0xFF;
        if (!settingsReceived) {
            if (type != SETTINGS || (a[p + 4] & FLAG_ACK) != 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the client preface must start with SETTINGS");
            }
            settingsReceived = true;
        }
        block.checkFrameOrder(type, FrameReader.int31(a, p + 5));
    }

    private final FrameHandler frames = new FrameHandler() {
        @Override
        public void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength)
                throws StreamError, ConnectionError {
            Http2Session.this.onData(streamId, endStream, a, off, len, flowLength);
        }

        @Override
        public void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] a,
                              int off, int len) throws StreamError, ConnectionError {
            if ((streamId & 1) == 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "client HEADERS on even stream " + streamId); // §5.1.1
            }
            if (block.onHeaders(streamId, endStream, endHeaders, selfDependent, a, off, len)) {
                headerBlock();
            }
        }

        @Override
        public void onContinuation(int streamId, boolean endHeaders, byte[] a, int off, int len)
                throws StreamError, ConnectionError {
            if (block.onContinuation(streamId, endHeaders, a, off, len)) {
                headerBlock();
            }
        }

        @Override
        public void onPriority(int streamId) {
            // RFC 9113 §5.3.2: the priority signalling of RFC 7540 is deprecated; accepted and ignored
        }

        @Override
        public void onRstStream(int streamId, int errorCode) throws ConnectionError {
            counters.h2ResetReceived();
            Http2Stream s = streams.get(streamId);
            if (s == null) {
                if (streamId > highestStreamId) {
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId); // §6.4
                }
                return; // closed: nothing to do
            }
            closeStream(s);
            // CVE-2023-44487: a stream opened and reset before it completed costs the peer budget
            if (!resets.spend(System.nanoTime())) {
                throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many streams reset", Limit.H2_RAPID_RESET);
            }
        }

        @Override
        public void onSettings(boolean ack, byte[] a, int off, int len) throws ConnectionError {
            if (ack) {
                if (!localSettingsAcked) {
                    localSettingsAcked = true;
                    if (local.headerTableSize() != HpackDecoder.DEFAULT_MAX_TABLE_SIZE) {
                        decoder.setMaxTableSize(local.headerTableSize());
                    }
                }
                return;
            }
            peer.apply(a, off, len, settingChanges);
            FrameWriter.settingsAck(conn.out()); // RFC 9113 §6.5.3
            controlFrameQueued();
            resumeWaiting();
        }

        @Override
        public void onPing(boolean ack, byte[] a, int off) throws ConnectionError {
            if (!ack) {
                FrameWriter.pingAck(conn.out(), a, off); // RFC 9113 §6.7
                controlFrameQueued();
            } else if (draining && !goAwaySent
                    && Arrays.equals(a, off, off + 8, SHUTDOWN_PING, 0, SHUTDOWN_PING.length)) {
                finalGoAway(); // a round trip after the first GOAWAY: the peer's last streams are in
            }
        }

        @Override
        public void onGoAway(int lastStreamId, int errorCode) {
            peerGoAway = true;
            if (errorCode != 0) {
                LOG.log(System.Logger.Level.DEBUG, () -> "peer " + conn.remoteAddress() + " sent GOAWAY "
                        + ErrorCode.nameOf(errorCode));
            }
            closeIfDone();
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) throws StreamError, ConnectionError {
            Http2Session.this.onWindowUpdate(streamId, increment);
        }

        @Override
        public void onUnknown(int type, int streamId) {
            // RFC 9113 §5.5: unknown frame types are ignored
        }
    };

    private void headerBlock() throws StreamError, ConnectionError {
        try {
            onHeaderBlock(block.streamId(), block.endStream(), block.selfDependent(), block.array(), block.offset(),
                    block.length());
        } finally {
            block.decoded();
        }
    }

    private void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength)
            throws StreamError, ConnectionError {
        // RFC 9113 §6.9: the whole frame counts against the connection window, whatever the stream's fate.
        if (!connRecvWindow.take(flowLength)) {
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA exceeds the connection window", Limit.H2_FLOW_CONTROL);
        }
        int credit = connRecvWindow.credit(flowLength);
        if (credit > 0) {
            FrameWriter.windowUpdate(conn.out(), 0, credit);
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > highestStreamId) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on idle stream " + streamId); // §5.1
            }
            if (wasReset(streamId)) {
                return; // §5.1: frames after our RST_STREAM are ignored
            }
            throw new StreamError(streamId, ErrorCode.STREAM_CLOSED, "DATA on closed stream");
        }
        if (!s.state.canReceive()) {
            throw new StreamError(streamId, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM"); // §5.1 half-closed (remote)
        }
        if (!s.recvWindow.take(flowLength)) {
            throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "DATA exceeds the stream window", Limit.H2_FLOW_CONTROL);
        }
        if (len == 0 && !endStream && !emptyFrames.spend(System.nanoTime())) {
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames", Limit.H2_EMPTY_FRAMES);
        }
        s.received += len;
        if (s.contentLength >= 0 && s.received > s.contentLength) {
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "more DATA than content-length"); // §8.1.1
        }
        if (s.in != null) {
            feed(s, a, off, len, flowLength);
        } else if (!s.discardBody) {
            bufferBody(s, a, off, len);
        }
        if (s.state == StreamState.HALF_CLOSED_LOCAL && s.received > discardLimit()) {
            stopRequest(s); // answered already: drained long enough
            return;
        }
        if (s.state == StreamState.CLOSED) {
            return;
        }
        if (endStream) {
            if (s.contentLength >= 0 && s.received != s.contentLength) {
                throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "less DATA than content-length"); // §8.1.1
            }
            endOfRequest(s);
        } else if (s.in != null) {
            creditIn(s);
        } else {
            int streamCredit = s.recvWindow.credit(flowLength);
            if (streamCredit > 0) {
                FrameWriter.windowUpdate(conn.out(), streamId, streamCredit);
            }
        }
    }

    private void onWindowUpdate(int streamId, int increment) throws StreamError, ConnectionError {
        if (streamId == 0) {
            if (increment == 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0"); // §6.9
            }
            if (!connSendWindow.increase(increment)) {
                throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1", Limit.H2_FLOW_CONTROL);
            }
            resumeWaiting();
            return;
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > highestStreamId) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId); // §5.1
            }
            return; // closed: §6.9 allows late updates
        }
        if (increment == 0) {
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0"); // §6.9
        }
        if (!s.sendWindow.increase(increment)) {
            throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1", Limit.H2_FLOW_CONTROL);
        }
        if (waiting.contains(s)) {
            resumeWaiting();
        }
    }

    /** A complete header block (HEADERS + CONTINUATION): a new request or its trailers. */
    private void onHeaderBlock(int streamId, boolean endStream, boolean selfDependent, byte[] a, int off, int len)
            throws StreamError, ConnectionError {
        if (selfDependent) {
            decode(a, off, len, new Headers(8), false); // keeps the HPACK state in step with the peer's
            if (streamId > highestStreamId) {
                opened(streamId);
            }
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself"); // §5.3.1
        }
        Http2Stream s = streams.get(streamId);
        if (s != null) {
            onTrailers(s, endStream, a, off, len);
            return;
        }
        boolean fresh = streamId > highestStreamId;
        if (!fresh || goAwaySent) {
            Headers discard = new Headers(8);
            decode(a, off, len, discard, false); // keeps the HPACK state in step
            if (!fresh && !wasOpened(streamId)) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "new stream " + streamId + " below stream "
                        + highestStreamId); // §5.1.1
            }
            if (!fresh && !wasReset(streamId)) {
                throw new ConnectionError(ErrorCode.STREAM_CLOSED, "HEADERS on closed stream " + streamId); // §5.1
            }
            return; // after our GOAWAY new streams are ignored (RFC 9113 §6.8)
        }
        opened(streamId);
        Headers headers = new Headers(12);
        boolean tooLarge = !decode(a, off, len, headers, false);
        if (streams.size() >= local.maxConcurrentStreams()) {
            throw new StreamError(streamId, ErrorCode.REFUSED_STREAM, "over SETTINGS_MAX_CONCURRENT_STREAMS",
                    Limit.H2_CONCURRENT_STREAMS); // §5.1.2
        }
        if (!tooLarge && fields.error != null) {
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, fields.error); // §8.1.1 malformed
        }
        s = new Http2Stream(streamId, this, peer.initialWindowSize(), streamRecvWindow);
        s.state = endStream ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN;
        s.startNanos = System.nanoTime();
        s.deadlineNanos = s.startNanos + requestTimeoutNanos;
        streams.put(streamId, s);
        counters.h2StreamOpened();
        if (!deadlineArmed || s.deadlineNanos - nextDeadline < 0) {
            deadlineArmed = true;
            nextDeadline = s.deadlineNanos;
        }
        if (tooLarge) {
            // HPACK bomb or plain large headers: the table is in step, so only this request fails
            counters.tripped(Limit.H2_HEADER_LIST);
            answerEarly(s, 431);
            return;
        }
        counters.request();
        s.requestId = RequestIds.of(headers.get(RequestIds.FIELD));
        s.method = fields.method;
        s.authority = fields.authority;
        s.headers = headers;
        s.contentLength = fields.contentLength;
        s.headRequest = "HEAD".equals(s.method);
        if (!"CONNECT".equals(s.method)) {
            int q = fields.path.indexOf('?');
            s.path = q < 0 ? fields.path : fields.path.substring(0, q);
            s.query = q < 0 ? null : fields.path.substring(q + 1);
            s.route = ctx.dispatcher().match(s.method, s.path);
        }
        if (endStream) {
            if (s.contentLength > 0) {
                throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "content-length without DATA"); // §8.1.1
            }
            queueDispatch(s);
        } else if (s.route instanceof RouteMatch.Found<AsyncHandler> found && found.handler() instanceof StreamingRoute sr) {
            startStreaming(s, sr);
        } else if (s.contentLength > maxBodyBytes) {
            counters.tripped(Limit.BODY_BYTES);
            answerEarly(s, 413);
        } else if (!(s.route instanceof RouteMatch.Found)) {
            answerEarly(s, answerWithoutHandler(s)); // no handler will read the body: it is drained, not kept
        } else if (s.contentLength > 0) {
            // a declared length takes its share of the connection's budget now, but no memory yet
            if (s.contentLength > maxConnectionBodyBytes - committedBodyBytes) {
                throw refusedForBodyBudget(streamId);
            }
            s.committed = s.contentLength;
            committedBodyBytes += s.committed;
        }
    }

    /**
     * Buffers DATA for a handler: a body of unknown length takes the connection's budget as it
     * arrives (REFUSED_STREAM past it); the buffer grows with what arrives, reserving the engine's
     * budget (503 past it), up to the declared length or {@code max_body_bytes} (413 past it).
     */
    private void bufferBody(Http2Stream s, byte[] a, int off, int len) throws StreamError {
        if (s.contentLength < 0 && s.received > s.committed && s.received <= maxBodyBytes) {
            long more = s.received - s.committed;
            if (more > maxConnectionBodyBytes - committedBodyBytes) {
                throw refusedForBodyBudget(s.id);
            }
            s.committed += more;
            committedBodyBytes += more;
        }
        if (s.body == null) {
            s.body = BodyBuffer.reserving(s.contentLength >= 0 ? s.contentLength : maxBodyBytes, budget);
        }
        try {
            s.body.append(a, off, len);
        } catch (CodecException c) {
            RequestError e = RequestError.of(c);
            counters.tripped(e.limit()); // BODY_BYTES (413) or BODY_BUDGET (503)
            answerEarly(s, e.status() == 503 ? Responses.overloaded() : Responses.error(e.status()));
        }
    }

    // ---------------------------------------------------------------- streaming request bodies

    /**
     * A request to a {@link StreamingRoute} with a body to come: its handler is dispatched now
     * (at the end of this read, like any request), and the body goes to it through a {@link
     * BodyStream} as DATA arrives. The stream's window is given back only as the handler takes
     * the body ({@link #creditIn}), so a slow handler holds the client to about {@link
     * Http2Stream#inLimit} octets in flight; the connection's window is given back as DATA arrives
     * (as for every stream), so a stalled stream never stalls the others. The listener's {@code
     * max_body_bytes} and the connection's body budget do not apply: the route's cap does (413);
     * the stream's window is reserved in the engine's budget (503 when it is spent).
     */
    private void startStreaming(Http2Stream s, StreamingRoute sr) {
        if (s.contentLength > sr.maxBodyBytes()) {
            counters.tripped(Limit.BODY_BYTES);
            answerEarly(s, 413);
            return;
        }
        // the window the stream may hold is reserved in the engine's body budget until the stream
        // ends (releaseBody), so many slow streaming uploads are bounded as buffered bodies are
        if (!budget.reserve(sr.window())) {
            counters.tripped(Limit.BODY_BUDGET);
            answerEarly(s, 503);
            return;
        }
        s.handedOver = sr.window();
        s.in = new BodyStream(sr.window());
        s.inCap = sr.maxBodyBytes();
        // the stream's window as advertised, or the route's when that is larger (opened by WINDOW_UPDATE)
        s.inLimit = Math.max(streamRecvWindow, sr.window());
        if (s.inLimit > streamRecvWindow) {
            int more = s.inLimit - streamRecvWindow;
            s.recvWindow.grant(more);
            FrameWriter.windowUpdate(conn.out(), s.id, more);
        }
        queueDispatch(s);
    }

    /**
     * A DATA frame's payload for a streaming request: a copy goes to the handler's stream (the
     * read buffer is the loop's); dropped once the handler cancelled the stream or the engine
     * answered. Past the route's cap the stream fails with 413.
     */
    private void feed(Http2Stream s, byte[] a, int off, int len, int flowLength) {
        s.inUncredited += flowLength; // padding too: it is given back with the next update
        if (s.discardBody || s.inEnded) {
            return;
        }
        if (s.received > s.inCap) {
            counters.tripped(Limit.BODY_BYTES);
            rejectStreaming(s, 413, "the body is longer than the route's max_body_bytes (" + s.inCap + ")");
            return;
        }
        s.deadlineNanos = System.nanoTime() + requestTimeoutNanos; // the client is sending: its stall timer restarts
        BodyStream in = s.in;
        if (len > 0 && !in.isCancelled() && !in.offer(Arrays.copyOfRange(a, off, off + len)) && !s.inDemandArmed) {
            s.inDemandArmed = true;
            in.onDemand(() -> conn.loop().submit(() -> onInDemand(s, in)));
        }
    }

    /** The handler took enough of a full stream (or cancelled it): its window opens again. */
    private void onInDemand(Http2Stream s, BodyStream in) {
        s.inDemandArmed = false;
        if (s.in != in || s.state == StreamState.CLOSED || closing || conn.isClosed()) {
            return;
        }
        creditIn(s);
        if (!in.isCancelled() && in.buffered() >= in.window() && !s.inDemandArmed) {
            s.inDemandArmed = true;
            in.onDemand(() -> conn.loop().submit(() -> onInDemand(s, in)));
        }
        flushOut();
    }

    /**
     * Gives the client back the stream window the handler has consumed (all of it once the body
     * is no longer read): at once when the client is left with less than half of {@link
     * Http2Stream#inLimit}, else once half of it is owed. What the client may send plus what is
     * buffered never exceeds {@code inLimit}. When the client has window left it sends, and the
     * next DATA comes back here; when it has none the stream is full and its onDemand does.
     */
    private void creditIn(Http2Stream s) {
        if (s.inEnded || !s.state.canReceive()) {
            return;
        }
        BodyStream in = s.in;
        long held = s.discardBody || in.isCancelled() ? 0 : in.buffered();
        long owed = s.inUncredited - held;
        if (owed <= 0) {
            return;
        }
        if (owed >= s.inLimit / 2 || s.recvWindow.window() < s.inLimit / 2) {
            int n = (int) owed;
            s.inUncredited -= n;
            s.recvWindow.grant(n);
            FrameWriter.windowUpdate(conn.out(), s.id, n);
        }
    }

    /** The client cannot send a full frame: the handler holds the body back, not the client. */
    private static boolean heldByHandler(Http2Stream s) {
        return !s.discardBody && !s.in.isCancelled() && s.recvWindow.window() < Http2Settings.MIN_MAX_FRAME_SIZE;
    }

    /**
     * A streaming request body cannot complete (408: the client stalled; 413: past the route's
     * cap): the handler's stream fails with that status, and the engine answers it unless the
     * handler answered first; a response already under way is reset (CANCEL) instead.
     */
    private void rejectStreaming(Http2Stream s, int status, String why) {
        if (!s.responseStarted && s.exchange != null) {
            s.exchange.cancel(); // first: the handler's answer to the failure it is about to see comes too late
        }
        s.in.fail(new BodyStream.BodyFailedException(status, why));
        LOG.log(System.Logger.Level.DEBUG, () -> "streaming request on stream " + s.id + " from "
                + conn.remoteAddress() + " failed: " + status + " " + why);
        if (s.held) {
            s.held = false;
            held.remove(s);
        }
        if (!s.responseStarted) {
            answerEarly(s, status); // the rest of the body is drained (and credited), the handler cancelled
            undispatched(s);
            return;
        }
        FrameWriter.rstStream(conn.out(), s.id, ErrorCode.CANCEL);
        rememberReset(s.id);
        closeStream(s);
    }

    /**
     * The connection holds as much request body as it may: this stream is refused, unprocessed, so
     * the client may retry it (RFC 9113 §8.7) once other requests have completed.
     */
    private StreamError refusedForBodyBudget(int streamId) {
        return new StreamError(streamId, ErrorCode.REFUSED_STREAM, "request bodies on this connection exceed "
                + maxConnectionBodyBytes + " octets", Limit.H2_CONNECTION_BODY_BYTES);
    }

    /** Frees what a stream's body holds of both budgets: it was answered early, reset, or is done. */
    private void releaseBody(Http2Stream s) {
        committedBodyBytes -= s.committed;
        s.committed = 0;
        if (s.body != null) {
            s.body.release();
            s.body = null;
        }
        budget.release(s.handedOver);
        s.handedOver = 0;
    }

    /**
     * Hands a stream's body to its request: it no longer counts against the connection, but its
     * octets stay reserved in the engine's budget until the stream ends.
     */
    private byte[] takeBody(Http2Stream s) {
        committedBodyBytes -= s.committed;
        s.committed = 0;
        if (s.body == null) {
            return EMPTY;
        }
        byte[] b = s.body.toArray();
        s.handedOver = s.body.transferReservation();
        s.body = null;
        return b;
    }

    /** A stream is gone from the connection: what its body held goes back. */
    private void forget(Http2Stream s) {
        if (streams.remove(s.id) != null) {
            counters.h2StreamClosed();
        }
        endBodies(s, s.responseStarted && s.out == null ? "the request was answered"
                : "the stream was reset or the connection closed");
        releaseBody(s);
        if (s.held) {
            s.held = false;
            held.remove(s); // reset while it waited: no handler sees it
        }
        undispatched(s);
    }

    /**
     * The streaming bodies of a stream that is gone: a request body still arriving fails (status
     * 0: the client reset the stream or went away), one that ended is cancelled (the handler
     * answered: what it did not read is dropped), and a streaming response's producer is
     * cancelled (the client reset the stream or the connection closed).
     */
    private void endBodies(Http2Stream s, String why) {
        BodyStream in = s.in;
        if (in != null) {
            s.in = null;
            if (!s.inEnded) {
                in.fail(new BodyStream.BodyFailedException(0, why + " before the body ended"));
            } else {
                in.cancel(new BodyStream.CancelledException(why));
            }
        }
        BodyStream out = s.out;
        if (out != null) {
            s.out = null;
            s.outChunk = null;
            out.cancel(new BodyStream.CancelledException(why));
            responded(s, s.outStatus, s.outSent);
        }
    }

    /**
     * A second header block on an open stream: its trailers (RFC 9113 §8.1). They are decoded
     * apart and merged into the request's headers only once checked, and only while the request
     * is still arriving: a header block after END_STREAM is a stream error and never reaches the
     * headers a handler already has.
     */
    private void onTrailers(Http2Stream s, boolean endStream, byte[] a, int off, int len)
            throws StreamError, ConnectionError {
        Headers trailers = new Headers(4);
        boolean tooLarge = !decode(a, off, len, trailers, true);
        if (!s.state.canReceive()) {
            throw new StreamError(s.id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM"); // §5.1 half-closed (remote)
        }
        if (!endStream) {
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM"); // §8.1
        }
        if (tooLarge) {
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "trailers over SETTINGS_MAX_HEADER_LIST_SIZE",
                    Limit.H2_HEADER_LIST);
        }
        if (fields.error != null) {
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, fields.error);
        }
        if (s.contentLength >= 0 && s.received != s.contentLength) {
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "less DATA than content-length"); // §8.1.1
        }
        if (s.headers != null) { // null after a 431: the trailers go with the rest of the request
            for (int i = 0; i < trailers.size(); i++) {
                s.headers.add(trailers.name(i), trailers.value(i));
            }
        }
        endOfRequest(s);
    }

    /**
     * Decodes a header block into {@code target} through the field checks.
     *
     * @return false when the list exceeded SETTINGS_MAX_HEADER_LIST_SIZE (the block was still consumed)
     */
    private boolean decode(byte[] a, int off, int len, Headers target, boolean trailers) throws ConnectionError {
        fields.reset(target, trailers);
        try {
            decoder.decode(a, off, len, fields);
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, e.getMessage()); // RFC 9113 §4.3
            }
            return false;
        }
        fields.finish();
        return true;
    }

    private void endOfRequest(Http2Stream s) {
        s.state = s.state.onRecvEndStream();
        if (s.in != null && !s.inEnded) {
            // a streaming body is complete: the handler has had the request since HEADERS
            s.inEnded = true;
            s.in.end();
            if (s.state == StreamState.CLOSED) {
                forget(s);
                closeIfDone();
                return;
            }
            // the request's deadline runs from now (it had none while the body arrived); a
            // response already under way (full duplex) has nothing left to time out
            s.deadlineNanos = System.nanoTime() + (s.responseStarted ? FAR_FUTURE : requestTimeoutNanos);
            if (s.exchange != null) {
                s.exchange.deadline(s.deadlineNanos);
            }
            armDeadline(s);
            return;
        }
        if (s.state == StreamState.CLOSED) {
            forget(s); // answered early, now complete both ways
            closeIfDone();
        } else if (!s.discardBody) {
            queueDispatch(s);
        }
    }

    private void armDeadline(Http2Stream s) {
        if (!deadlineArmed || s.deadlineNanos - nextDeadline < 0) {
            deadlineArmed = true;
            nextDeadline = s.deadlineNanos;
        }
    }

    private void queueDispatch(Http2Stream s) {
        s.readyToDispatch = true;
        toDispatch.add(s);
    }

    /**
     * Dispatches the requests completed in this read, skipping those reset meanwhile; those over
     * {@code max_dispatched_streams} are held, behind any held before.
     */
    private void dispatchReady() {
        for (int i = 0; i < toDispatch.size(); i++) {
            Http2Stream s = toDispatch.get(i);
            s.readyToDispatch = false;
            if (s.state != StreamState.CLOSED && !conn.isClosed()) {
                if (dispatchedCount >= local.maxDispatchedStreams() || !held.isEmpty()) {
                    counters.tripped(Limit.H2_DISPATCHED_STREAMS);
                }
                s.held = true;
                held.addLast(s);
            }
        }
        toDispatch.clear();
        dispatchHeld();
    }

    /**
     * Hands held requests to their handlers while the connection has fewer than {@code
     * max_dispatched_streams} with them. Not re-entered: a handler that answers at once frees its
     * slot inside {@link #dispatch}, and this loop takes the next.
     */
    private void dispatchHeld() {
        if (dispatchingHeld) {
            return;
        }
        dispatchingHeld = true;
        try {
            while (dispatchedCount < local.maxDispatchedStreams() && !held.isEmpty() && !closing && !conn.isClosed()) {
                Http2Stream s = held.pollFirst();
                s.held = false;
                if (System.nanoTime() - s.deadlineNanos >= 0) {
                    counters.tripped(Limit.REQUEST_TIMEOUT); // it waited out its time: no handler starts on it
                    writeResponse(s, Responses.error(504));
                } else {
                    dispatch(s);
                }
            }
        } finally {
            dispatchingHeld = false;
        }
    }

    /** A dispatched request was answered, timed out or went away: its slot takes the next held one. */
    private void undispatched(Http2Stream s) {
        if (s.dispatched) {
            s.dispatched = false;
            dispatchedCount--;
            dispatchHeld();
        }
    }

    private void dispatch(Http2Stream s) {
        s.dispatched = true;
        dispatchedCount++;
        // a streaming body still arriving: no deadline until it ends (its stall timeout governs)
        boolean streamingIn = s.in != null && !s.inEnded;
        Exchange ex = new Exchange(conn.loop(), s, streamingIn ? Long.MAX_VALUE : s.deadlineNanos);
        ex.head = s.headRequest;
        s.exchange = ex;
        if (s.in != null && s.route instanceof RouteMatch.Found<AsyncHandler> found) {
            ex.requestStream = s.in;
            ex.request(Request.streaming(s.method, s.path, s.query, "HTTP/2", ctx.scheme(), s.headers, s.in,
                    conn.remoteAddress(), ctx.trustedProxies(), found.pattern(), found.params(), conn.tls(), s.requestId));
            s.headers = null;
            Dispatcher.invoke(found.handler(), ex);
        } else if (s.route instanceof RouteMatch.Found<AsyncHandler> found) {
            ex.request(new Request(s.method, s.path, s.query, "HTTP/2", ctx.scheme(), s.headers, takeBody(s),
                    conn.remoteAddress(), ctx.trustedProxies(), found.pattern(), found.params(), conn.tls(), s.requestId));
            s.headers = null; // the handler's now: nothing on this loop changes them after hand-off
            Dispatcher.invoke(found.handler(), ex);
        } else if (s.route != null && ctx.dispatcher().toUnmatched(s.route)) {
            releaseBody(s);
            ex.request(Request.unmatched(s.method, s.path, s.query, "HTTP/2", ctx.scheme(), s.headers,
                    conn.remoteAddress(), ctx.trustedProxies(), conn.tls(), s.requestId, Dispatcher.answerFor(s.route)));
            s.headers = null;
            ctx.dispatcher().invokeUnmatched(ex);
        } else {
            releaseBody(s);
            ex.send(answerWithoutHandler(s));
        }
    }

    /** The engine's answer for a request no handler takes. */
    private static Response answerWithoutHandler(Http2Stream s) {
        return s.route == null ? Responses.error(501) // RFC 9113 §8.5: CONNECT, and no tunnels here
                : Dispatcher.answerFor(s.route);
    }

    // ---------------------------------------------------------------- writing

    /** A handler's response, on the loop thread; dropped when the stream or connection is gone. */
    void onResponse(Http2Stream s, Response r) {
        if (conn.isClosed() || closing || s.state == StreamState.CLOSED || s.responseStarted) {
            if (r.bodyStream() != null) {
                r.bodyStream().cancel(new BodyStream.CancelledException("the stream is gone"));
            }
            return;
        }
        writeResponse(s, r);
        undispatched(s);
        flushOut();
    }

    /** The engine answers by itself (413, 431, timeouts); a pending handler is cancelled. */
    private void answerEarly(Http2Stream s, int status) {
        answerEarly(s, Responses.error(status));
    }

    /** The engine answers by itself (404, 405, 503 too); the rest of the request body is dropped. */
    private void answerEarly(Http2Stream s, Response r) {
        s.discardBody = true;
        releaseBody(s);
        if (s.exchange != null) {
            s.exchange.cancel();
        }
        if (!s.responseStarted) {
            writeResponse(s, r);
        }
    }

    private void writeResponse(Http2Stream s, Response r) {
        s.responseStarted = true;
        String[] f;
        try {
            f = ResponseHeaders.fields(r.headers());
        } catch (ResponseHeaders.InvalidFieldException bad) {
            LOG.log(System.Logger.Level.ERROR, "handler response has an invalid header: " + bad.getMessage());
            if (r.bodyStream() != null) {
                r.bodyStream().cancel(new BodyStream.CancelledException("invalid response header"));
            }
            r = Responses.error(500);
            f = new String[] {"content-type", "text/plain; charset=utf-8"};
        }
        int status = r.status() < 200 || r.status() > 599 ? 500 : r.status(); // no interim responses here
        if (r.bodyStream() != null) {
            startStreamOut(s, r, status, f);
            return;
        }
        byte[] body = r.body();
        boolean noBody = Status.bodyless(status) || s.headRequest || body.length == 0;
        ResponseHeaders.write(conn.out(), encoder, s.id, status, f, body.length, noBody, peer.maxFrameSize(),
                s.requestId != null ? s.requestId : RequestIds.next());
        responded(s, status, noBody ? 0 : body.length);
        if (noBody) {
            sentEndStream(s);
        } else {
            s.pending = body;
            s.pendingOff = 0;
            sendData(s);
        }
    }

    /** The metrics and the access log of one response. */
    private void responded(Http2Stream s, int status, long bodyOut) {
        String pattern = s.route instanceof RouteMatch.Found<AsyncHandler> found ? found.pattern() : null;
        long took = System.nanoTime() - s.startNanos;
        ctx.metrics().responded(s.method, pattern, status, took, s.received, bodyOut);
        if (ctx.accessLog() != null) {
            ctx.accessLog().log(s.exchange == null ? null : s.exchange.request(), conn.remoteAddress(), conn.tls(),
                    s.method, s.path, pattern, "HTTP/2", status, s.received, bodyOut, took, s.requestId);
        }
    }

    // ---------------------------------------------------------------- streaming responses

    /**
     * A streaming response: HEADERS without END_STREAM (with {@code content-length} only when the
     * handler gave one), then DATA as the producer yields chunks ({@link #pumpOut}). A HEAD
     * request or a bodyless status takes no body: the stream is cancelled and HEADERS ends it.
     */
    private void startStreamOut(Http2Stream s, Response r, int status, String[] f) {
        BodyStream body = r.bodyStream();
        long declared;
        try {
            declared = declaredLength(r);
        } catch (ResponseHeaders.InvalidFieldException bad) {
            LOG.log(System.Logger.Level.ERROR, "handler response has an invalid header: " + bad.getMessage());
            body.cancel(new BodyStream.CancelledException("invalid response header"));
            writeResponse(s, Responses.error(500));
            return;
        }
        boolean noBody = Status.bodyless(status) || s.headRequest;
        ResponseHeaders.write(conn.out(), encoder, s.id, status, f, declared, noBody, peer.maxFrameSize(),
                s.requestId != null ? s.requestId : RequestIds.next());
        if (noBody) {
            body.cancel(new BodyStream.CancelledException("the response takes no body"));
            responded(s, status, 0);
            sentEndStream(s);
            return;
        }
        s.out = body;
        s.outDeclared = declared;
        s.outStatus = status;
        s.outSent = 0;
        if (!s.state.canReceive()) {
            s.deadlineNanos = System.nanoTime() + FAR_FUTURE; // answered and complete: nothing left to time out
        }
        pumpOut(s);
    }

    /** The handler's own {@code content-length} for a streaming response, or -1. */
    private static long declaredLength(Response r) throws ResponseHeaders.InvalidFieldException {
        String v = r.headers().get("content-length");
        if (v == null) {
            return -1;
        }
        String t = v.strip();
        if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ResponseHeaders.InvalidFieldException("invalid content-length for a streaming response: " + v);
        }
        return Long.parseLong(t);
    }

    /**
     * Sends what the response's producer has ready, while the peer's stream and connection
     * windows and the outbound queue allow; a chunk is taken from the producer only when there is
     * window for it, so a client that does not read holds the producer (through the stream's own
     * backpressure). Waits in {@link #waiting} for window, or on the producer's onAvailable.
     */
    private void pumpOut(Http2Stream s) {
        BodyStream body = s.out;
        int maxFrame = peer.maxFrameSize();
        long framesBefore = dataFramesSent;
        while (true) {
            byte[] c = s.outChunk;
            if (c != null) {
                int off = s.outChunkOff;
                while (off < c.length) {
                    int n = Math.min(Math.min(c.length - off, maxFrame),
                            Math.min(s.sendWindow.available(), connSendWindow.available()));
                    if (n == 0 || conn.out().pendingBytes() > local.maxQueuedBytes()) {
                        break;
                    }
                    FrameWriter.data(conn.out(), s.id, c, off, n, false);
                    s.sendWindow.consume(n);
                    connSendWindow.consume(n);
                    off += n;
                    dataFramesSent++;
                }
                s.outChunkOff = off;
                if (off < c.length) {
                    waitForWindow(s);
                    break;
                }
                s.outChunk = null;
            }
            if (s.sendWindow.available() == 0 || connSendWindow.available() == 0
                    || conn.out().pendingBytes() > local.maxQueuedBytes()) {
                waitForWindow(s); // the producer waits too: nothing more is taken from it
                break;
            }
            c = body.poll();
            if (c == null) {
                if (body.isDone()) {
                    finishOut(s);
                    return;
                }
                if (!s.outArmed) {
                    s.outArmed = true;
                    body.onAvailable(() -> conn.loop().submit(() -> onOutAvailable(s, body)));
                }
                break;
            }
            s.outSent += c.length;
            if (s.outDeclared >= 0 && s.outSent > s.outDeclared) {
                body.cancel(new BodyStream.CancelledException("the body is longer than its content-length"));
                failOut(s, "the body is longer than its content-length (" + s.outDeclared + ")", null);
                return;
            }
            s.outChunk = c;
            s.outChunkOff = 0;
        }
        if (dataFramesSent != framesBefore) {
            flushOut(); // each chunk leaves at once (server-sent events)
        }
    }

    /**
     * Flushes, not re-entered: a flush that drains at once calls {@link #onDrained} inside it,
     * which may pump a streaming response and ask for another flush; that one runs after this
     * one returns, in a loop instead of a deeper call. Only a pump that wrote asks again.
     */
    private void flushOut() {
        if (flushing) {
            flushAgain = true;
            return;
        }
        flushing = true;
        try {
            do {
                flushAgain = false;
                conn.flush();
            } while (flushAgain && !conn.isClosed());
        } finally {
            flushing = false;
        }
    }

    private void waitForWindow(Http2Stream s) {
        if (conn.isInputClosed() && waitsForWindow(s)) {
            neverSendable(s);
            return;
        }
        waiting.add(s); // resumed on WINDOW_UPDATE, SETTINGS or drain
    }

    private void onOutAvailable(Http2Stream s, BodyStream body) {
        s.outArmed = false;
        if (s.out == body && s.state != StreamState.CLOSED && !closing && !conn.isClosed() && !waiting.contains(s)) {
            pumpOut(s);
        }
    }

    /** The producer ended: END_STREAM, unless it failed or fell short of its content-length. */
    private void finishOut(Http2Stream s) {
        BodyStream body = s.out;
        Throwable failure = body.failure();
        if (failure != null) {
            failOut(s, failure.getMessage(), failure);
            return;
        }
        if (s.outDeclared >= 0 && s.outSent != s.outDeclared) {
            failOut(s, "the body is shorter than its content-length (" + s.outDeclared + ")", null);
            return;
        }
        s.out = null;
        FrameWriter.data(conn.out(), s.id, EMPTY, 0, 0, true);
        responded(s, s.outStatus, s.outSent);
        sentEndStream(s);
        flushOut();
    }

    /**
     * A streaming response cannot be completed: RST_STREAM INTERNAL_ERROR, so the client never
     * takes the body it has for a whole one, and an ERROR log naming the route. The connection
     * and its other streams go on.
     */
    private void failOut(Http2Stream s, String why, Throwable cause) {
        Request r = s.exchange == null ? null : s.exchange.request();
        long sent = s.outSent;
        LOG.log(System.Logger.Level.ERROR, () -> "streaming response of " + (r == null ? s.method + " " + s.path
                : r.method() + " " + r.path() + (r.routePattern() == null ? "" : " (route " + r.routePattern() + ")"))
                + " ended after " + sent + " bytes: " + why + "; stream " + s.id + " is reset (INTERNAL_ERROR)", cause);
        s.out = null;
        s.outChunk = null;
        responded(s, s.outStatus, sent);
        FrameWriter.rstStream(conn.out(), s.id, ErrorCode.INTERNAL_ERROR);
        rememberReset(s.id);
        closeStream(s);
        if (!conn.isClosed()) {
            flushOut();
        }
    }

    /** Sends as much of the stream's body as both windows, the frame size and the socket allow. */
    private void sendData(Http2Stream s) {
        byte[] body = s.pending;
        int reached = FrameWriter.dataWithinWindows(conn.out(), s.id, body, s.pendingOff, s.sendWindow, connSendWindow,
                peer.maxFrameSize(), local.maxQueuedBytes());
        if (reached != s.pendingOff) {
            dataFramesSent++; // (only its change matters: DATA went out since the last tick)
            s.pendingOff = reached;
        }
        if (reached < body.length) {
            if (conn.isInputClosed() && waitsForWindow(s)) {
                neverSendable(s);
                return;
            }
            waiting.add(s); // resumed on WINDOW_UPDATE, SETTINGS or drain
            return;
        }
        s.pending = null;
        sentEndStream(s);
    }

    /** The stream's response is held back by a flow-control window, not by the socket. */
    private boolean waitsForWindow(Http2Stream s) {
        return s.sendWindow.available() == 0 || connSendWindow.available() == 0;
    }

    /**
     * The peer closed its side, so no WINDOW_UPDATE can come: a response waiting for window will
     * never be sent. The stream goes now instead of holding its body and the connection until the
     * send-stall timeout.
     */
    private void neverSendable(Http2Stream s) {
        if (!sendStallCounted) {
            sendStallCounted = true;
            counters.tripped(Limit.H2_SEND_STALL);
        }
        closeStream(s);
    }

    /**
     * How long (as of {@code now}, seen from the timer) a response has waited for window with no
     * DATA written meanwhile; 0 when none waits or DATA went out since the last tick.
     */
    private long sendStalledFor(long now) {
        if (dataFramesSent != dataFramesSeen || waiting.isEmpty() || !hasStalledStream()) {
            dataFramesSeen = dataFramesSent;
            sendStalledSince = now;
        }
        return now - sendStalledSince;
    }

    /** A response waits for window (or for the socket to drain) with body left to send. */
    private boolean hasStalledStream() {
        for (Http2Stream s : waiting) {
            if (s.state != StreamState.CLOSED && (s.pending != null || s.out != null)) {
                return true;
            }
        }
        return false;
    }

    private void resumeWaiting() {
        waiting.resume(connSendWindow, s -> {
            if (s.state == StreamState.CLOSED) {
                return;
            }
            if (s.out != null) {
                pumpOut(s);
            } else if (s.pending != null) {
                sendData(s);
            }
        });
    }

    private void sentEndStream(Http2Stream s) {
        s.state = s.state.onSendEndStream();
        if (s.state == StreamState.HALF_CLOSED_LOCAL && s.in != null && !s.discardBody) {
            // a streaming route's handler answered before its body ended: the rest is drained
            // and dropped as for the engine's early answers (clients such as curl report a reset
            // as a failure while they still send), up to the same limit
            s.discardBody = true;
            s.in.cancel(new BodyStream.CancelledException("the request was answered"));
        }
        if (s.state == StreamState.HALF_CLOSED_LOCAL && !(s.discardBody && s.received <= discardLimit())) {
            stopRequest(s);
        }
        if (s.state == StreamState.CLOSED) {
            forget(s);
            closeIfDone();
        }
    }

    /**
     * RFC 9113 §8.1: answered before the request was complete; RST_STREAM NO_ERROR stops the rest.
     * A request answered early by the engine (413) is drained instead, up to {@link #discardLimit},
     * since some clients report the reset as a failure before reading the response.
     */
    private void stopRequest(Http2Stream s) {
        FrameWriter.rstStream(conn.out(), s.id, ErrorCode.NO_ERROR);
        s.state = StreamState.CLOSED;
        rememberReset(s.id);
        forget(s);
        closeIfDone();
    }

    /** Request body octets drained after an early answer before the stream is reset instead. */
    private long discardLimit() {
        return 4 * maxBodyBytes;
    }

    // ---------------------------------------------------------------- errors and closing

    private void resetStream(StreamError e) throws ConnectionError {
        if (e.limit() != null) {
            counters.tripped(e.limit());
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "resetting stream " + e.streamId() + " from " + conn.remoteAddress()
                + ": " + e.code() + " " + e.getMessage());
        FrameWriter.rstStream(conn.out(), e.streamId(), e.code());
        controlFrameQueued();
        Http2Stream s = streams.get(e.streamId());
        if (s != null) {
            closeStream(s);
        }
        rememberReset(e.streamId());
        // "Made-you-reset": resets the peer provokes cost the same budget as its own
        if (!resets.spend(System.nanoTime())) {
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many streams reset", Limit.H2_RAPID_RESET);
        }
    }

    /** Closes a stream at once (reset either way): its handler is cancelled, its pending data dropped. */
    private void closeStream(Http2Stream s) {
        s.state = StreamState.CLOSED;
        s.pending = null;
        s.outChunk = null;
        if (s.exchange != null) {
            s.exchange.cancel();
        }
        forget(s);
        closeIfDone();
    }

    private void rememberReset(int streamId) {
        recentlyReset[recentlyResetNext] = streamId;
        recentlyResetNext = (recentlyResetNext + 1) % RECENTLY_RESET;
    }

    /** The peer opened {@code streamId}, above every stream it opened before. */
    private void opened(int streamId) {
        int shift = (streamId - highestStreamId) >>> 1;
        long previous = highestStreamId == 0 ? 0 : 1L << (shift - 1);
        openedBelowHighest = shift >= Long.SIZE ? (shift == Long.SIZE ? previous : 0) : openedBelowHighest << shift | previous;
        highestStreamId = streamId;
    }

    /**
     * Whether the peer opened {@code streamId}, which is below {@link #highestStreamId}. Ids further down than
     * the 64 remembered count as opened: either answer closes the connection, only the error code differs.
     */
    private boolean wasOpened(int streamId) {
        int k = ((highestStreamId - streamId) >>> 1) - 1;
        return k >= Long.SIZE || (openedBelowHighest & 1L << k) != 0;
    }

    private boolean wasReset(int streamId) {
        for (int id : recentlyReset) {
            if (id == streamId) {
                return true;
            }
        }
        return false;
    }

    /** Bounds the answers we queue to a peer that sends control frames but does not read. */
    private void controlFrameQueued() throws ConnectionError {
        if (++controlQueued > local.maxQueuedControlFrames()) {
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "control frames queued for a peer that does not read",
                    Limit.H2_CONTROL_FLOOD);
        }
    }

    private void connectionError(ConnectionError e) {
        counters.tripped(e.limit() != null ? e.limit() : Limit.MALFORMED);
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection error from " + conn.remoteAddress() + ": "
                + e.code() + " " + e.getMessage());
        if (e.limit() == Limit.H2_CONTROL_FLOOD) {
            closing = true;
            conn.close(); // the peer does not read: a GOAWAY would only queue behind the rest
            return;
        }
        goAway(e.code(), e.getMessage());
        closing = true;
        cancelAll();
        conn.closeAfterFlush();
    }

    private void goAway(ErrorCode code, String debug) {
        if (!goAwaySent || code != ErrorCode.NO_ERROR) {
            FrameWriter.goAway(conn.out(), highestStreamId, code, debug.getBytes(StandardCharsets.UTF_8));
            goAwaySent = true;
            counters.h2GoAwaySent();
        }
    }

    private void cancelAll() {
        for (Http2Stream s : streams.values()) {
            s.state = StreamState.CLOSED;
            s.pending = null;
            if (s.exchange != null) {
                s.exchange.cancel();
            }
            endBodies(s, "the connection closed");
            releaseBody(s);
            counters.h2StreamClosed();
        }
        streams.clear();
        waiting.clear();
        toDispatch.clear();
        held.clear();
        dispatchedCount = 0;
    }

    /** After GOAWAY either way, the connection closes once its last stream is done. */
    private void closeIfDone() {
        if ((goAwaySent || peerGoAway) && streams.isEmpty() && !closing && !conn.isClosed()) {
            closing = true;
            conn.closeAfterFlush();
        }
    }

    // ---------------------------------------------------------------- Session

    @Override
    public int protocol() {
        return "https".equals(ctx.scheme()) ? H2 : H2C;
    }

    @Override
    public void onInputClosed() {
        // The peer cannot send more frames: answer what is in flight, then close.
        peerGoAway = true;
        for (Http2Stream s : streams.values().toArray(new Http2Stream[0])) {
            if (s.state.canReceive()) {
                closeStream(s); // an incomplete request can never complete now
            } else if (waiting.contains(s) && (s.pending != null || s.out != null) && waitsForWindow(s)) {
                neverSendable(s);
            }
        }
        closeIfDone();
    }

    @Override
    public void onDrained() {
        lastDrained = System.nanoTime();
        controlQueued = 0;
        resumeWaiting();
        if (!conn.isClosed() && !closing) {
            conn.resumeReading();
        }
    }

    @Override
    public void onTick(long now) {
        if (closing) {
            return;
        }
        if (!localSettingsAcked && now - settingsSentAt >= settingsTimeoutNanos) {
            // RFC 9113 §6.5.3: SETTINGS not acknowledged in a reasonable time
            connectionError(new ConnectionError(ErrorCode.SETTINGS_TIMEOUT, "SETTINGS not acknowledged",
                    Limit.H2_SETTINGS_TIMEOUT));
            if (!conn.isClosed()) {
                conn.flush();
            }
            return;
        }
        if (draining && !goAwaySent && now - drainStartedAt >= shutdownPingTimeoutNanos) {
            counters.tripped(Limit.H2_SHUTDOWN_PING_TIMEOUT); // the peer did not answer: stop waiting for it
            finalGoAway();
        }
        if (deadlineArmed && now - nextDeadline >= 0) {
            checkDeadlines(now);
        }
        if (!conn.out().isEmpty()) {
            conn.flush(); // (an empty flush would count as drained and keep an idle connection open)
        }
        if (conn.isClosed()) {
            return;
        }
        if (conn.isWriteBlocked() && now - lastDrained >= idleTimeoutNanos) {
            counters.tripped(Limit.WRITE_STALL); // the peer stopped reading
            conn.close();
        } else if (sendStalledFor(now) >= idleTimeoutNanos) {
            // the peer reads but keeps its windows shut (SETTINGS_INITIAL_WINDOW_SIZE 0, no
            // WINDOW_UPDATE): no timeout would otherwise free the streams and their bodies
            connectionError(new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM,
                    "no flow-control window for a response in idle_timeout_ms", Limit.H2_SEND_STALL));
        } else if (streams.isEmpty() && now - lastActivity >= idleTimeoutNanos && now - lastDrained >= idleTimeoutNanos) {
            counters.tripped(Limit.IDLE_TIMEOUT);
            goAway(ErrorCode.NO_ERROR, "idle");
            closeIfDone();
        }
    }

    @Override
    public void onClosed() {
        closing = true;
        cancelAll();
    }

    /**
     * Acts on every open stream past its deadline, and re-arms the check for the earliest deadline
     * of those still open. The timer visits every connection 20 times a second; a connection whose
     * streams all have time left costs one comparison, and no copy of its stream table.
     */
    private void checkDeadlines(long now) {
        for (Http2Stream s : streams.values().toArray(new Http2Stream[0])) {
            if (now - s.deadlineNanos < 0 || s.state == StreamState.CLOSED) {
                continue;
            }
            if (s.in != null && !s.inEnded && s.state.canReceive() && !s.discardBody) {
                if (heldByHandler(s)) {
                    s.deadlineNanos = now + requestTimeoutNanos; // we withhold the window, not the client
                } else {
                    counters.tripped(Limit.BODY_TIMEOUT); // the client stopped sending the body
                    rejectStreaming(s, 408, "no request body for request_timeout_ms");
                }
            } else if (s.exchange != null && s.exchange.isPending() && s.exchange.cancel()) {
                counters.tripped(Limit.REQUEST_TIMEOUT);
                s.exchange = null;
                writeResponse(s, Responses.error(504));
                undispatched(s);
            } else if (s.held) {
                counters.tripped(Limit.REQUEST_TIMEOUT); // its deadline passed while it waited for a slot
                s.held = false;
                held.remove(s);
                writeResponse(s, Responses.error(504));
            } else if (s.state == StreamState.HALF_CLOSED_LOCAL && s.pending == null) {
                stopRequest(s); // answered early and the rest of the request is not coming
            } else if (s.exchange == null && !s.responseStarted && s.state.canReceive()) {
                counters.tripped(Limit.BODY_TIMEOUT); // the request body never finished arriving
                answerEarly(s, 408);
            }
        }
        deadlineArmed = false;
        for (Http2Stream s : streams.values()) {
            if (s.state != StreamState.CLOSED && (!deadlineArmed || s.deadlineNanos - nextDeadline < 0)) {
                deadlineArmed = true;
                nextDeadline = s.deadlineNanos;
            }
        }
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder("h2 ").append(streams.size()).append(" streams");
        if (!streams.isEmpty()) {
            b.append(" (");
            int shown = 0;
            for (Http2Stream s : streams.values()) {
                if (shown++ == 4) {
                    b.append(" ...");
                    break;
                }
                b.append(shown > 1 ? " " : "").append(s.id).append(':').append(s.state)
                        .append(s.exchange != null ? "/handler" : "").append(s.held ? "/held" : "");
            }
            b.append(')');
        }
        return b.append(", ").append(held.size()).append(" held").append(closing ? ", closing" : "")
                .append(goAwaySent ? ", goaway sent" : "").append(peerGoAway ? ", peer goaway" : "")
                .append(draining ? ", draining" : "").toString();
    }

    @Override
    public void onShutdown() {
        if (closing || draining || goAwaySent) {
            return;
        }
        // RFC 9113 §6.8: a first GOAWAY with 2^31-1 stops new streams without refusing those
        // already on their way; the PING's answer marks one round trip.
        draining = true;
        drainStartedAt = System.nanoTime();
        FrameWriter.goAway(conn.out(), Integer.MAX_VALUE, ErrorCode.NO_ERROR,
                "shutting down".getBytes(StandardCharsets.UTF_8));
        counters.h2GoAwaySent();
        FrameWriter.ping(conn.out(), SHUTDOWN_PING);
        conn.flush();
    }

    /** The second GOAWAY of a graceful shutdown: streams up to the last one seen complete, later ones are ignored. */
    private void finalGoAway() {
        goAway(ErrorCode.NO_ERROR, "shutting down");
        closeIfDone();
        if (!conn.isClosed()) {
            conn.flush();
        }
    }
}

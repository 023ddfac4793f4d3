package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.BodyStream;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.h2.ErrorCode;
import dev.siphon.http.h2.FlowControlWindow;
import dev.siphon.http.h2.WindowWaiters;
import dev.siphon.http.h2.FrameHandler;
import dev.siphon.http.h2.FrameReader;
import dev.siphon.http.h2.FrameWriter;
import dev.siphon.http.h2.HeaderBlock;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.h2.PeerSettings;
import dev.siphon.http.h2.ReceiveWindow;
import dev.siphon.http.h2.StreamState;
import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.h2.hpack.HpackException;
import dev.siphon.http.h2.ConnectionError;
import dev.siphon.http.h2.StreamError;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * An HTTP/2 connection of the pool, opened with prior knowledge on cleartext (h2c, RFC 9113 §3.3)
 * or over TLS when ALPN chose "h2" (RFC 9113 §3.2): many
 * exchanges at once, one stream each, within the peer's SETTINGS_MAX_CONCURRENT_STREAMS. The
 * protocol mechanics are the engine's, shared with its server side: frames are parsed by
 * {@link FrameReader} and written by {@link FrameWriter}, header blocks assembled by
 * {@link HeaderBlock} and coded by the HPACK coder, the peer's SETTINGS checked by
 * {@link PeerSettings}. Flow control both ways (RFC 9113 §5.2, §6.9): our request DATA waits for
 * the peer's windows ({@link FlowControlWindow}); the peer's DATA is credited back
 * ({@link ReceiveWindow}) as soon as it is copied out of the read buffer, so the receive windows
 * bound what is in flight, not the body.
 *
 * <p>Stream states are the engine's {@link StreamState} (RFC 9113 §5.1): open once HEADERS are
 * sent → half-closed (local) once END_STREAM is sent → closed at the response's END_STREAM (a
 * response complete while the request body was still going resets the stream), a RST_STREAM
 * either way, or the connection's end. A stream is in {@link #streams} from HEADERS
 * to closed. Loop thread only.
 *
 * <p><b>Streamed bodies.</b> A request body that is a {@link BodyStream} goes out as DATA frames
 * within both of the peer's windows, taken from the stream only while the socket's queue is
 * shorter than {@link #UPLOAD_HIGH_WATER} (else after {@link #onDrained}); END_STREAM when the
 * stream ends; RST_STREAM CANCEL when its producer fails or it misses its content-length. A
 * streamed response's DATA goes into the exchange's stream. The connection window is credited as
 * DATA arrives (each stream's window bounds what it holds); the stream's window only as the
 * reader takes the bytes: the peer may have at most {@code max(window + STREAM_CREDIT_STEP,
 * LOCAL_STREAM_WINDOW)} octets of the body outstanding beyond what the reader took, whatever its
 * length. A reader's cancel resets the stream (CANCEL); the connection stays.
 */
final class Http2Connection implements PooledConnection, ClientSocket.Protocol, FrameHandler {
    private static final byte[] EMPTY = new byte[0];
    /** Our SETTINGS_INITIAL_WINDOW_SIZE: response bytes a stream may have in flight. */
    static final int LOCAL_STREAM_WINDOW = 1 << 20;
    /** Our connection receive window, raised from 65,535 by one WINDOW_UPDATE after the preface. */
    static final int LOCAL_CONNECTION_WINDOW = 16 << 20;
    /**
     * The last-stream-id of our GOAWAY frames: the last stream the server initiated that we
     * processed (RFC 9113 §6.8). We accept none (no server push), so 0.
     */
    private static final int LAST_STREAM = 0;
    /** Encoded octets allowed in one response header block (HEADERS + CONTINUATION). */
    private static final int MAX_HEADER_BLOCK_BYTES = 64 * 1024;
    /** Octets of streamed request bodies queued for the socket before they wait for it to drain. */
    static final int UPLOAD_HIGH_WATER = 256 * 1024;
    /**
     * A streamed response's stream window is credited in steps of at least this many octets the
     * reader took; the peer may send the stream's {@code window} plus this beyond what was taken.
     */
    static final int STREAM_CREDIT_STEP = 64 * 1024;

    /** One request/response on this connection. */
    private static final class Stream {
        final int id;
        final ClientExchange exchange;
        int sent; // request body bytes sent
        StreamState state = StreamState.OPEN; // from its HEADERS on
        final FlowControlWindow sendWindow;
        final ReceiveWindow receiveWindow = new ReceiveWindow(LOCAL_STREAM_WINDOW);
        int status; // 0 until the final response head
        LinkedHashMap<String, String> fields;
        BodyBuffer body;
        boolean received;
        // a streamed request body: the chunk being sent and how far
        BodyStream upload;
        byte[] chunk;
        int chunkOff;
        long uploadTaken; // octets taken from the stream
        // a streamed response: the reader's stream once the head was handed over
        BodyStream download;
        long credited = LOCAL_STREAM_WINDOW; // flow-controlled octets the peer may send in all
        long flowReceived; // flow-controlled octets received (padding included)
        long padding; // of which padding: done with at once
        long dataReceived;

        Stream(int id, ClientExchange exchange, int sendWindow) {
            this.id = id;
            this.exchange = exchange;
            this.sendWindow = new FlowControlWindow(sendWindow);
        }
    }

    private final ConnectionPool pool;
    private final ClientSocket socket;
    private final FrameReader reader = new FrameReader(Http2Settings.MIN_MAX_FRAME_SIZE);
    private final HpackEncoder encoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
    private final HpackDecoder decoder;
    private final long maxBodyBytes;
    private final HashMap<Integer, Stream> streams = new HashMap<>();
    private final WindowWaiters<Stream> blocked = new WindowWaiters<>(); // request bodies waiting for window
    private final WindowWaiters<Stream> drainWaiters = new WindowWaiters<>(); // streamed bodies waiting for the socket
    private boolean draining;
    private boolean drainAgain;
    private ClientExchange initiator;
    private boolean ready; // the peer's SETTINGS arrived
    private boolean goingAway;
    private int nextStreamId = 1;
    private long idleSinceNanos = System.nanoTime();
    /** The peer's settings (RFC 9113 §6.5.2 initial values until its SETTINGS frame). */
    private final PeerSettings peer = new PeerSettings(true);
    private final FlowControlWindow sendWindow = new FlowControlWindow(Http2Settings.DEFAULT_WINDOW);
    private final ReceiveWindow receiveWindow = new ReceiveWindow(LOCAL_CONNECTION_WINDOW);
    /** The header block being received; CONTINUATION frames are not counted (no cap below the size cap). */
    private final HeaderBlock block = new HeaderBlock(MAX_HEADER_BLOCK_BYTES, Integer.MAX_VALUE);
    /** The last SETTINGS frame raised SETTINGS_INITIAL_WINDOW_SIZE. */
    private boolean windowGrew;
    private ByteBuffer encodeScratch = ByteBuffer.allocate(4096);

    Http2Connection(ConnectionPool pool, ClientExchange initiator) {
        this(pool, initiator, null);
    }

    /** @param socket a TLS socket whose handshake chose "h2", or null to open a new one */
    Http2Connection(ConnectionPool pool, ClientExchange initiator, ClientSocket socket) {
        this.pool = pool;
        this.initiator = initiator;
        this.socket = socket != null ? socket : pool.newSocket(this);
        this.decoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, pool.client.settings().maxResponseHeadBytes());
        this.maxBodyBytes = pool.client.settings().maxResponseBodyBytes();
    }

    ClientSocket socket() {
        return socket;
    }

    boolean isReady() {
        return ready || socket.isClosed();
    }

    boolean canOpenStream() {
        return ready && !goingAway && !socket.isClosed() && streams.size() < peer.maxConcurrentStreams()
                && nextStreamId > 0;
    }

    @Override
    public boolean idleSince(long cutoffNanos) {
        return ready && streams.isEmpty() && idleSinceNanos - cutoffNanos < 0;
    }

    @Override
    public void forgetInitiator(ClientExchange x) {
        if (initiator == x) {
            initiator = null;
        }
    }

    // ---- connection set-up

    @Override
    public void onConnected() {
        if (socket.isSecure() && !"h2".equals(socket.applicationProtocol())) {
            // RFC 7301 §3.2: the server chose http/1.1, or does no ALPN (then HTTP/1.1 too);
            // RFC 9113 §3.2: h2 over TLS only when ALPN says so
            ClientExchange x = initiator;
            initiator = null;
            pool.switchProtocol(this, new Http1Connection(pool, x, socket), x);
            return;
        }
        // RFC 9113 §3.4: the client preface, then our SETTINGS; we may send requests before the
        // peer's SETTINGS, but wait for them to learn SETTINGS_MAX_CONCURRENT_STREAMS.
        FrameWriter.preface(socket.out());
        ByteBuffer b = socket.out().reserve(HEADER_LENGTH + 3 * 6);
        FrameWriter.header(b, 3 * 6, SETTINGS, 0, 0);
        b.putShort((short) SETTINGS_ENABLE_PUSH).putInt(0); // §8.4: no server push
        b.putShort((short) SETTINGS_INITIAL_WINDOW_SIZE).putInt(LOCAL_STREAM_WINDOW);
        b.putShort((short) SETTINGS_MAX_HEADER_LIST_SIZE).putInt(pool.client.settings().maxResponseHeadBytes());
        FrameWriter.windowUpdate(socket.out(), 0, LOCAL_CONNECTION_WINDOW - Http2Settings.DEFAULT_WINDOW);
        socket.flush();
    }

    @Override
    public void onConnectFailed(ClientException cause) {
        ClientExchange x = initiator;
        initiator = null;
        pool.onConnectFailed(x, cause);
    }

    // ---- sending

    @Override
    public void start(ClientExchange x) {
        int id = nextStreamId;
        nextStreamId += 2; // RFC 9113 §5.1.1: client streams are odd and increase; overflow ends reuse
        Stream s = new Stream(id, x, peer.initialWindowSize());
        streams.put(id, s);
        x.phase = ClientExchange.Phase.ACTIVE;
        x.connection = this;
        x.streamId = id;
        boolean noBody = x.body.length == 0 && x.requestStream == null;
        writeHeaders(s, noBody);
        if (noBody) {
            s.state = s.state.onSendEndStream();
        }
        if (x.requestStream != null) {
            s.upload = x.requestStream;
            pumpUpload(s);
        } else if (!noBody) {
            sendData(s);
        }
        socket.flush();
    }

    /** RFC 9113 §8.3.1 pseudo-header fields, then the caller's fields lower-cased (§8.2.1). */
    private void writeHeaders(Stream s, boolean endStream) {
        ClientExchange x = s.exchange;
        String authority = pool.origin.authority();
        for (int i = 0; i < x.headerNames.length; i++) {
            if (x.headerNames[i].equalsIgnoreCase("host")) {
                authority = x.headerValues[i]; // §8.3.1: :authority replaces Host
            }
        }
        ByteBuffer b = encodeScratch;
        b.clear();
        encoder.beginBlock(b);
        b = put(b, ":method", x.method);
        b = put(b, ":scheme", pool.origin.scheme());
        b = put(b, ":authority", authority);
        b = put(b, ":path", x.target);
        for (int i = 0; i < x.headerNames.length; i++) {
            String name = Ascii.lower(x.headerNames[i]);
            if (!name.equals("host")) {
                b = put(b, name, x.headerValues[i]);
            }
        }
        if (x.requestStream != null) {
            if (x.requestLength >= 0) {
                b = put(b, "content-length", Long.toString(x.requestLength));
            }
        } else if (x.body.length > 0 || x.method.equals("POST") || x.method.equals("PUT")
                || x.method.equals("PATCH")) {
            b = put(b, "content-length", Integer.toString(x.body.length));
        }
        encodeScratch = b;
        b.flip();
        // §4.3: one block, as HEADERS then CONTINUATION frames of at most the peer's max frame size
        FrameWriter.headerBlock(socket.out(), s.id, b.array(), b.arrayOffset() + b.position(), b.remaining(), endStream,
                peer.maxFrameSize());
    }

    /** Encodes one field, growing the scratch buffer when the encoder says it is full (it wrote nothing). */
    private ByteBuffer put(ByteBuffer b, String name, String value) {
        while (true) {
            try {
                encoder.encode(name, value, b);
                return b;
            } catch (BufferOverflowException e) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2,
                        b.position() + HpackEncoder.maxEncodedLength(name, value)));
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }
    }

    /** Sends as much of the request body as both windows and the peer's frame size allow. */
    private void sendData(Stream s) {
        if (s.upload != null) {
            pumpUpload(s);
            return;
        }
        byte[] body = s.exchange.body;
        s.sent = FrameWriter.dataWithinWindows(socket.out(), s.id, body, s.sent, s.sendWindow, sendWindow,
                peer.maxFrameSize(), Long.MAX_VALUE);
        if (s.sent == body.length) {
            s.state = s.state.onSendEndStream();
        } else {
            blocked.add(s);
        }
    }

    /**
     * Sends what the streamed request body has, within both windows and while the socket's
     * queue is short; then waits for the producer, a window ({@link #blocked}) or the socket
     * ({@link #drainWaiters}). The caller flushes.
     */
    private void pumpUpload(Stream s) {
        ClientExchange x = s.exchange;
        BodyStream u = s.upload;
        while (u != null) {
            if (s.chunk == null) {
                byte[] c = u.poll();
                if (c == null) {
                    if (!u.isDone()) {
                        u.onAvailable(() -> pool.loop.submit(() -> {
                            if (streams.get(s.id) == s && s.upload == u && s.chunk == null) {
                                pumpUpload(s);
                                socket.flush();
                            }
                        }));
                        return;
                    }
                    Throwable failure = u.failure();
                    if (failure != null) {
                        resetStream(s.id, ErrorCode.CANCEL, new RequestBodyException("the request body of " + x.method
                                + " " + x.target + " to " + pool.origin + " failed after " + s.uploadTaken
                                + " octets: " + failure, failure));
                        return;
                    }
                    if (x.requestLength >= 0 && s.uploadTaken != x.requestLength) {
                        resetStream(s.id, ErrorCode.CANCEL, new RequestBodyException("the request body of " + x.method
                                + " " + x.target + " to " + pool.origin + " ended after " + s.uploadTaken
                                + " octets, short of its content-length " + x.requestLength, null));
                        return;
                    }
                    FrameWriter.data(socket.out(), s.id, EMPTY, 0, 0, true); // §8.1: END_STREAM ends the body
                    uploadSent(s);
                    return;
                }
                if (x.requestLength >= 0 && s.uploadTaken + c.length > x.requestLength) {
                    resetStream(s.id, ErrorCode.CANCEL, new RequestBodyException("the request body of " + x.method
                            + " " + x.target + " to " + pool.origin + " runs past its content-length "
                            + x.requestLength + " (" + (s.uploadTaken + c.length) + " octets given)", null));
                    return;
                }
                s.chunk = c;
                s.chunkOff = 0;
                s.uploadTaken += c.length;
            }
            if (socket.out().pendingBytes() >= UPLOAD_HIGH_WATER) {
                drainWaiters.add(s);
                return;
            }
            int n = Math.min(Math.min(s.chunk.length - s.chunkOff, peer.maxFrameSize()),
                    Math.min(s.sendWindow.available(), sendWindow.available()));
            if (n == 0) {
                blocked.add(s);
                return;
            }
            boolean last = s.chunkOff + n == s.chunk.length && u.isDone() && u.failure() == null
                    && (x.requestLength < 0 || s.uploadTaken == x.requestLength);
            FrameWriter.data(socket.out(), s.id, s.chunk, s.chunkOff, n, last);
            s.sendWindow.consume(n);
            sendWindow.consume(n);
            s.chunkOff += n;
            if (s.chunkOff == s.chunk.length) {
                s.chunk = null;
            }
            if (last) {
                uploadSent(s);
                return;
            }
        }
    }

    /** The streamed request body went out whole, END_STREAM with it. */
    private void uploadSent(Stream s) {
        s.upload = null;
        s.chunk = null;
        s.state = s.state.onSendEndStream();
    }

    private void resumeBlocked() {
        blocked.resume(sendWindow, s -> {
            if (streams.get(s.id) == s) {
                sendData(s);
            }
        });
        socket.flush();
    }

    // ---- receiving

    @Override
    public void onRead(ByteBuffer in) {
        byte[] a = in.array();
        int base = in.arrayOffset();
        int p = base + in.position();
        int end = base + in.limit();
        try {
            if (!ready && end - p >= 5 && a[p] == 'H' && a[p + 1] == 'T' && a[p + 2] == 'T' && a[p + 3] == 'P'
                    && a[p + 4] == '/') {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the origin answered the HTTP/2 preface "
                        + "with HTTP/1.x: it does not speak h2c (http2_prior_knowledge is set)");
            }
            int n;
            while (!socket.isClosed() && (n = reader.frameLength(a, p, end)) > 0) {
                if (!ready && a[p + 3] != SETTINGS) {
                    // RFC 9113 §3.4: the server preface is a SETTINGS frame
                    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the origin's first frame is not SETTINGS");
                }
                block.checkFrameOrder(a[p + 3] & 0xFF, FrameReader.int31(a, p + 5));
                try {
                    reader.read(a, p, this);
                } catch (StreamError e) {
                    resetStream(e.streamId(), e.code(), new MalformedResponseException("malformed HTTP/2 response "
                            + "from " + pool.origin + " on stream " + e.streamId() + ": " + e.getMessage()));
                }
                p += n;
            }
            in.position(socket.isClosed() ? in.limit() : p - base);
        } catch (ConnectionError e) {
            in.position(in.limit());
            connectionError(e.code(), e.getMessage());
        }
        socket.flush();
    }

    @Override
    public void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength)
            throws StreamError, ConnectionError {
        if (!receiveWindow.take(flowLength)) {
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window"); // §6.9.1
        }
        int credit = receiveWindow.credit(flowLength);
        if (credit > 0) {
            FrameWriter.windowUpdate(socket.out(), 0, credit);
        }
        Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId >= nextStreamId || streamId % 2 == 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on idle stream " + streamId); // §5.1
            }
            return; // a stream we reset or completed: credited to the connection above, dropped
        }
        if (s.status == 0) {
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "DATA before the response head"); // §8.1
        }
        if (s.download != null) {
            onStreamedData(s, endStream, a, off, len, flowLength);
            return;
        }
        if (!s.receiveWindow.take(flowLength)) {
            throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
        }
        s.received = true;
        if (len > 0) {
            if (s.body == null) {
                s.body = BodyBuffer.growable(maxBodyBytes);
            }
            try {
                s.body.append(a, off, len);
            } catch (CodecException e) { // BODY_TOO_LARGE: a growable buffer has no budget to spend
                resetStream(streamId, ErrorCode.CANCEL, new ResponseTooLargeException("response body from "
                        + pool.origin + " exceeds the " + maxBodyBytes + "-byte cap"));
                return;
            }
        }
        if (endStream) {
            complete(s);
            return;
        }
        int streamCredit = s.receiveWindow.credit(flowLength);
        if (streamCredit > 0) {
            FrameWriter.windowUpdate(socket.out(), streamId, streamCredit);
        }
    }

    /** DATA of a streamed response: to the reader's stream; the stream window is credited as the reader takes it. */
    private void onStreamedData(Stream s, boolean endStream, byte[] a, int off, int len, int flowLength)
            throws StreamError {
        if (s.flowReceived + flowLength > s.credited) {
            throw new StreamError(s.id, ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
        }
        s.flowReceived += flowLength;
        s.padding += flowLength - len;
        s.dataReceived += len;
        s.received = true;
        BodyStream d = s.download;
        boolean room = true;
        if (len > 0) {
            s.exchange.progress();
            room = d.offer(Arrays.copyOfRange(a, off, off + len));
            if (!room && d.isCancelled()) {
                resetStream(s.id, ErrorCode.CANCEL, cancelledByReader(s));
                return;
            }
        }
        if (endStream) {
            complete(s);
            return;
        }
        if (room && len > 0) {
            creditStream(s, false);
        } else {
            // full: the reader's taking bytes is what opens the window again
            d.onDemand(() -> pool.loop.submit(() -> onDemand(s, d)));
        }
    }

    /** The reader of a streamed response made room, or cancelled. */
    private void onDemand(Stream s, BodyStream d) {
        if (streams.get(s.id) != s || s.download != d) {
            return;
        }
        if (d.isCancelled()) {
            resetStream(s.id, ErrorCode.CANCEL, cancelledByReader(s));
        } else {
            s.exchange.progress();
            creditStream(s, true);
        }
        socket.flush();
    }

    /**
     * Lets the peer send up to {@code window + STREAM_CREDIT_STEP} octets beyond what the reader
     * took: sends the stream's WINDOW_UPDATE when that grew by a step ({@code force}: by anything,
     * as when the reader made room in a full stream). So a stream whose window is closed is
     * always full, and its reader's next take reopens it.
     */
    private void creditStream(Stream s, boolean force) {
        BodyStream d = s.download;
        long target = d.consumed() + s.padding + d.window() + STREAM_CREDIT_STEP;
        long increment = target - s.credited;
        if (increment >= (force ? 1 : STREAM_CREDIT_STEP)) {
            int inc = (int) Math.min(increment, Integer.MAX_VALUE - 1);
            FrameWriter.windowUpdate(socket.out(), s.id, inc);
            s.credited += inc;
        }
    }

    private ConnectionClosedException cancelledByReader(Stream s) {
        return new ConnectionClosedException("response body from " + pool.origin + " to " + s.exchange.method + " "
                + s.exchange.target + " cancelled by its reader");
    }

    @Override
    public void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] a,
                          int off, int len) throws StreamError, ConnectionError {
        if (streamId % 2 == 0 || streamId >= nextStreamId) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                    + ", which we never opened"); // §5.1.1
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

    /** A complete header block: decoded always (the HPACK table is shared), then applied to its stream. */
    private void headerBlock() throws StreamError, ConnectionError {
        try {
            headerBlock(block.streamId(), block.endStream(), block.selfDependent());
        } finally {
            block.decoded();
        }
    }

    private void headerBlock(int id, boolean endStream, boolean selfDependent) throws StreamError, ConnectionError {
        LinkedHashMap<String, String> fields = new LinkedHashMap<>();
        String[] status = new String[1];
        boolean[] bad = new boolean[1];
        boolean tooLarge = false;
        try {
            decoder.decode(block.array(), block.offset(), block.length(), (name, value, sensitive) -> {
                if (name.startsWith(":")) {
                    if (name.equals(":status") && status[0] == null && fields.isEmpty()) {
                        status[0] = value;
                    } else {
                        bad[0] = true; // §8.3: only :status, once, before regular fields
                    }
                } else {
                    fields.merge(name, value, (x, v) -> x + ", " + v);
                }
            });
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, e.getMessage());
            }
            tooLarge = true;
        }
        Stream s = streams.get(id);
        if (s == null) {
            return; // reset or completed by us: the block only fed the HPACK table
        }
        if (selfDependent) {
            throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself"); // decoded first: HPACK in step
        }
        if (tooLarge) {
            resetStream(id, ErrorCode.CANCEL, new ResponseTooLargeException("response head from " + pool.origin
                    + " exceeds " + pool.client.settings().maxResponseHeadBytes() + " octets"));
            return;
        }
        s.received = true;
        if (s.status != 0) {
            if (!endStream || status[0] != null) { // §8.1: trailers end the stream, carry no pseudo-fields
                throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "second header block is not a trailer section");
            }
            complete(s); // trailers are read and dropped
            return;
        }
        if (bad[0] || status[0] == null || status[0].length() != 3) {
            throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "response head without a valid :status");
        }
        int code;
        try {
            code = Integer.parseInt(status[0]);
        } catch (NumberFormatException e) {
            throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "non-numeric :status " + status[0]);
        }
        if (code < 100 || code > 599) {
            throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, ":status " + code + " outside 100-599");
        }
        if (code < 200) {
            if (endStream || code == 101) { // §8.1: an interim head never ends a stream; §8.6: no 101
                throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "interim :status " + code + " ends the stream");
            }
            return; // RFC 9110 §15.2: skipped
        }
        s.status = code;
        s.fields = fields;
        String cl = fields.get("content-length");
        boolean streaming = s.exchange.responseStream != null;
        if (cl != null && !s.exchange.method.equals("HEAD") && code != 304) {
            try {
                if (Long.parseLong(cl.trim()) > maxBodyBytes && !streaming) {
                    resetStream(id, ErrorCode.CANCEL, new ResponseTooLargeException("response from " + pool.origin
                            + " declares content-length " + cl + ", over the " + maxBodyBytes + "-byte cap"));
                    return;
                }
            } catch (NumberFormatException e) {
                throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "invalid content-length " + cl);
            }
        }
        if (streaming) {
            s.download = s.exchange.responseStream;
            s.exchange.headArrived(code, Collections.unmodifiableMap(fields), "HTTP/2"); // the caller's stages run here
            if (streams.get(id) != s) {
                return; // the caller's stage ended it (closed the client)
            }
        }
        if (endStream) {
            complete(s);
        }
    }

    private void complete(Stream s) throws StreamError {
        if (s.download != null) {
            completeDownload(s);
            return;
        }
        byte[] bytes = s.body == null ? EMPTY : s.body.toArray();
        String cl = s.fields.get("content-length");
        boolean bodyless = s.exchange.method.equals("HEAD") || s.status == 204 || s.status == 304;
        if (cl != null && !bodyless && !cl.trim().equals(Integer.toString(bytes.length))) {
            // RFC 9113 §8.1.1: a content-length that disagrees with the DATA makes the response malformed
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "content-length " + cl + " but " + bytes.length
                    + " octets of DATA");
        }
        if (bodyless) {
            bytes = EMPTY;
        }
        streams.remove(s.id);
        s.state = s.state.onRecvEndStream();
        if (s.state != StreamState.CLOSED) {
            // §8.1: the response is complete before our request body was; stop sending it
            FrameWriter.rstStream(socket.out(), s.id, ErrorCode.CANCEL);
        }
        ClientResponse r = new ClientResponse(s.status, Collections.unmodifiableMap(s.fields), bytes, "HTTP/2");
        streamClosed();
        s.exchange.succeed(r);
    }

    /** The end of a streamed response's body. */
    private void completeDownload(Stream s) throws StreamError {
        String cl = s.fields.get("content-length");
        boolean bodyless = s.exchange.method.equals("HEAD") || s.status == 204 || s.status == 304;
        if (cl != null && !bodyless && !cl.trim().equals(Long.toString(s.dataReceived))) {
            throw new StreamError(s.id, ErrorCode.PROTOCOL_ERROR, "content-length " + cl + " but " + s.dataReceived
                    + " octets of DATA"); // RFC 9113 §8.1.1
        }
        streams.remove(s.id);
        blocked.remove(s);
        drainWaiters.remove(s);
        s.state = s.state.onRecvEndStream();
        if (s.state != StreamState.CLOSED) {
            FrameWriter.rstStream(socket.out(), s.id, ErrorCode.CANCEL); // §8.1: the request body is not needed
        }
        streamClosed();
        s.exchange.bodyEnded();
    }

    /** A stream left {@link #streams}: give its slot to a waiting request, or wind down after GOAWAY. */
    private void streamClosed() {
        if (streams.isEmpty()) {
            idleSinceNanos = System.nanoTime();
            if (goingAway) {
                close(new ConnectionClosedException("HTTP/2 connection to " + pool.origin + " went away"));
                return;
            }
        }
        if (canOpenStream()) {
            pool.onStreamsAvailable(this, null);
        }
    }

    /** Ends one stream with RST_STREAM {@code code} and fails its exchange with {@code cause}. */
    private void resetStream(int id, ErrorCode code, ClientException cause) {
        Stream s = streams.remove(id);
        if (!socket.isClosed()) {
            FrameWriter.rstStream(socket.out(), id, code);
        }
        if (s != null) {
            blocked.remove(s);
            drainWaiters.remove(s);
            streamClosed();
            s.exchange.fail(cause);
        }
    }

    @Override
    public void onPriority(int streamId) throws ConnectionError {
        // deprecated (RFC 9113 §5.3.2): ignored
    }

    @Override
    public void onRstStream(int streamId, int errorCode) throws ConnectionError {
        if (streamId >= nextStreamId || streamId % 2 == 0) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId); // §6.4
        }
        Stream s = streams.remove(streamId);
        if (s == null) {
            return;
        }
        blocked.remove(s);
        drainWaiters.remove(s);
        streamClosed();
        if (errorCode == ErrorCode.REFUSED_STREAM.code() && s.exchange.mayRetry()) {
            pool.retry(s.exchange); // §8.7: REFUSED_STREAM means not processed: safe to send again
            return;
        }
        s.exchange.fail(new ConnectionClosedException("HTTP/2 stream to " + pool.origin + " reset by the origin: "
                + ErrorCode.nameOf(errorCode)));
    }

    @Override
    public void onSettings(boolean ack, byte[] a, int off, int len) throws ConnectionError {
        if (ack) {
            return;
        }
        long oldConcurrent = peer.maxConcurrentStreams();
        windowGrew = false;
        peer.apply(a, off, len, settingChanges);
        FrameWriter.settingsAck(socket.out());
        if (!ready) {
            ready = true;
            ClientExchange x = initiator;
            initiator = null;
            pool.onStreamsAvailable(this, x);
        } else {
            if (windowGrew) {
                resumeBlocked();
            }
            if (peer.maxConcurrentStreams() > oldConcurrent && canOpenStream()) {
                pool.onStreamsAvailable(this, null);
            }
        }
    }

    /** What the connection does when the origin's SETTINGS change something. */
    private final PeerSettings.Changes settingChanges = new PeerSettings.Changes() {
        @Override
        public void headerTableSize(int octets) {
            encoder.setMaxTableSize(octets);
        }

        @Override
        public void initialWindowDelta(long delta) throws ConnectionError {
            FlowControlWindow.shiftAll(streams.values(), s -> s.sendWindow, delta);
            windowGrew |= delta > 0;
        }
    };

    @Override
    public void onPing(boolean ack, byte[] a, int off) throws ConnectionError {
        if (!ack) {
            FrameWriter.pingAck(socket.out(), a, off);
        }
    }

    @Override
    public void onGoAway(int lastStreamId, int errorCode) throws ConnectionError {
        goingAway = true;
        // §6.8: streams above lastStreamId were not processed and may be sent again elsewhere
        ArrayList<Stream> unprocessed = new ArrayList<>();
        for (Stream s : streams.values()) {
            if (s.id > lastStreamId) {
                unprocessed.add(s);
            }
        }
        for (Stream s : unprocessed) {
            streams.remove(s.id);
        }
        if (streams.isEmpty()) {
            close(new ConnectionClosedException("HTTP/2 connection to " + pool.origin + " went away: "
                    + ErrorCode.nameOf(errorCode)));
        }
        for (Stream s : unprocessed) {
            blocked.remove(s);
            drainWaiters.remove(s);
            if (!s.exchange.mayRetry()) {
                s.exchange.fail(new ConnectionClosedException("HTTP/2 connection to " + pool.origin
                        + " went away before the stream was processed: " + ErrorCode.nameOf(errorCode)));
            } else {
                pool.retry(s.exchange);
            }
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws StreamError, ConnectionError {
        if (streamId == 0) {
            if (increment == 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0"); // §6.9
            }
            if (!sendWindow.increase(increment)) {
                throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1"); // §6.9.1
            }
            resumeBlocked();
            return;
        }
        if (increment == 0) {
            throw new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
        }
        Stream s = streams.get(streamId);
        if (s == null) {
            return;
        }
        if (!s.sendWindow.increase(increment)) {
            throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
        }
        if (s.upload != null || s.sent < s.exchange.body.length) {
            blocked.remove(s);
            sendData(s);
        }
    }

    @Override
    public void onUnknown(int type, int streamId) throws ConnectionError {
        // §4.1, §5.5: unknown frame types are ignored
    }

    // ---- ending

    /** RFC 9113 §5.4.1: GOAWAY with the error, then close; every stream fails. */
    private void connectionError(ErrorCode code, String message) {
        if (socket.isClosed() || closing != null) {
            return;
        }
        closing = new MalformedResponseException("malformed HTTP/2 from " + pool.origin + ": " + message + " ("
                + code + ")");
        goingAway = true; // no new stream on it
        FrameWriter.goAway(socket.out(), LAST_STREAM, code, message.getBytes(StandardCharsets.UTF_8));
        socket.closeAfterFlush(); // found while reading: the GOAWAY leaves when the read ends, then the close
    }

    @Override
    public void abandon(ClientExchange x) {
        Stream s = streams.get(x.streamId);
        if (s != null && s.exchange == x) {
            streams.remove(x.streamId);
            blocked.remove(s);
            drainWaiters.remove(s);
            if (!socket.isClosed()) {
                FrameWriter.rstStream(socket.out(), x.streamId, ErrorCode.CANCEL); // §8.7: cancel, keep the connection
                socket.flush();
            }
            streamClosed();
        }
    }

    private ClientException closing;

    @Override
    public void close(ClientException cause) {
        if (socket.isClosed()) {
            return;
        }
        closing = cause;
        if (ready && !goingAway) {
            FrameWriter.goAway(socket.out(), LAST_STREAM, ErrorCode.NO_ERROR, EMPTY);
            socket.flush();
        }
        socket.close();
    }

    @Override
    public void onInputClosed() {
        socket.close();
    }

    @Override
    public void onDrained() {
        // whole request bodies wait for flow-control windows only; streamed ones for the socket too
        if (draining) {
            drainAgain = true;
            return;
        }
        draining = true;
        try {
            do {
                drainAgain = false;
                ArrayList<Stream> waiting = new ArrayList<>();
                drainWaiters.forEach(waiting::add);
                drainWaiters.clear();
                for (Stream s : waiting) {
                    if (streams.get(s.id) == s && s.upload != null) {
                        pumpUpload(s);
                    }
                }
                if (!waiting.isEmpty()) {
                    socket.flush(); // a drain inside it makes this go round again
                }
            } while (drainAgain && !drainWaiters.isEmpty());
        } finally {
            draining = false;
        }
    }

    @Override
    public void onClosed() {
        ready = false;
        ArrayList<Stream> open = new ArrayList<>(streams.values());
        streams.clear();
        blocked.clear();
        drainWaiters.clear();
        ClientExchange init = initiator;
        initiator = null;
        pool.onClosed(this, null);
        ClientException cause = closing != null ? closing : socket.failure();
        for (Stream s : open) {
            ClientExchange x = s.exchange;
            if (cause == null && !s.received && x.idempotent() && x.mayRetry()) {
                pool.retry(x); // RFC 9110 §9.2.2: nothing came back for an idempotent request
            } else {
                x.fail(cause != null ? cause : new ConnectionClosedException("HTTP/2 connection to " + pool.origin
                        + " closed before the response to " + x.method + " " + x.target + " was complete"));
            }
        }
        if (init != null && !init.isDone()) {
            init.fail(cause != null ? cause : new ConnectionClosedException("HTTP/2 connection to " + pool.origin
                    + " closed before it was ready"));
        }
    }
}

package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.codec.CodecException;
import dev.siphon.http.h1.BodyBuffer;
import dev.siphon.http.h2.ErrorCode;
import dev.siphon.http.h2.FrameHandler;
import dev.siphon.http.h2.FrameReader;
import dev.siphon.http.h2.FrameWriter;
import dev.siphon.http.h2.Http2Settings;
import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.h2.hpack.HpackException;
import dev.siphon.http.internal.ConnectionError;
import dev.siphon.http.internal.StreamError;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * An HTTP/2 connection of the pool, opened with prior knowledge on cleartext (h2c, RFC 9113 §3.3)
 * or over TLS when ALPN chose "h2" (RFC 9113 §3.2): many
 * exchanges at once, one stream each, within the peer's SETTINGS_MAX_CONCURRENT_STREAMS. Frames
 * are parsed by the engine's {@link FrameReader} and written by its {@link FrameWriter}; header
 * blocks go through the engine's HPACK coder. Flow control both ways (RFC 9113 §5.2, §6.9): our
 * request DATA waits for the peer's windows; the peer's DATA is credited back as soon as it is
 * copied out of the read buffer, so the receive windows bound what is in flight, not the body.
 *
 * <p>Stream states (RFC 9113 §5.1) as the client sees them: idle → open (HEADERS sent) →
 * half-closed (local) once END_STREAM is sent → closed at the response's END_STREAM, a
 * RST_STREAM either way, or the connection's end. A stream is in {@link #streams} from HEADERS
 * to closed. Loop thread only.
 */
final class Http2Connection implements PooledConnection, ClientSocket.Protocol, FrameHandler {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];
    /** Our SETTINGS_INITIAL_WINDOW_SIZE: response bytes a stream may have in flight. */
    static final int LOCAL_STREAM_WINDOW = 1 << 20;
    /** Our connection receive window, raised from 65,535 by one WINDOW_UPDATE after the preface. */
    static final int LOCAL_CONNECTION_WINDOW = 16 << 20;
    /** Encoded octets allowed in one response header block (HEADERS + CONTINUATION). */
    private static final int MAX_HEADER_BLOCK_BYTES = 64 * 1024;

    /** One request/response on this connection. */
    private static final class Stream {
        final int id;
        final Exchange exchange;
        int sent; // request body bytes sent
        boolean endStreamSent;
        long sendWindow;
        long receiveWindow = LOCAL_STREAM_WINDOW;
        int unacknowledged; // received bytes not yet credited back with WINDOW_UPDATE
        int status; // 0 until the final response head
        LinkedHashMap<String, String> fields;
        BodyBuffer body;
        boolean received;

        Stream(int id, Exchange exchange, long sendWindow) {
            this.id = id;
            this.exchange = exchange;
            this.sendWindow = sendWindow;
        }
    }

    private final ConnectionPool pool;
    private final ClientSocket socket;
    private final FrameReader reader = new FrameReader(Http2Settings.MIN_MAX_FRAME_SIZE);
    private final HpackEncoder encoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
    private final HpackDecoder decoder;
    private final long maxBodyBytes;
    private final HashMap<Integer, Stream> streams = new HashMap<>();
    private final ArrayDeque<Stream> blocked = new ArrayDeque<>(); // request bodies waiting for window
    private Exchange initiator;
    private boolean ready; // the peer's SETTINGS arrived
    private boolean goingAway;
    private int nextStreamId = 1;
    private int lastStreamReceived;
    private long idleSinceNanos = System.nanoTime();
    // the peer's settings (RFC 9113 §6.5.2 initial values until its SETTINGS frame)
    private long peerMaxConcurrentStreams = Integer.MAX_VALUE;
    private int peerInitialWindow = Http2Settings.DEFAULT_WINDOW;
    private int peerMaxFrameSize = Http2Settings.MIN_MAX_FRAME_SIZE;
    private long sendWindow = Http2Settings.DEFAULT_WINDOW;
    private long receiveWindow = LOCAL_CONNECTION_WINDOW;
    private int unacknowledged;
    // a header block being received
    private int blockStream;
    private boolean blockEndStream;
    /** The block's HEADERS named its own stream as its dependency: a stream error once decoded (§5.3.1). */
    private boolean blockSelfDependent;
    private byte[] block = new byte[1024];
    private int blockLength;
    private ByteBuffer encodeScratch = ByteBuffer.allocate(4096);

    Http2Connection(ConnectionPool pool, Exchange initiator) {
        this(pool, initiator, null);
    }

    /** @param socket a TLS socket whose handshake chose "h2", or null to open a new one */
    Http2Connection(ConnectionPool pool, Exchange initiator, ClientSocket socket) {
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
        return ready && !goingAway && !socket.isClosed() && streams.size() < peerMaxConcurrentStreams
                && nextStreamId > 0;
    }

    @Override
    public boolean idleSince(long cutoffNanos) {
        return ready && streams.isEmpty() && idleSinceNanos - cutoffNanos < 0;
    }

    @Override
    public void forgetInitiator(Exchange x) {
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
            Exchange x = initiator;
            initiator = null;
            pool.switchProtocol(this, new Http1Connection(pool, x, socket), x);
            return;
        }
        // RFC 9113 §3.4: the client preface, then our SETTINGS; we may send requests before the
        // peer's SETTINGS, but wait for them to learn SETTINGS_MAX_CONCURRENT_STREAMS.
        socket.out().add(PREFACE);
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
        Exchange x = initiator;
        initiator = null;
        pool.onConnectFailed(x, cause);
    }

    // ---- sending

    @Override
    public void start(Exchange x) {
        int id = nextStreamId;
        nextStreamId += 2; // RFC 9113 §5.1.1: client streams are odd and increase; overflow ends reuse
        Stream s = new Stream(id, x, peerInitialWindow);
        streams.put(id, s);
        x.phase = Exchange.Phase.ACTIVE;
        x.connection = this;
        x.streamId = id;
        boolean noBody = x.body.length == 0;
        writeHeaders(s, noBody);
        s.endStreamSent = noBody;
        if (!noBody) {
            sendData(s);
        }
        socket.flush();
    }

    /** RFC 9113 §8.3.1 pseudo-header fields, then the caller's fields lower-cased (§8.2.1). */
    private void writeHeaders(Stream s, boolean endStream) {
        Exchange x = s.exchange;
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
        if (x.body.length > 0 || x.method.equals("POST") || x.method.equals("PUT") || x.method.equals("PATCH")) {
            b = put(b, "content-length", Integer.toString(x.body.length));
        }
        encodeScratch = b;
        b.flip();
        // §4.3: one block, as HEADERS then CONTINUATION frames of at most the peer's max frame size
        int type = HEADERS;
        int flags = endStream ? FLAG_END_STREAM : 0;
        do {
            int n = Math.min(b.remaining(), peerMaxFrameSize);
            boolean last = n == b.remaining();
            ByteBuffer out = socket.out().reserve(HEADER_LENGTH + n);
            FrameWriter.header(out, n, type, (type == HEADERS ? flags : 0) | (last ? FLAG_END_HEADERS : 0), s.id);
            out.put(b.array(), b.position(), n);
            b.position(b.position() + n);
            type = CONTINUATION;
        } while (b.hasRemaining());
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
        byte[] body = s.exchange.body;
        while (s.sent < body.length) {
            long window = Math.min(s.sendWindow, sendWindow);
            if (window <= 0) {
                if (!blocked.contains(s)) {
                    blocked.addLast(s);
                }
                return;
            }
            int n = (int) Math.min(Math.min(body.length - s.sent, window), peerMaxFrameSize);
            boolean last = s.sent + n == body.length;
            FrameWriter.data(socket.out(), s.id, body, s.sent, n, last);
            s.sent += n;
            s.sendWindow -= n;
            sendWindow -= n;
            if (last) {
                s.endStreamSent = true;
            }
        }
    }

    private void resumeBlocked() {
        int n = blocked.size();
        for (int i = 0; i < n && sendWindow > 0; i++) {
            Stream s = blocked.pollFirst();
            if (streams.get(s.id) == s) {
                sendData(s);
            }
        }
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
        if (unacknowledged >= LOCAL_CONNECTION_WINDOW / 2 && !socket.isClosed()) {
            FrameWriter.windowUpdate(socket.out(), 0, unacknowledged);
            receiveWindow += unacknowledged;
            unacknowledged = 0;
        }
        socket.flush();
    }

    private void notInBlock() throws ConnectionError {
        if (blockStream != 0) {
            // RFC 9113 §6.10: nothing but CONTINUATION of the same stream inside a header block
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "frame inside a header block");
        }
    }

    @Override
    public void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength)
            throws StreamError, ConnectionError {
        notInBlock();
        receiveWindow -= flowLength;
        if (receiveWindow < 0) {
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window"); // §6.9.1
        }
        unacknowledged += flowLength;
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
        s.receiveWindow -= flowLength;
        if (s.receiveWindow < 0) {
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
        s.unacknowledged += flowLength;
        if (s.unacknowledged >= LOCAL_STREAM_WINDOW / 2) {
            FrameWriter.windowUpdate(socket.out(), streamId, s.unacknowledged);
            s.receiveWindow += s.unacknowledged;
            s.unacknowledged = 0;
        }
    }

    @Override
    public void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] a,
                          int off, int len) throws StreamError, ConnectionError {
        notInBlock();
        if (streamId % 2 == 0 || streamId >= nextStreamId) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                    + ", which we never opened"); // §5.1.1
        }
        blockStream = streamId;
        blockEndStream = endStream;
        blockSelfDependent = selfDependent;
        blockLength = 0;
        appendBlock(a, off, len);
        if (endHeaders) {
            headerBlock();
        }
    }

    @Override
    public void onContinuation(int streamId, boolean endHeaders, byte[] a, int off, int len)
            throws StreamError, ConnectionError {
        if (streamId != blockStream) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without its header block"); // §6.10
        }
        appendBlock(a, off, len);
        if (endHeaders) {
            headerBlock();
        }
    }

    private void appendBlock(byte[] a, int off, int len) throws ConnectionError {
        if (blockLength + len > MAX_HEADER_BLOCK_BYTES) {
            throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block exceeds "
                    + MAX_HEADER_BLOCK_BYTES + " octets");
        }
        if (blockLength + len > block.length) {
            block = java.util.Arrays.copyOf(block, Math.max(block.length * 2, blockLength + len));
        }
        System.arraycopy(a, off, block, blockLength, len);
        blockLength += len;
    }

    /** A complete header block: decoded always (the HPACK table is shared), then applied to its stream. */
    private void headerBlock() throws StreamError, ConnectionError {
        int id = blockStream;
        boolean endStream = blockEndStream;
        blockStream = 0;
        LinkedHashMap<String, String> fields = new LinkedHashMap<>();
        String[] status = new String[1];
        boolean[] bad = new boolean[1];
        boolean tooLarge = false;
        try {
            decoder.decode(block, 0, blockLength, (name, value, sensitive) -> {
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
        if (blockSelfDependent) {
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
        if (cl != null && !s.exchange.method.equals("HEAD") && code != 304) {
            try {
                if (Long.parseLong(cl.trim()) > maxBodyBytes) {
                    resetStream(id, ErrorCode.CANCEL, new ResponseTooLargeException("response from " + pool.origin
                            + " declares content-length " + cl + ", over the " + maxBodyBytes + "-byte cap"));
                    return;
                }
            } catch (NumberFormatException e) {
                throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "invalid content-length " + cl);
            }
        }
        if (endStream) {
            complete(s);
        }
    }

    private void complete(Stream s) throws StreamError {
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
        if (!s.endStreamSent) {
            // §8.1: the response is complete before our request body was; stop sending it
            FrameWriter.rstStream(socket.out(), s.id, ErrorCode.CANCEL);
        }
        lastStreamReceived = Math.max(lastStreamReceived, s.id);
        ClientResponse r = new ClientResponse(s.status, Collections.unmodifiableMap(s.fields), bytes, "HTTP/2");
        streamClosed();
        s.exchange.succeed(r);
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
            streamClosed();
            s.exchange.fail(cause);
        }
    }

    @Override
    public void onPriority(int streamId) throws ConnectionError {
        notInBlock(); // deprecated (RFC 9113 §5.3.2): ignored
    }

    @Override
    public void onRstStream(int streamId, int errorCode) throws ConnectionError {
        notInBlock();
        if (streamId >= nextStreamId || streamId % 2 == 0) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId); // §6.4
        }
        Stream s = streams.remove(streamId);
        if (s == null) {
            return;
        }
        streamClosed();
        if (errorCode == ErrorCode.REFUSED_STREAM.code() && !s.exchange.retried) {
            pool.retry(s.exchange); // §8.7: REFUSED_STREAM means not processed: safe to send again
            return;
        }
        s.exchange.fail(new ConnectionClosedException("HTTP/2 stream to " + pool.origin + " reset by the origin: "
                + ErrorCode.nameOf(errorCode)));
    }

    @Override
    public void onSettings(boolean ack, byte[] a, int off, int len) throws ConnectionError {
        notInBlock();
        if (ack) {
            return;
        }
        long oldConcurrent = peerMaxConcurrentStreams;
        boolean windowGrew = false;
        for (int p = off; p < off + len; p += 6) {
            int id = ((a[p] & 0xFF) << 8) | (a[p + 1] & 0xFF);
            long v = ((long) (a[p + 2] & 0xFF) << 24) | ((a[p + 3] & 0xFF) << 16) | ((a[p + 4] & 0xFF) << 8)
                    | (a[p + 5] & 0xFF);
            switch (id) {
                case SETTINGS_HEADER_TABLE_SIZE -> encoder.setMaxTableSize((int) Math.min(v, Integer.MAX_VALUE));
                case SETTINGS_ENABLE_PUSH -> {
                    if (v > 1) {
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH of " + v);
                    }
                    if (v == 1) { // §6.5.2: a client receiving ENABLE_PUSH 1 treats it as PROTOCOL_ERROR
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "server sent SETTINGS_ENABLE_PUSH 1");
                    }
                }
                case SETTINGS_MAX_CONCURRENT_STREAMS -> peerMaxConcurrentStreams = v;
                case SETTINGS_INITIAL_WINDOW_SIZE -> {
                    if (v > Http2Settings.MAX_WINDOW) {
                        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + v);
                    }
                    long delta = v - peerInitialWindow; // §6.9.2: applies to every open stream
                    for (Stream s : streams.values()) {
                        s.sendWindow += delta;
                        if (s.sendWindow > Http2Settings.MAX_WINDOW) {
                            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
                        }
                    }
                    windowGrew = delta > 0;
                    peerInitialWindow = (int) v;
                }
                case SETTINGS_MAX_FRAME_SIZE -> {
                    if (v < Http2Settings.MIN_MAX_FRAME_SIZE || v > Http2Settings.MAX_MAX_FRAME_SIZE) {
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + v);
                    }
                    peerMaxFrameSize = (int) v;
                }
                default -> {
                    // SETTINGS_MAX_HEADER_LIST_SIZE is advisory; unknown settings are ignored (§6.5.2)
                }
            }
        }
        FrameWriter.settingsAck(socket.out());
        if (!ready) {
            ready = true;
            Exchange x = initiator;
            initiator = null;
            pool.onStreamsAvailable(this, x);
        } else {
            if (windowGrew) {
                resumeBlocked();
            }
            if (peerMaxConcurrentStreams > oldConcurrent && canOpenStream()) {
                pool.onStreamsAvailable(this, null);
            }
        }
    }

    @Override
    public void onPing(boolean ack, byte[] a, int off) throws ConnectionError {
        notInBlock();
        if (!ack) {
            FrameWriter.pingAck(socket.out(), a, off);
        }
    }

    @Override
    public void onGoAway(int lastStreamId, int errorCode) throws ConnectionError {
        notInBlock();
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
            if (s.exchange.retried) {
                s.exchange.fail(new ConnectionClosedException("HTTP/2 connection to " + pool.origin
                        + " went away before the stream was processed: " + ErrorCode.nameOf(errorCode)));
            } else {
                pool.retry(s.exchange);
            }
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws StreamError, ConnectionError {
        notInBlock();
        if (streamId == 0) {
            if (increment == 0) {
                throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0"); // §6.9
            }
            sendWindow += increment;
            if (sendWindow > Http2Settings.MAX_WINDOW) {
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
        s.sendWindow += increment;
        if (s.sendWindow > Http2Settings.MAX_WINDOW) {
            throw new StreamError(streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
        }
        if (s.sent < s.exchange.body.length) {
            blocked.remove(s);
            sendData(s);
        }
    }

    @Override
    public void onUnknown(int type, int streamId) throws ConnectionError {
        notInBlock(); // §4.1, §5.5: unknown frame types are ignored
    }

    // ---- ending

    /** RFC 9113 §5.4.1: GOAWAY with the error, then close; every stream fails. */
    private void connectionError(ErrorCode code, String message) {
        if (socket.isClosed()) {
            return;
        }
        FrameWriter.goAway(socket.out(), lastStreamReceived, code, message.getBytes(StandardCharsets.UTF_8));
        socket.flush();
        close(new MalformedResponseException("malformed HTTP/2 from " + pool.origin + ": " + message + " ("
                + code + ")"));
    }

    @Override
    public void abandon(Exchange x) {
        Stream s = streams.get(x.streamId);
        if (s != null && s.exchange == x) {
            streams.remove(x.streamId);
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
            FrameWriter.goAway(socket.out(), lastStreamReceived, ErrorCode.NO_ERROR, EMPTY);
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
        // request bodies wait for flow-control windows, not for the socket
    }

    @Override
    public void onClosed() {
        ready = false;
        ArrayList<Stream> open = new ArrayList<>(streams.values());
        streams.clear();
        blocked.clear();
        Exchange init = initiator;
        initiator = null;
        pool.onClosed(this, null);
        ClientException cause = closing != null ? closing : socket.failure();
        for (Stream s : open) {
            Exchange x = s.exchange;
            if (cause == null && !s.received && x.idempotent() && !x.retried) {
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

package dev.siphon.http.client;

import dev.siphon.http.BodyStream;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * An HTTP/1.1 connection of the pool (RFC 9112): one exchange at a time, no pipelining. Writes
 * the request head and body, parses the response head strictly, reads the body framed as
 * {@link #framing} decides, skips interim 1xx responses, and hands the connection back to the
 * pool when the response ended cleanly on a persistent connection. Over TLS when ALPN chose
 * "http/1.1", or chose nothing (RFC 7301 §3.2: the server does not do ALPN). Loop thread only.
 *
 * <p><b>Streamed bodies.</b> A request body that is a {@link BodyStream} is sent with the
 * caller's Content-Length, or else chunked (RFC 9112 §7.1), taken from the stream only while less
 * than {@link #UPLOAD_HIGH_WATER} octets wait in the socket's queue (then on {@link #onDrained});
 * a producer failure, or a body that does not match its Content-Length, closes the connection
 * without ending the body. A streamed response's body goes into the exchange's stream as it is
 * read; while the stream is full the socket is not read (the bytes wait in the socket, and the
 * origin's writes block), and reading resumes when the reader made room. A reader that cancels
 * closes the connection. A response that ends before the request body was sent whole leaves the
 * connection unusable: it closes.
 */
final class Http1Connection implements PooledConnection, ClientSocket.Protocol {
    private static final byte[] EMPTY = new byte[0];
    /** Trailer bytes of a chunked response we read and drop (RFC 9112 §7.1.2). */
    private static final int MAX_TRAILER_BYTES = 16 * 1024;
    /** Octets of a streamed request body queued for the socket before the connection waits for it to drain. */
    static final int UPLOAD_HIGH_WATER = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private enum Stage { HEAD, LENGTH, CHUNKED, UNTIL_CLOSE }

    private final ConnectionPool pool;
    private final ClientSocket socket;
    private final Http1ResponseParser parser;
    private final long maxBodyBytes;
    private ClientExchange initiator;
    private ClientExchange current;
    private int served;
    private long idleSinceNanos;
    // the response being read
    private Stage stage;
    private ResponseHead head;
    private long remaining;
    private BodyBuffer body;
    private ChunkedDecoder chunked;
    private boolean received;
    private boolean keepAlive;
    // a streamed request body being sent
    private BodyStream upload; // null when none is being sent
    private long uploadSent;
    private boolean uploadWaitsForDrain;
    private boolean pumping;
    private boolean pumpAgain;
    // a streamed response body being received
    private BodyStream download; // the exchange's stream once its head was handed over, else null
    private boolean downloadPaused;

    Http1Connection(ConnectionPool pool, ClientExchange initiator) {
        this(pool, initiator, null);
    }

    /** @param socket a TLS socket whose handshake chose HTTP/1.1, or null to open a new one */
    Http1Connection(ConnectionPool pool, ClientExchange initiator, ClientSocket socket) {
        this.pool = pool;
        this.initiator = initiator;
        this.socket = socket != null ? socket : pool.newSocket(this);
        HttpClient.Settings s = pool.client.settings();
        this.parser = new Http1ResponseParser(s.maxResponseHeadBytes(), s.maxResponseFields());
        this.maxBodyBytes = s.maxResponseBodyBytes();
    }

    ClientSocket socket() {
        return socket;
    }

    boolean isReusable() {
        return current == null && socket.isConnected();
    }

    @Override
    public boolean idleSince(long cutoffNanos) {
        return current == null && socket.isConnected() && idleSinceNanos - cutoffNanos < 0;
    }

    @Override
    public void forgetInitiator(ClientExchange x) {
        if (initiator == x) {
            initiator = null;
        }
    }

    @Override
    public void onConnected() {
        ClientExchange x = initiator;
        initiator = null;
        if ("h2".equals(socket.applicationProtocol())) { // RFC 7301 §3.2: the server chose
            pool.switchProtocol(this, new Http2Connection(pool, x, socket), x);
            return;
        }
        idleSinceNanos = System.nanoTime();
        pool.onFree(this, x);
    }

    @Override
    public void onConnectFailed(ClientException cause) {
        ClientExchange x = initiator;
        initiator = null;
        pool.onConnectFailed(x, cause);
    }

    @Override
    public void start(ClientExchange x) {
        current = x;
        x.phase = ClientExchange.Phase.ACTIVE;
        x.connection = this;
        served++;
        parser.reset();
        stage = Stage.HEAD;
        head = null;
        body = null;
        chunked = null;
        received = false;
        download = null;
        downloadPaused = false;
        upload = x.requestStream;
        uploadSent = 0;
        uploadWaitsForDrain = false;
        writeRequest(x);
        if (upload != null) {
            pumpUpload();
        } else {
            socket.flush();
        }
    }

    /**
     * RFC 9112 §3: request-line, Host first (RFC 9110 §7.2), the caller's fields, Content-Length.
     * To a proxy (http:// origins; https:// ones go through a tunnel and see origin-form) the
     * target is in absolute form (RFC 9112 §3.2.2), with the proxy's credentials.
     */
    private void writeRequest(ClientExchange x) {
        StringBuilder sb = new StringBuilder(128);
        boolean viaProxy = pool.proxy != null && !pool.origin.secure();
        sb.append(x.method).append(' ');
        if (viaProxy) {
            sb.append(pool.origin.scheme()).append("://").append(pool.origin.authority());
        }
        sb.append(x.target).append(" HTTP/1.1\r\n");
        boolean hostGiven = false;
        boolean proxyAuthGiven = false;
        for (int i = 0; i < x.headerNames.length; i++) {
            if (x.headerNames[i].equalsIgnoreCase("host")) {
                hostGiven = true;
            } else if (x.headerNames[i].equalsIgnoreCase("proxy-authorization")) {
                proxyAuthGiven = true;
            }
        }
        if (!hostGiven) {
            sb.append("Host: ").append(pool.origin.authority()).append("\r\n");
        }
        if (viaProxy && !proxyAuthGiven && pool.proxy.authorization() != null) {
            sb.append("Proxy-Authorization: ").append(pool.proxy.authorization()).append("\r\n");
        }
        for (int i = 0; i < x.headerNames.length; i++) {
            sb.append(x.headerNames[i]).append(": ").append(x.headerValues[i]).append("\r\n");
        }
        byte[] content = x.body;
        if (x.requestStream != null) {
            if (x.requestLength >= 0) {
                sb.append("Content-Length: ").append(x.requestLength).append("\r\n");
            } else {
                sb.append("Transfer-Encoding: chunked\r\n"); // RFC 9112 §7.1: length unknown up front
            }
        } else if (content.length > 0 || x.method.equals("POST") || x.method.equals("PUT")
                || x.method.equals("PATCH")) {
            // RFC 9110 §8.6: a user agent SHOULD send Content-Length for a method that defines a
            // meaning for content (POST, PUT, PATCH) even when it is empty.
            sb.append("Content-Length: ").append(content.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] headBytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        socket.out().add(headBytes);
        socket.out().add(content);
    }

    /**
     * Moves chunks of the streamed request body to the socket while its queue is short; waits for
     * the producer ({@link BodyStream#onAvailable}) or the socket ({@link #onDrained}) otherwise.
     * Not re-entered: a drain inside its own flush only makes it go round once more.
     */
    private void pumpUpload() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                pumpOnce();
            } while (pumpAgain && upload != null);
        } finally {
            pumping = false;
        }
    }

    private void pumpOnce() {
        BodyStream b = upload;
        ClientExchange x = current;
        if (b == null || x == null || socket.isClosed()) {
            return;
        }
        while (true) {
            if (socket.out().pendingBytes() >= UPLOAD_HIGH_WATER) {
                uploadWaitsForDrain = true;
                socket.flush(); // onDrained goes on once the socket took it
                return;
            }
            byte[] c = b.poll();
            if (c == null) {
                if (!b.isDone()) {
                    b.onAvailable(() -> pool.loop.submit(() -> {
                        if (upload == b && current == x) {
                            pumpUpload();
                        }
                    }));
                    socket.flush();
                    return;
                }
                Throwable failure = b.failure();
                if (failure != null) {
                    abortUpload(new RequestBodyException("the request body of " + x.method + " " + x.target + " to "
                            + pool.origin + " failed after " + uploadSent + " octets: " + failure, failure));
                    return;
                }
                if (x.requestLength >= 0 && uploadSent != x.requestLength) {
                    abortUpload(new RequestBodyException("the request body of " + x.method + " " + x.target + " to "
                            + pool.origin + " ended after " + uploadSent + " octets, short of its content-length "
                            + x.requestLength, null));
                    return;
                }
                if (x.requestLength < 0) {
                    socket.out().add(LAST_CHUNK);
                }
                upload = null; // sent whole
                socket.flush();
                return;
            }
            if (x.requestLength >= 0 && uploadSent + c.length > x.requestLength) {
                abortUpload(new RequestBodyException("the request body of " + x.method + " " + x.target + " to "
                        + pool.origin + " runs past its content-length " + x.requestLength + " (" + (uploadSent
                        + c.length) + " octets given)", null));
                return;
            }
            uploadSent += c.length;
            if (x.requestLength < 0) {
                socket.out().add((Integer.toHexString(c.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                socket.out().add(c);
                socket.out().add(CRLF);
            } else {
                socket.out().add(c);
            }
        }
    }

    /**
     * The streamed request body cannot be sent whole: what the socket takes now of what was
     * queued goes out, then the connection closes without ending the body, so the origin sees it
     * cut where it stopped.
     */
    private void abortUpload(ClientException cause) {
        ClientExchange x = current;
        current = null;
        upload = null;
        socket.flush(); // no wait: at most the queue's high water, and a full socket drops the rest
        socket.close();
        if (x != null) {
            x.fail(cause);
        }
    }

    @Override
    public void onRead(ByteBuffer in) {
        if (current == null) {
            // RFC 9112 §9.3: nothing may arrive on an idle connection but its close; stray bytes
            // mean the server is out of step with us, so the connection is not reused.
            in.position(in.limit());
            socket.close();
            return;
        }
        received = true;
        byte[] a = in.array();
        int base = in.arrayOffset();
        int p = base + in.position();
        int end = base + in.limit();
        ClientResponse done = null;
        boolean streamDone = false;
        try {
            int q = consume(a, p, end);
            if (socket.isClosed()) {
                return; // closed by the caller's stage on a streamed head: the buffer is gone
            }
            in.position(q - base);
            if (stage == null) {
                if (download != null) {
                    streamDone = true;
                } else {
                    done = response();
                }
                if (q < end) {
                    // bytes after a complete response to our only request: not a reusable connection
                    keepAlive = false;
                    in.position(in.limit());
                }
            }
        } catch (ClientException e) {
            in.position(in.limit());
            fail(e);
            return;
        }
        if (done != null) {
            complete(done);
        } else if (streamDone) {
            completeDownload();
        }
    }

    /** Parses what it can of {@code a[p, end)}; stage becomes null once the response is complete. */
    private int consume(byte[] a, int p, int end) throws ClientException {
        while (stage != null) {
            switch (stage) {
                case HEAD -> {
                    int n;
                    try {
                        n = parser.parse(a, p, end);
                    } catch (CodecException e) {
                        throw headError(e);
                    }
                    if (n == 0) {
                        return p;
                    }
                    p += n;
                    ResponseHead h = parser.head();
                    if (h.status() < 200) {
                        if (h.status() == 101) {
                            throw new MalformedResponseException("101 Switching Protocols from " + pool.origin
                                    + " without an Upgrade request");
                        }
                        parser.reset(); // RFC 9110 §15.2: interim responses are skipped
                        continue;
                    }
                    head = h;
                    framing(h);
                    if (current.responseStream != null) {
                        ClientExchange x = current;
                        download = x.responseStream;
                        x.headArrived(h.status(), h.fields(), h.version()); // the caller's stages run here
                        if (current != x) {
                            return end; // the caller ended the exchange (closed the client): nothing more to read
                        }
                    }
                }
                case LENGTH -> {
                    int take = (int) Math.min(remaining, end - p);
                    if (take == 0) {
                        return p;
                    }
                    if (download != null) {
                        offer(Arrays.copyOfRange(a, p, p + take));
                    } else {
                        append(a, p, take);
                    }
                    p += take;
                    remaining -= take;
                    if (remaining == 0) {
                        stage = null;
                    } else {
                        return p;
                    }
                }
                case CHUNKED -> {
                    // a streamed body has no cap here (the stream bounds what is held); the decoder checks a
                    // chunk's size against the cap before its data arrives, so it must not be this read's length
                    BodyBuffer into = download != null ? BodyBuffer.growable(Integer.MAX_VALUE - 16) : body;
                    try {
                        p = chunked.decode(a, p, end, into);
                    } catch (CodecException e) {
                        throw bodyError(e);
                    }
                    if (download != null && into.size() > 0) {
                        offer(into.toArray());
                    }
                    if (chunked.done()) {
                        stage = null;
                    } else {
                        return p;
                    }
                }
                case UNTIL_CLOSE -> {
                    if (download != null) {
                        if (end > p) {
                            offer(Arrays.copyOfRange(a, p, end));
                        }
                    } else {
                        append(a, p, end - p);
                    }
                    return end;
                }
            }
        }
        return p;
    }

    /**
     * RFC 9112 §6.3, the length of a response body, in its order:
     * (1) a response to HEAD, and 1xx, 204 and 304 responses, end with their head;
     * (2) a 2xx to CONNECT is a tunnel (this client never sends CONNECT);
     * (3) Transfer-Encoding and Content-Length together: rejected, as the RFC advises (response
     *     splitting); a Transfer-Encoding other than exactly "chunked" is rejected, since we sent
     *     no TE field and decode no other coding (§6.1);
     * (4) chunked: decoded;
     * (5) an invalid Content-Length: rejected ("the user agent MUST close the connection");
     * (6) a valid Content-Length: exactly that many bytes;
     * (8) otherwise: the body runs to the end of the connection, which is then not reused.
     */
    private void framing(ResponseHead h) throws ClientException {
        keepAlive = persistent(h);
        boolean streaming = current.responseStream != null; // no cap: the stream bounds what is held
        int status = h.status();
        if (current.method.equals("HEAD") || status == 204 || status == 304) { // (1)
            stage = null;
            return;
        }
        String te = h.field("transfer-encoding");
        String cl = h.field("content-length");
        if (te != null) {
            if (cl != null) { // (3)
                throw new MalformedResponseException("response from " + pool.origin
                        + " has both Transfer-Encoding and Content-Length (RFC 9112 §6.3)");
            }
            if (!te.trim().equalsIgnoreCase("chunked")) {
                throw new MalformedResponseException("response from " + pool.origin + " has Transfer-Encoding "
                        + "\"" + te + "\"; only chunked is supported (no TE was sent)");
            }
            if (h.minorVersion() == 0) {
                throw new MalformedResponseException("HTTP/1.0 response from " + pool.origin
                        + " with Transfer-Encoding (RFC 9112 §6.1)");
            }
            chunked = new ChunkedDecoder(MAX_TRAILER_BYTES); // (4)
            body = streaming ? null : BodyBuffer.growable(maxBodyBytes);
            stage = Stage.CHUNKED;
            return;
        }
        if (cl != null) {
            long length = contentLength(cl); // (5)
            if (length > maxBodyBytes && !streaming) {
                throw new ResponseTooLargeException("response from " + pool.origin + " declares Content-Length "
                        + length + ", over the " + maxBodyBytes + "-byte response body cap");
            }
            remaining = length; // (6)
            stage = length == 0 ? null : Stage.LENGTH;
            // grown as bytes arrive: a declared length costs nothing until the origin sends it
            body = length == 0 || streaming ? null : BodyBuffer.growable(length);
            return;
        }
        keepAlive = false; // (8)
        body = streaming ? null : BodyBuffer.growable(maxBodyBytes);
        stage = Stage.UNTIL_CLOSE;
    }

    /** RFC 9110 §8.6: 1*DIGIT; a list of identical values is accepted as one, differing ones are not. */
    private long contentLength(String v) throws MalformedResponseException {
        long length = -1;
        for (String part : v.split(",", -1)) {
            String s = part.trim();
            if (s.isEmpty() || s.length() > 18) {
                throw invalidLength(v);
            }
            long n = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    throw invalidLength(v);
                }
                n = n * 10 + (c - '0');
            }
            if (length >= 0 && n != length) {
                throw invalidLength(v);
            }
            length = n;
        }
        return length;
    }

    private MalformedResponseException invalidLength(String v) {
        return new MalformedResponseException("invalid Content-Length \"" + v + "\" from " + pool.origin
                + " (RFC 9112 §6.3)");
    }

    /** RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
    private static boolean persistent(ResponseHead h) {
        String c = h.field("connection");
        boolean close = false;
        boolean keep = false;
        if (c != null) {
            for (String token : c.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                close |= t.equals("close");
                keep |= t.equals("keep-alive");
            }
        }
        return !close && (h.minorVersion() >= 1 || keep);
    }

    /**
     * Hands a piece of the streamed response body to its reader. A full stream stops the socket
     * being read until the reader made room; a cancelled one ends the exchange and the connection.
     */
    private void offer(byte[] chunk) throws ClientException {
        BodyStream d = download;
        current.progress();
        if (d.offer(chunk)) {
            return;
        }
        if (d.isCancelled()) {
            throw cancelledByReader();
        }
        downloadPaused = true;
        socket.pauseReading();
        ClientExchange x = current;
        d.onDemand(() -> pool.loop.submit(() -> resumeDownload(x, d)));
    }

    private ConnectionClosedException cancelledByReader() {
        return new ConnectionClosedException("response body from " + pool.origin + " to " + current.method + " "
                + current.target + " cancelled by its reader");
    }

    /** The reader made room (or cancelled): read the socket again. */
    private void resumeDownload(ClientExchange x, BodyStream d) {
        if (current != x || download != d || !downloadPaused) {
            return;
        }
        downloadPaused = false;
        if (d.isCancelled()) {
            fail(cancelledByReader());
            return;
        }
        x.progress();
        socket.resumeReading(); // feeds the bytes kept since the pause first
    }

    /** The streamed response body ended: the connection goes back to the pool as after a whole response. */
    private void completeDownload() {
        ClientExchange x = current;
        current = null;
        download = null;
        chunked = null;
        idleSinceNanos = System.nanoTime();
        if (upload != null) {
            keepAlive = false; // the request body is not sent whole: the connection is out of step
            upload = null;
        }
        if (keepAlive && !socket.isClosed()) {
            pool.onFree(this, null);
        } else {
            socket.close();
        }
        x.bodyEnded();
    }

    private void append(byte[] a, int p, int n) throws ClientException {
        try {
            body.append(a, p, n);
        } catch (CodecException e) {
            throw bodyError(e);
        }
    }

    /**
     * A head the parser refused: over the head cap is too large; too many fields, like every
     * other fault, is malformed.
     */
    private ClientException headError(CodecException e) {
        if (e.kind() == CodecException.Kind.FIELDS_TOO_LARGE) {
            return new ResponseTooLargeException(e.getMessage() + " from " + pool.origin);
        }
        return new MalformedResponseException("malformed response from " + pool.origin + ": " + e.getMessage());
    }

    /** A body the shared codecs refused: over our cap is too large, anything else bad framing. */
    private ClientException bodyError(CodecException e) {
        if (e.kind() == CodecException.Kind.BODY_TOO_LARGE) {
            return new ResponseTooLargeException("response body from " + pool.origin + " exceeds the "
                    + maxBodyBytes + "-byte cap");
        }
        return new MalformedResponseException("malformed chunked body from " + pool.origin + ": " + e.getMessage());
    }

    private ClientResponse response() {
        byte[] bytes = body == null ? EMPTY : body.toArray();
        return new ClientResponse(head.status(), head.fields(), bytes, head.version());
    }

    /** Hands the connection back (or closes it) before the caller's continuation runs. */
    private void complete(ClientResponse r) {
        ClientExchange x = current;
        current = null;
        body = null;
        chunked = null;
        idleSinceNanos = System.nanoTime();
        if (upload != null) {
            keepAlive = false; // answered before the request body was sent whole: the connection is out of step
            upload = null;
        }
        if (keepAlive && !socket.isClosed()) {
            pool.onFree(this, null);
        } else {
            socket.close();
        }
        x.succeed(r);
    }

    private void fail(ClientException e) {
        ClientExchange x = current;
        current = null;
        upload = null;
        download = null;
        socket.close();
        if (x != null) {
            x.fail(e);
        }
    }

    @Override
    public void onInputClosed() {
        if (current != null && stage == Stage.UNTIL_CLOSE) {
            stage = null;
            if (download != null) {
                completeDownload();
            } else {
                complete(response()); // (8): the close ends the body
            }
            return;
        }
        socket.close();
    }

    @Override
    public void onDrained() {
        // only a streamed request body waits on our output; any other request is written whole
        if (uploadWaitsForDrain) {
            uploadWaitsForDrain = false;
            pumpUpload();
        }
    }

    @Override
    public void onClosed() {
        ClientExchange x = current;
        current = null;
        ClientExchange forInit = initiator;
        initiator = null;
        if (x != null && !x.isDone()) {
            // The origin closed a reused connection as our request went out (a keep-alive race):
            // RFC 9110 §9.2.2 / RFC 9112 §9.3.1 let an idempotent request be retried when nothing
            // of the response came back. Once, and on a fresh connection.
            if (!received && served > 1 && x.idempotent() && x.mayRetry() && socket.failure() == null) {
                x.connection = null;
                pool.onClosed(this, x);
                return;
            }
            pool.onClosed(this, null);
            x.fail(socket.failure() != null ? socket.failure() : new ConnectionClosedException("connection to "
                    + pool.origin + " closed before the response to " + x.method + " " + x.target + " was complete ("
                    + (received ? "part of a response" : "nothing") + " received)"));
            return;
        }
        pool.onClosed(this, null);
        if (forInit != null && !forInit.isDone()) {
            forInit.fail(socket.failure() != null ? socket.failure()
                    : new ConnectionClosedException("connection to " + pool.origin + " closed while opening"));
        }
    }

    @Override
    public void abandon(ClientExchange x) {
        if (current == x) {
            current = null; // mid-exchange: the rest of the response cannot be told apart, close
            upload = null;
            download = null;
            socket.close();
        }
    }

    @Override
    public void close(ClientException cause) {
        ClientExchange x = current;
        current = null;
        upload = null;
        download = null;
        socket.close();
        if (x != null) {
            x.fail(cause);
        }
    }
}

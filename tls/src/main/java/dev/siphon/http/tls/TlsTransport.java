package dev.siphon.http.tls;

import dev.siphon.http.ClientCert;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.net.BufferPool;
import dev.siphon.http.net.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS on one connection: an {@link SSLEngine} driven by the connection's selector loop, never
 * blocking. Loop thread only.
 *
 * <p>Buffers, each taken from the loop's pool only while it holds bytes (an idle keep-alive
 * connection holds none) and all returned by {@link #close()}:
 * <ul>
 *   <li>{@code netIn}: ciphertext read from the socket and not yet unwrapped (write mode). Part
 *       of a record that waits for the rest is kept in {@code netKept}, an array of about its
 *       length, between reads: a peer that sent a few bytes of a record and stopped does not
 *       hold a whole buffer (the array is reused while records stream through in pieces);
 *   <li>{@code netOut}: ciphertext wrapped and not yet taken by the socket (write mode);
 *   <li>{@code appIn}: plaintext of a record that did not fit the connection's read buffer
 *       (read mode). Records are otherwise unwrapped straight into that buffer, with no copy.
 * </ul>
 * When the pool's buffers are smaller than a TLS record, the transport uses its own heap buffers.
 *
 * <p>Delegated tasks (BouncyCastle has none today) run inline on the loop.
 */
final class TlsTransport implements Transport {
    private static final System.Logger LOG = System.getLogger("siphon.http.tls");
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    /** TLS record header: type(1) version(2) length(2) (RFC 8446 §5.1). */
    private static final int RECORD_HEADER = 5;

    private final SSLEngine engine;
    private final SocketChannel channel;
    private final BufferPool pool;
    private final boolean pooled;
    private final int packetSize;
    private final int appSize;
    private final long deadline;
    private final boolean mutual;
    private ByteBuffer netIn;
    private byte[] netKept; // netIn's bytes while netIn is returned, at its start: part of a record
    private int netKeptLength;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private int stalledAt = -1; // netIn position at which the engine asked for more bytes
    private boolean wrapBlocked;
    private boolean stageNext; // the engine wanted more room than the connection's buffer had: use appIn // a handshake message is due and the socket has not taken the last
    private boolean ready;
    private boolean inputDone;
    private boolean closed;
    private TlsInfo info;
    private String serverName; // SNI, recorded by the engine's SNI matcher during the handshake

    /** The SNI matcher's report (loop thread: the handshake runs inside unwrap). */
    private void serverName(String name) {
        serverName = name;
    }

    /** @param engines makes the engine, given where to report the SNI host name */
    TlsTransport(Function<Consumer<String>, SSLEngine> engines, SocketChannel channel, BufferPool pool,
                 long handshakeTimeoutNanos, boolean mutual) throws SSLException {
        this.engine = engines.apply(this::serverName);
        this.channel = channel;
        this.pool = pool;
        this.mutual = mutual;
        SSLSession s = engine.getSession();
        this.packetSize = s.getPacketBufferSize();
        this.appSize = s.getApplicationBufferSize();
        this.pooled = pool.bufferSize() >= Math.max(packetSize, appSize);
        this.deadline = System.nanoTime() + handshakeTimeoutNanos;
        engine.beginHandshake();
    }

    // ------------------------------------------------------------------ reading

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closed) {
            return -1;
        }
        int produced = drainAppIn(dst);
        if (appIn != null) {
            return produced; // dst is full
        }
        if (inputDone) {
            return produced > 0 ? produced : -1;
        }
        try {
            for (;;) {
                if (!handshakeWrites()) {
                    return produced; // resumes from flushHeld() when the socket takes bytes
                }
                if (!hasCompleteRecord()) {
                    int r = fill();
                    if (r < 0) {
                        inputDone = true; // EOF without close_notify: a truncation we cannot detect in HTTP
                        releaseNetIn();
                        return produced > 0 ? produced : -1;
                    }
                    if (!hasCompleteRecord()) {
                        keepNetIn();
                        return produced;
                    }
                }
                boolean direct = !stageNext && dst.remaining() >= appSize;
                stageNext = false;
                ByteBuffer target = direct ? dst : (appIn = take());
                netIn.flip();
                SSLEngineResult res;
                try {
                    res = engine.unwrap(netIn, target);
                } finally {
                    netIn.compact();
                }
                if (!direct) {
                    appIn.flip();
                    produced += drainAppIn(dst);
                } else {
                    produced += res.bytesProduced();
                }
                switch (res.getStatus()) {
                    case OK -> {
                        if (res.bytesConsumed() == 0 && res.bytesProduced() == 0) {
                            stalledAt = netIn.position(); // nothing usable until more bytes arrive
                        }
                    }
                    case BUFFER_UNDERFLOW -> stalledAt = netIn.position();
                    case BUFFER_OVERFLOW -> {
                        if (!direct) {
                            throw new SSLException("a TLS record's plaintext exceeds " + appSize + " bytes");
                        }
                        stageNext = true; // dst had appSize free yet the engine wants more: unwrap into appIn
                    }
                    case CLOSED -> {
                        inputDone = true; // close_notify (RFC 8446 §6.1)
                        releaseNetIn();
                        checkReady();
                        return produced > 0 ? produced : -1;
                    }
                }
                checkReady();
                if (appIn != null || !dst.hasRemaining()) {
                    return produced;
                }
            }
        } catch (SSLException e) {
            sendAlert();
            throw e;
        }
    }

    /**
     * True when netIn holds a whole record, or a header no record can have (too long, or not a
     * TLS record at all): the engine then rejects it at once instead of waiting for bytes.
     */
    private boolean hasCompleteRecord() {
        if (netIn == null || netIn.position() == 0 || netIn.position() == stalledAt) {
            return false;
        }
        int n = netIn.position();
        if (n < RECORD_HEADER) {
            return false;
        }
        byte[] a = netIn.array();
        int p = netIn.arrayOffset();
        int type = a[p] & 0xff;
        if (type < 20 || type > 24 || a[p + 1] != 3) {
            return true; // RFC 8446 §5.1: not a TLS ContentType / version (plaintext HTTP, say): reject now
        }
        int length = ((a[p + 3] & 0xff) << 8) | (a[p + 4] & 0xff);
        return RECORD_HEADER + length <= n || RECORD_HEADER + length > packetSize;
    }

    /** Reads the socket into netIn. */
    private int fill() throws IOException {
        if (netIn == null) {
            netIn = take();
            if (netKeptLength > 0) {
                netIn.put(netKept, 0, netKeptLength); // stalledAt still counts from the same start
                netKeptLength = 0; // netKept stays as the spare array for keepNetIn
            }
        }
        int r = channel.read(netIn);
        if (r > 0) {
            stalledAt = -1;
        }
        return r;
    }

    private int drainAppIn(ByteBuffer dst) {
        if (appIn == null) {
            return 0;
        }
        int n = Math.min(appIn.remaining(), dst.remaining());
        int lim = appIn.limit();
        appIn.limit(appIn.position() + n);
        dst.put(appIn);
        appIn.limit(lim);
        if (!appIn.hasRemaining()) {
            give(appIn);
            appIn = null;
        }
        return n;
    }

    @Override
    public boolean hasBufferedInput() {
        return !closed && !wrapBlocked && (appIn != null || (!inputDone && hasCompleteRecord()));
    }

    // ------------------------------------------------------------------ handshake

    /**
     * Wraps the handshake messages the engine has due (and runs its delegated tasks).
     *
     * @return false when a message is due and netOut has no room (the socket is full)
     */
    private boolean handshakeWrites() throws IOException {
        for (;;) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                continue;
            }
            if (hs != HandshakeStatus.NEED_WRAP) {
                wrapBlocked = false;
                return true;
            }
            if (!roomToWrap()) {
                wrapBlocked = true;
                return false;
            }
            SSLEngineResult res = engine.wrap(NOTHING, netOut);
            if (res.getStatus() == SSLEngineResult.Status.CLOSED) {
                flushNetOut();
                throw new SSLException("TLS handshake ended by the engine");
            }
            if (res.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && !flushNetOut()) {
                wrapBlocked = true;
                return false;
            }
            flushNetOut();
            checkReady();
        }
    }

    private void checkReady() {
        if (!ready && engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
            ready = true;
            info = describe();
        }
    }

    /** Best effort: the alert the engine queued after a failure (protocol_version, bad_certificate...). */
    private void sendAlert() {
        try {
            if (roomToWrap()) {
                engine.wrap(NOTHING, netOut);
            }
            flushNetOut();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.TRACE, "could not send the TLS alert", e);
        }
    }

    private TlsInfo describe() {
        SSLSession s = engine.getSession();
        String alpn = engine.getApplicationProtocol();
        ClientCert client = null;
        if (mutual) {
            try {
                client = clientCert(s.getPeerCertificates());
            } catch (SSLPeerUnverifiedException e) {
                // cannot happen with need_client_auth: the handshake would have failed
                LOG.log(System.Logger.Level.WARNING, "mutual TLS handshake finished without a client certificate");
            }
        }
        return new TlsInfo(s.getProtocol(), s.getCipherSuite(), alpn == null || alpn.isEmpty() ? null : alpn, serverName,
                client);
    }

    static ClientCert clientCert(Certificate[] peer) {
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : peer) {
            chain.add((X509Certificate) c);
        }
        X509Certificate leaf = chain.get(0);
        List<String> sans = new ArrayList<>();
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    String prefix = switch ((Integer) n.get(0)) {
                        case 1 -> "email:";
                        case 2 -> "DNS:";
                        case 6 -> "URI:";
                        case 7 -> "IP:";
                        default -> null;
                    };
                    if (prefix != null && n.get(1) instanceof String v) {
                        sans.add(prefix + v);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            LOG.log(System.Logger.Level.DEBUG, "unreadable subjectAltName in a client certificate", e);
        }
        return new ClientCert(leaf.getSubjectX500Principal().getName(), leaf.getIssuerX500Principal().getName(), sans,
                chain);
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public boolean handshakeExpired(long nowNanos) {
        return !ready && nowNanos - deadline >= 0;
    }

    @Override
    public TlsInfo info() {
        return info;
    }

    // ------------------------------------------------------------------ writing

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (!flushNetOut()) {
            return 0;
        }
        long consumed = 0;
        while (hasRemaining(srcs, offset, length)) {
            if (!roomToWrap()) {
                break;
            }
            SSLEngineResult res = engine.wrap(srcs, offset, length, netOut);
            consumed += res.bytesConsumed();
            if (res.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new ClosedChannelException();
            }
            if (res.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && !flushNetOut()) {
                break;
            }
        }
        flushNetOut();
        return consumed;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** Makes room in netOut for one more record, writing what it holds first if need be. */
    private boolean roomToWrap() throws IOException {
        if (netOut == null) {
            netOut = take();
            return true;
        }
        if (netOut.remaining() >= packetSize) {
            return true;
        }
        flushNetOut();
        if (netOut == null) {
            netOut = take();
        }
        return netOut.remaining() >= packetSize;
    }

    /** Writes netOut to the socket; true when it is empty (and returned to the pool). */
    private boolean flushNetOut() throws IOException {
        if (netOut == null) {
            return true;
        }
        if (netOut.position() > 0) {
            netOut.flip();
            try {
                channel.write(netOut);
            } finally {
                netOut.compact();
            }
        }
        if (netOut.position() == 0) {
            give(netOut);
            netOut = null;
            return true;
        }
        return false;
    }

    @Override
    public boolean flushHeld() throws IOException {
        if (closed) {
            return true;
        }
        try {
            handshakeWrites();
        } catch (SSLException e) {
            sendAlert();
            throw e;
        }
        checkReady();
        return flushNetOut();
    }

    @Override
    public boolean hasHeldOutput() {
        return netOut != null && netOut.position() > 0;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (ready && channel.isOpen()) {
                engine.closeOutbound(); // close_notify, if the socket takes it now (RFC 8446 §6.1)
                if (roomToWrap()) {
                    engine.wrap(NOTHING, netOut);
                }
                flushNetOut();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.TRACE, "close_notify not sent", e);
        }
        closed = true;
        releaseNetIn();
        if (netOut != null) {
            give(netOut);
            netOut = null;
        }
        if (appIn != null) {
            give(appIn);
            appIn = null;
        }
    }

    // ------------------------------------------------------------------ buffers

    private ByteBuffer take() {
        return pooled ? pool.acquire() : ByteBuffer.allocate(Math.max(packetSize, appSize));
    }

    private void give(ByteBuffer b) {
        if (pooled) {
            pool.release(b);
        }
    }

    private void releaseNetIn() {
        if (netIn != null) {
            give(netIn);
            netIn = null;
        }
        netKept = null;
        netKeptLength = 0;
        stalledAt = -1;
    }

    /** Returns netIn, keeping the part of a record it holds in {@link #netKept}. */
    private void keepNetIn() {
        if (netIn != null && netIn.position() > 0) {
            int n = netIn.position();
            // the previous array is reused when the bytes fill a quarter of it: records streaming through
            // in pieces allocate nothing per read, and a connection that went quiet keeps little
            if (netKept == null || netKept.length < n || n < netKept.length / 4) {
                netKept = new byte[n];
            }
            System.arraycopy(netIn.array(), netIn.arrayOffset(), netKept, 0, n);
            netKeptLength = n;
            give(netIn);
            netIn = null;
        } else {
            releaseNetIn();
        }
    }
}

package dev.siphon.http.server;

import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.h1.Http1Session;
import dev.siphon.http.h2.FrameType;
import dev.siphon.http.h2.server.Http2Session;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.net.Connection;
import dev.siphon.http.net.Session;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The first session of a cleartext connection: HTTP/2 when its first 24 octets are the client
 * connection preface (RFC 9113 §3.3, "prior knowledge"), HTTP/1.1 as soon as one octet differs.
 * Input that starts with the preface's request line, {@code PRI * HTTP/2.0\r\n}, is HTTP/2's however it
 * goes on: no HTTP/1.1 request has that line (the method is reserved by RFC 9113 §11.1), so a wrong rest
 * is an invalid preface, a connection error {@code PROTOCOL_ERROR} with a GOAWAY (§3.4).
 * It buffers nothing itself: until it can decide it consumes nothing, so the bytes stay in the
 * connection's read buffer and reach the chosen session whole, however they were split across
 * reads. Loop thread only.
 */
public final class ProtocolDetector implements Session {
    private final Connection conn;
    private final ListenerContext ctx;
    private final Http2Settings h2;
    private final long startedAt = System.nanoTime();

    public ProtocolDetector(Connection conn, ListenerContext ctx, Http2Settings h2) {
        this.conn = conn;
        this.ctx = ctx;
        this.h2 = h2;
    }

    /** Octets of {@code PRI * HTTP/2.0\r\n}: past them the connection is HTTP/2's. */
    static final int PREFACE_REQUEST_LINE = 16;

    @Override
    public void onRead(ByteBuffer in) {
        int n = Math.min(in.remaining(), FrameType.PREFACE_LENGTH);
        int i = FrameType.prefaceMatch(in.array(), in.arrayOffset() + in.position(), n);
        if (i < n) {
            handOver(i < PREFACE_REQUEST_LINE ? new Http1Session(conn, ctx) : new Http2Session(conn, ctx, h2), in);
            return;
        }
        if (n == FrameType.PREFACE_LENGTH) {
            handOver(new Http2Session(conn, ctx, h2), in);
        }
    }

    private void handOver(Session next, ByteBuffer in) {
        conn.replaceSession(next);
        next.onRead(in);
    }

    @Override
    public void onInputClosed() {
        conn.close(); // nothing complete arrived
    }

    @Override
    public void onDrained() {
        // nothing was written
    }

    @Override
    public void onTick(long now) {
        boolean partial = conn.bufferedInput() > 0;
        long limitMs = partial ? ctx.settings().headerTimeoutMs() : ctx.settings().idleTimeoutMs();
        if (now - startedAt >= TimeUnit.MILLISECONDS.toNanos(limitMs)) {
            ctx.counters().tripped(partial ? Limit.HEADER_TIMEOUT : Limit.IDLE_TIMEOUT);
            conn.close();
        }
    }

    @Override
    public void onClosed() {
        // nothing in flight
    }

    @Override
    public void onShutdown() {
        conn.closeAfterFlush(); // no request has started
    }
}

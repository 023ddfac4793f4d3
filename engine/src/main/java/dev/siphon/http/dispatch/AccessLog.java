package dev.siphon.http.dispatch;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Request;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.codec.Json;
import dev.siphon.http.config.AccessLogConfig;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

/**
 * The access log: the loops hand each answered request's {@link Line} to a bounded queue, and
 * one writer thread formats and appends them (a JSON object per line, or a common-log-like text
 * line) to the file or standard output, flushing after each batch. A loop never waits: when the
 * queue is full the line is dropped and counted. Opening the file happens on the writer thread
 * too, so a path that blocks (a FIFO nobody reads) holds up the log, not the server.
 */
public final class AccessLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("siphon.http");
    private static final DateTimeFormatter TEXT_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** One answered request, as the loop saw it. */
    public record Line(long epochMillis, String client, String method, String path, String route, String protocol,
                       int status, long bytesIn, long bytesOut, long micros, String requestId, String tlsClient) {}

    private final AccessLogConfig config;
    private final MpscVarHandleArrayQueue<Line> queue;
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private volatile boolean closing;

    public AccessLog(AccessLogConfig config) {
        this.config = config;
        this.queue = new MpscVarHandleArrayQueue<>(Math.max(2, config.queueLines()));
        this.writer = Thread.ofPlatform().name("siphon-access-log").daemon(true).start(this::run);
    }

    /**
     * Queues the line of one answered request: its client is the request's ({@link
     * Request#client}, past trusted proxies) when a route took it, else the peer's
     * address; the TLS client is the verified certificate's subject. Loop thread; never blocks.
     */
    public void log(Request request, InetSocketAddress peer, TlsInfo tls,
                    String method, String path, String route, String protocol, int status, long bytesIn,
                    long bytesOut, long durationNanos, String requestId) {
        log(new Line(System.currentTimeMillis(),
                request != null ? request.client() : HttpEngine.hostPort(peer), method, path, route,
                protocol, status, bytesIn, bytesOut, durationNanos / 1000, requestId,
                tls == null || tls.clientCert() == null ? null : tls.clientCert().subject()));
    }

    /** Queues a line; drops and counts it when the queue is full. Any thread; never blocks. */
    public void log(Line line) {
        if (!queue.offer(line)) {
            dropped.increment();
        }
    }

    public long written() {
        return written.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        OutputStream out = null;
        StringBuilder b = new StringBuilder(512);
        Utf8Buffer buf = new Utf8Buffer(1 << 16);
        try {
            out = config.path() == null ? new FileOutputStream(java.io.FileDescriptor.out)
                    : new FileOutputStream(config.path().toFile(), true);
            while (true) {
                Line l = queue.relaxedPoll();
                if (l == null) {
                    buf.flush(out);
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                    continue;
                }
                b.setLength(0);
                if (config.json()) {
                    json(b, l, clock);
                } else {
                    text(b, l);
                }
                buf.append(b.append('\n'), out);
                written.increment();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "access log " + (config.path() == null ? "(stdout)" : config.path())
                    + ": " + e.getMessage() + "; no more lines are written");
            while (!closing) { // drop from now on, counted
                Line l = queue.relaxedPoll();
                if (l == null) {
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                } else {
                    dropped.increment();
                }
            }
        } finally {
            if (out != null) {
                try {
                    buf.flush(out);
                    if (config.path() != null) {
                        out.close();
                    }
                } catch (IOException ignored) {
                    // closing, or the stream is gone: nothing more to write
                }
            }
        }
    }

    /** Writes what is queued, for up to a second, then stops the writer. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** ISO-8601 UTC time with milliseconds, the part up to the second formatted once per second. Writer thread. */
    static final class Clock {
        private long second = Long.MIN_VALUE;
        private String prefix; // "2026-12-03T09:16:36."

        void append(StringBuilder b, long epochMillis) {
            long s = Math.floorDiv(epochMillis, 1000);
            if (s != second) {
                second = s;
                String full = Instant.ofEpochSecond(s).toString(); // "2026-12-03T09:16:36Z"
                prefix = full.substring(0, full.length() - 1) + ".";
            }
            int ms = (int) Math.floorMod(epochMillis, 1000);
            b.append(prefix).append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10))
                    .append((char) ('0' + ms % 10)).append('Z');
        }
    }

    private final Clock clock = new Clock();

    /** Encodes lines as UTF-8 into one array, written to the stream when full or flushed. Writer thread. */
    private static final class Utf8Buffer {
        private final byte[] a;
        private int n;

        Utf8Buffer(int size) {
            a = new byte[size];
        }

        void append(CharSequence s, OutputStream out) throws IOException {
            int len = s.length();
            if (n + 3 * len > a.length) {
                flush(out);
                if (3 * len > a.length) {
                    out.write(s.toString().getBytes(StandardCharsets.UTF_8));
                    return;
                }
            }
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) { // rare (a certificate subject): the rest through the encoder, surrogate pairs whole
                    byte[] e = s.subSequence(i, len).toString().getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(e, 0, a, n, e.length);
                    n += e.length;
                    return;
                }
                a[n++] = (byte) c;
            }
        }

        void flush(OutputStream out) throws IOException {
            if (n > 0) {
                out.write(a, 0, n);
                n = 0;
            }
        }
    }

    static void json(StringBuilder b, Line l, Clock clock) {
        b.append("{\"time\":\"");
        clock.append(b, l.epochMillis());
        b.append('"');
        field(b, "client", l.client());
        field(b, "method", l.method());
        field(b, "path", l.path());
        field(b, "route", l.route());
        field(b, "protocol", l.protocol());
        b.append(",\"status\":").append(l.status());
        b.append(",\"bytes_in\":").append(l.bytesIn());
        b.append(",\"bytes_out\":").append(l.bytesOut());
        b.append(",\"duration_us\":").append(l.micros());
        field(b, "request_id", l.requestId());
        field(b, "tls_client", l.tlsClient());
        b.append('}');
    }

    private static void field(StringBuilder b, String name, String value) {
        Json.string(b.append(",\"").append(name).append("\":"), value);
    }

    /** {@code client - - [time] "METHOD path PROTOCOL" status bytes_out duration_us route request_id tls_client}. */
    static void text(StringBuilder b, Line l) {
        b.append(l.client()).append(" - ").append(l.tlsClient() == null ? "-" : '"' + l.tlsClient() + '"')
                .append(" [").append(TEXT_TIME.format(Instant.ofEpochMilli(l.epochMillis()))).append("] \"")
                .append(l.method() == null ? "-" : l.method()).append(' ').append(l.path() == null ? "-" : l.path())
                .append(' ').append(l.protocol()).append("\" ").append(l.status()).append(' ').append(l.bytesOut())
                .append(' ').append(l.micros()).append("us route=").append(l.route() == null ? "-" : l.route())
                .append(" id=").append(l.requestId());
    }
}

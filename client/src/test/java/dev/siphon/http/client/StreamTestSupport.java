package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.BodyStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * What the streaming tests share: a body of any length made lazily from a fixed pseudo-random
 * pattern (so both ends can checksum it), a producer thread that feeds a {@link BodyStream} with
 * backpressure, an HTTP/1.1 sink that reads a request body (chunked or by length) and says what
 * it got, and HTTP/2 peers at the frame level (over {@link RawH2Server}) that take an upload or
 * send a download under real flow control.
 */
final class StreamTestSupport {
    private static final byte[] PATTERN = new byte[1_000_003];

    static {
        new Random(17).nextBytes(PATTERN);
    }

    private StreamTestSupport() {}

    /** Octets {@code [pos, pos + n)} of the endless pattern. */
    static byte[] bytes(long pos, int n) {
        byte[] b = new byte[n];
        int from = (int) (pos % PATTERN.length);
        for (int i = 0; i < n; ) {
            int take = Math.min(n - i, PATTERN.length - from);
            System.arraycopy(PATTERN, from, b, i, take);
            i += take;
            from = 0;
        }
        return b;
    }

    static long crc(long total) {
        CRC32 c = new CRC32();
        for (long p = 0; p < total; p += 1 << 20) {
            c.update(bytes(p, (int) Math.min(1 << 20, total - p)));
        }
        return c.getValue();
    }

    /**
     * A thread producing {@code total} octets of the pattern into a stream in chunks of {@code
     * chunk}, waiting on {@link BodyStream#write} for room, then ending it; or failing it once
     * {@code failAt} octets went in (-1: never). Records the most the stream held after a write.
     */
    static final class Producer {
        final BodyStream stream;
        final AtomicLong maxBuffered = new AtomicLong();
        final CompletableFuture<Long> done = new CompletableFuture<>();

        Producer(BodyStream stream, long total, int chunk, long failAt) {
            this.stream = stream;
            Thread.ofPlatform().daemon().name("test-producer").start(() -> {
                long sent = 0;
                try {
                    while (sent < total) {
                        int n = (int) Math.min(chunk, total - sent);
                        stream.write(bytes(sent, n)).get(30, TimeUnit.SECONDS);
                        maxBuffered.accumulateAndGet(stream.buffered(), Math::max);
                        sent += n;
                        if (failAt >= 0 && sent >= failAt) {
                            stream.fail(new IOException("the producer broke after " + sent + " octets"));
                            done.complete(sent);
                            return;
                        }
                    }
                    stream.end();
                    done.complete(sent);
                } catch (ExecutionException e) {
                    done.completeExceptionally(e.getCause());
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            });
        }
    }

    /** What the HTTP/1.1 sink got of one request body. */
    record Got(String head, boolean complete, long octets, long crc) {
        String framing() {
            return head.toLowerCase().contains("transfer-encoding: chunked") ? "chunked"
                    : head.toLowerCase().contains("content-length:") ? "length" : "none";
        }
    }

    /**
     * An HTTP/1.1 origin (a {@link RawServer} script) that reads each request's body, chunked or
     * by Content-Length, counting and checksumming it, and reports it to {@code seen}; a complete
     * body is answered 200 with "octets crc" (a path ending in /r307 gets a 307 to /sink instead),
     * a cut one ends the connection.
     */
    static RawServer.Script sink(BlockingQueue<Got> seen) {
        return (s, ordinal) -> {
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                Got got = body(in, head);
                seen.add(got);
                if (!got.complete) {
                    return;
                }
                String first = head.substring(0, head.indexOf('\r'));
                if (first.contains("/r307 ")) {
                    RawServer.write(s, "HTTP/1.1 307 Temporary Redirect\r\nLocation: /sink\r\nContent-Length: 0\r\n\r\n");
                } else {
                    String text = got.octets + " " + got.crc;
                    RawServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\n\r\n" + text);
                }
            }
        };
    }

    /** A request head through its empty line; null at the end of input before one. */
    static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                    ? state + 1 : (c == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static Got body(InputStream in, String head) throws IOException {
        CRC32 crc = new CRC32();
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        String lower = head.toLowerCase();
        if (lower.contains("transfer-encoding: chunked")) {
            while (true) {
                String line = line(in);
                if (line == null) {
                    return new Got(head, false, n, crc.getValue());
                }
                long size = Long.parseLong(line.split(";")[0].trim(), 16);
                if (size == 0) {
                    String t;
                    while ((t = line(in)) != null && !t.isEmpty()) {
                        // trailer fields: dropped
                    }
                    return new Got(head, t != null, n, crc.getValue());
                }
                for (long left = size; left > 0; ) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (r < 0) {
                        return new Got(head, false, n, crc.getValue());
                    }
                    crc.update(buf, 0, r);
                    n += r;
                    left -= r;
                }
                if (!"".equals(line(in))) {
                    return new Got(head, false, n, crc.getValue());
                }
            }
        }
        long length = 0;
        for (String l : head.split("\r\n")) {
            if (l.toLowerCase().startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).trim());
            }
        }
        while (n < length) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, length - n));
            if (r < 0) {
                return new Got(head, false, n, crc.getValue());
            }
            crc.update(buf, 0, r);
            n += r;
        }
        return new Got(head, true, n, crc.getValue());
    }

    /** One CRLF-ended line without its CRLF; null at the end of input. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            if (c == '\n' && prev == '\r') {
                b.setLength(b.length() - 1);
                return b.toString();
            }
            b.append((char) c);
            prev = c;
        }
    }

    /**
     * An HTTP/1.1 origin that answers each request with a body of {@code total} octets of the
     * pattern, by Content-Length, written in blocks of 64 KiB through a small send buffer, and
     * counts the octets its writes got into the socket ({@code written}; blocked writes do not
     * count until they return). {@code broke} is set when a write failed (the client closed).
     */
    static RawServer.Script source(long total, AtomicLong written, AtomicBoolean broke) {
        return (s, ordinal) -> {
            s.setSendBufferSize(64 * 1024);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (head(in) != null) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + total + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                try {
                    for (long p = 0; p < total; ) {
                        int n = (int) Math.min(64 * 1024, total - p);
                        out.write(bytes(p, n));
                        p += n;
                        written.addAndGet(n);
                    }
                    out.flush();
                } catch (IOException e) {
                    broke.set(true);
                    throw e;
                }
            }
        };
    }

    static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    /** The value of setting {@code id} in a SETTINGS payload, or {@code otherwise}. */
    static long setting(RawH2Server.Frame settings, int id, long otherwise) {
        ByteBuffer b = ByteBuffer.wrap(settings.payload());
        long v = otherwise;
        while (b.remaining() >= 6) {
            int i = b.getShort() & 0xFFFF;
            long value = b.getInt() & 0xFFFF_FFFFL;
            if (i == id) {
                v = value;
            }
        }
        return v;
    }

    /** A client's stream as an HTTP/2 upload sink saw it. */
    record Upload(long octets, long crc, boolean endStream, RawH2Server.Frame reset, int frames) {}

    /**
     * Takes the body of stream {@code id} (HEADERS already read), crediting both windows every
     * 256 KiB, until END_STREAM (then answers 200 "octets crc"), a RST_STREAM, or the close.
     */
    static Upload takeUpload(RawH2Server.Peer p, int id) throws IOException {
        CRC32 crc = new CRC32();
        long n = 0;
        long owed = 0;
        int frames = 0;
        for (RawH2Server.Frame f; (f = p.read()) != null; ) {
            if (f.type() == RST_STREAM && f.stream() == id) {
                return new Upload(n, crc.getValue(), false, f, frames);
            }
            if (f.type() != DATA || f.stream() != id) {
                continue;
            }
            frames++;
            crc.update(f.payload());
            n += f.payload().length;
            owed += f.payload().length;
            if (f.has(FLAG_END_STREAM)) {
                String text = n + " " + crc.getValue();
                p.headers(id, false, ":status", "200", "content-length", Integer.toString(text.length()));
                p.data(id, true, text.getBytes(StandardCharsets.ISO_8859_1));
                return new Upload(n, crc.getValue(), true, null, frames);
            }
            if (owed >= 256 * 1024) {
                p.frame(WINDOW_UPDATE, 0, 0, int32((int) owed));
                p.frame(WINDOW_UPDATE, 0, id, int32((int) owed));
                owed = 0;
            }
        }
        return new Upload(n, crc.getValue(), false, null, frames);
    }

    /**
     * An HTTP/2 origin sending one response of {@code total} octets of the pattern on stream 1,
     * in DATA frames of 16 KiB, never past the client's stream and connection windows; it counts
     * what it sent. A reader thread applies the client's WINDOW_UPDATEs, notes a RST_STREAM of
     * stream 1, and queues the HEADERS of any later stream.
     */
    static final class H2Source {
        final RawH2Server.Peer peer;
        final long total;
        final AtomicLong sent = new AtomicLong();
        final java.util.concurrent.LinkedBlockingQueue<RawH2Server.Frame> laterHeaders =
                new java.util.concurrent.LinkedBlockingQueue<>();
        volatile RawH2Server.Frame reset;
        volatile boolean closed;
        final long initialStreamWindow;
        private long connectionWindow = 65_535;
        private long streamWindow;
        private final Thread writer;

        H2Source(RawH2Server server, long total) throws Exception {
            this.total = total;
            peer = server.accept();
            RawH2Server.Frame cs = peer.clientSettings();
            initialStreamWindow = setting(cs, SETTINGS_INITIAL_WINDOW_SIZE, 65_535);
            streamWindow = initialStreamWindow;
            peer.settings();
            peer.frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
            for (RawH2Server.Frame f; ; ) {
                f = peer.read();
                if (f == null) {
                    throw new AssertionError("the client closed before its request");
                }
                if (f.type() == WINDOW_UPDATE) {
                    credit(f);
                } else if (f.type() == HEADERS && f.stream() == 1) {
                    break;
                }
            }
            peer.headers(1, false, ":status", "200", "content-length", Long.toString(total));
            Thread.ofPlatform().daemon().name("h2-source-reader").start(this::readLoop);
            writer = Thread.ofPlatform().daemon().name("h2-source-writer").start(this::writeLoop);
        }

        private synchronized void credit(RawH2Server.Frame f) {
            int inc = f.int32(0) & 0x7FFF_FFFF;
            if (f.stream() == 0) {
                connectionWindow += inc;
            } else if (f.stream() == 1) {
                streamWindow += inc;
            }
            notifyAll();
        }

        private void readLoop() {
            try {
                for (RawH2Server.Frame f; (f = peer.read()) != null; ) {
                    if (f.type() == WINDOW_UPDATE) {
                        credit(f);
                    } else if (f.type() == RST_STREAM && f.stream() == 1) {
                        reset = f;
                        synchronized (this) {
                            notifyAll();
                        }
                    } else if (f.type() == HEADERS) {
                        laterHeaders.add(f);
                    }
                }
            } catch (IOException | AssertionError e) {
                // the test is over, or the client went quiet: the writer stops at the close
            }
            closed = true;
            synchronized (this) {
                notifyAll();
            }
        }

        private void writeLoop() {
            try {
                long p = 0;
                while (p < total) {
                    int n;
                    synchronized (this) {
                        while (reset == null && !closed && Math.min(connectionWindow, streamWindow) <= 0) {
                            wait(100);
                        }
                        if (reset != null || closed) {
                            return;
                        }
                        n = (int) Math.min(Math.min(16_384, total - p), Math.min(connectionWindow, streamWindow));
                        connectionWindow -= n;
                        streamWindow -= n;
                    }
                    peer.data(1, p + n == total, bytes(p, n));
                    p += n;
                    sent.addAndGet(n);
                }
            } catch (IOException | InterruptedException e) {
                // the client closed
            }
        }

        /** Waits for the writer to stop (sent all, or the stream was reset). */
        void awaitWriter() throws InterruptedException {
            writer.join(10_000);
        }
    }
}

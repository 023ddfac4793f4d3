package dev.siphon.http.bench;

import dev.siphon.http.h2.FrameHandler;
import dev.siphon.http.h2.FrameReader;
import dev.siphon.http.h2.ConnectionError;
import dev.siphon.http.h2.StreamError;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HTTP/2 frame syntax (RFC 9113 §4, §6) as a session reads it: {@link FrameReader} walking one
 * read buffer of {@value #REQUESTS} uploads, each a HEADERS frame (a 40-octet HPACK block), a
 * DATA frame of 256 octets with END_STREAM and a connection WINDOW_UPDATE, handing each frame to
 * a handler that only counts. HPACK decoding is not included (see {@link HpackBench}). Scores
 * are per frame.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class Http2FrameBench {
    static final int REQUESTS = 16;
    static final int FRAMES = 3 * REQUESTS;
    static final int BLOCK = 40;
    static final int BODY = 256;

    byte[] buffer;
    FrameReader reader;
    final Counting handler = new Counting();

    /** Counts what it is handed, as a cheap stand-in for the session. */
    static final class Counting implements FrameHandler {
        int headers;
        int data;
        int dataOctets;
        int windowUpdates;
        long windowIncrements;

        void reset() {
            headers = data = dataOctets = windowUpdates = 0;
            windowIncrements = 0;
        }

        @Override
        public void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength) {
            data++;
            dataOctets += len;
        }

        @Override
        public void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] a,
                              int off, int len) {
            headers++;
        }

        @Override
        public void onContinuation(int streamId, boolean endHeaders, byte[] a, int off, int len) {
            throw new IllegalStateException("no CONTINUATION in this input");
        }

        @Override
        public void onPriority(int streamId) {}

        @Override
        public void onRstStream(int streamId, int errorCode) {}

        @Override
        public void onSettings(boolean ack, byte[] a, int off, int len) {}

        @Override
        public void onPing(boolean ack, byte[] a, int off) {}

        @Override
        public void onGoAway(int lastStreamId, int errorCode) {}

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            windowUpdates++;
            windowIncrements += increment;
        }

        @Override
        public void onUnknown(int type, int streamId) {}
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < REQUESTS; i++) {
            int stream = 1 + 2 * i;
            frame(out, 0x1, 0x4, stream, new byte[BLOCK]);  // HEADERS, END_HEADERS
            frame(out, 0x0, 0x1, stream, new byte[BODY]);   // DATA, END_STREAM
            frame(out, 0x8, 0, 0, ByteBuffer.allocate(4).putInt(BODY).array()); // WINDOW_UPDATE
        }
        buffer = out.toByteArray();
        reader = new FrameReader(16_384);
        if (parseAll() != FRAMES || handler.headers != REQUESTS || handler.data != REQUESTS
                || handler.dataOctets != REQUESTS * BODY || handler.windowIncrements != (long) REQUESTS * BODY) {
            throw new IllegalStateException("unexpected parse: " + handler.headers + " HEADERS, " + handler.data
                    + " DATA (" + handler.dataOctets + " octets), " + handler.windowUpdates + " WINDOW_UPDATE");
        }
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(9);
        h.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
                .put((byte) type).put((byte) flags).putInt(stream);
        out.writeBytes(h.array());
        out.writeBytes(payload);
    }

    private int parseAll() throws StreamError, ConnectionError {
        handler.reset();
        byte[] a = buffer;
        int p = 0;
        int frames = 0;
        while (p < a.length) {
            int n = reader.frameLength(a, p, a.length);
            if (n == 0) {
                throw new IllegalStateException("truncated frame at " + p);
            }
            reader.read(a, p, handler);
            p += n;
            frames++;
        }
        return frames;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int headersDataWindowUpdate() throws StreamError, ConnectionError {
        return parseAll() + handler.dataOctets;
    }
}

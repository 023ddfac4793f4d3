package dev.siphon.http.config;

import java.util.Map;
import java.util.Objects;

/**
 * Engine-wide settings ({@code engine:}), this implementation's own section of http.yaml.
 * Each numeric setting is bounded by a constant here ({@link Bounds}); out of range →
 * {@link IllegalArgumentException} naming it.
 *
 * @param ioLoops         number of NIO selector loops
 * @param loopThreads     what kind of thread runs each loop
 * @param workers         number of Python worker contexts
 * @param maxHeaderBytes  cap on a request's head: request line plus header section; over → 431
 * @param maxHeaderCount  cap on header fields in one request head
 * @param headerTimeoutMs time allowed for a request's whole head to arrive
 * @param idleTimeoutMs   a connection with no request in flight is closed after this long
 * @param maxPipelined    HTTP/1.1 requests parsed ahead of their responses on one connection
 * @param bufferSize      bytes of each pooled I/O buffer; a whole head must fit in one, with room
 *                        to spare, so at least {@code maxHeaderBytes + 1024}
 * @param shutdownGraceMs on shutdown, time given to requests in flight before connections are cut
 * @param shutdownHooksTimeoutMs on shutdown, after the requests in flight, time given to the Python
 *                        {@code @http.on_shutdown} hooks before those still running are cancelled
 * @param http2           HTTP/2 settings and limits ({@code engine.http2:}); a frame must fit in one
 *                        buffer, so {@code http2.maxFrameSize() <= bufferSize - 9}
 * @param maxBufferedBodyBytes request-body octets buffered by all connections together, from the
 *                        first byte received until the response is written; a body that does not
 *                        fit → 503. Default: a quarter of the heap ({@link #defaultMaxBufferedBodyBytes})
 * @param connections     how many connections, from all and from one address, and TLS handshakes
 *                        at once ({@code engine.max_connections} and its neighbours)
 */
public record EngineSettings(int ioLoops, LoopThreads loopThreads, int workers, int maxHeaderBytes, int maxHeaderCount,
                             long headerTimeoutMs, long idleTimeoutMs, int maxPipelined, int bufferSize,
                             long shutdownGraceMs, long shutdownHooksTimeoutMs, Http2Settings http2,
                             long maxBufferedBodyBytes, ConnectionLimits connections) {

    /** Most I/O loops: each is a thread, a selector and its own pool of buffers; far above any core count. */
    public static final int MAX_IO_LOOPS = 1024;
    /** Most Python workers: each is a GraalPy context of tens of MiB and a platform thread. */
    public static final int MAX_WORKERS = 1024;
    public static final int MIN_HEADER_BYTES = 256;
    /** Largest request head: it is parsed whole, in one buffer. */
    public static final int MAX_HEADER_BYTES = 1_048_576;
    /**
     * Most header fields in one request head: every HTTP/1.1 connection's parser holds a slot
     * for each (12 bytes, so 120 KB per connection at this bound); clients send a few dozen.
     */
    public static final int MAX_HEADER_COUNT = 10_000;
    /** Most HTTP/1.1 requests parsed ahead of their responses: each holds its head and body until answered. */
    public static final int MAX_PIPELINED = 1024;
    /**
     * Largest pooled I/O buffer: room for the largest HTTP/2 frame (16 MiB) with its header; each
     * loop pools up to 1024 of them.
     */
    public static final int MAX_BUFFER_SIZE = 32 * 1024 * 1024;
    /** Room a buffer keeps beyond the largest allowed head ({@code buffer_size >= max_header_bytes + this}). */
    public static final int BUFFER_HEADROOM = 1024;

    /**
     * Largest budget for buffered request bodies: 1 TiB. It only counts, so the bound is there to
     * catch a typo; the heap is the real limit.
     */
    public static final long MAX_BUFFERED_BODY_BYTES = 1L << 40;

    public static final int DEFAULT_MAX_HEADER_BYTES = 16_384;
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;
    public static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
    public static final int DEFAULT_MAX_PIPELINED = 16;
    public static final int DEFAULT_BUFFER_SIZE = 32_768;
    public static final long DEFAULT_SHUTDOWN_GRACE_MS = 5_000;
    public static final long DEFAULT_SHUTDOWN_HOOKS_TIMEOUT_MS = 5_000;
    public static final LoopThreads DEFAULT_LOOP_THREADS = LoopThreads.VIRTUAL;

    /**
     * The keys of {@code engine:}, declared once (see {@link Setting}); {@link ConnectionLimits#SECTION}'s
     * follow them in the same mapping, and {@code http2} is {@link Http2Settings#SECTION}.
     */
    public static final Section SECTION = Section.of("engine",
            Setting.integer("io_loops", "ioLoops", 1, MAX_IO_LOOPS, EngineSettings::availableCpus, "available processors",
                    "number of NIO selector loops"),
            Setting.shaped("loop_threads", "loopThreads", "`virtual` \\| `platform`", "`virtual`",
                    "what kind of thread runs each selector loop"),
            Setting.integer("workers", "workers", 1, MAX_WORKERS, EngineSettings::availableCpus, "available processors",
                    "number of Python worker contexts"),
            Setting.integer("max_header_bytes", "maxHeaderBytes", MIN_HEADER_BYTES, MAX_HEADER_BYTES,
                    DEFAULT_MAX_HEADER_BYTES, "cap on a request's head: request line plus header section"),
            Setting.integer("max_header_count", "maxHeaderCount", 1, MAX_HEADER_COUNT, DEFAULT_MAX_HEADER_COUNT,
                    "cap on header fields in one request head"),
            Setting.integer("header_timeout_ms", "headerTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS, DEFAULT_HEADER_TIMEOUT_MS,
                    "time allowed for a request's whole head to arrive"),
            Setting.integer("idle_timeout_ms", "idleTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS,
                    "a connection with no request in flight is closed after this long"),
            Setting.integer("max_pipelined", "maxPipelined", 1, MAX_PIPELINED, DEFAULT_MAX_PIPELINED,
                    "HTTP/1.1 requests parsed ahead of their responses on one connection"),
            Setting.integer("buffer_size", "bufferSize", 1, MAX_BUFFER_SIZE, DEFAULT_BUFFER_SIZE,
                    "bytes of each pooled I/O buffer; at least max_header_bytes + 1024"),
            Setting.integer("shutdown_grace_ms", "shutdownGraceMs", 0, Bounds.MAX_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS,
                    "on shutdown, time given to requests in flight"),
            Setting.integer("shutdown_hooks_timeout_ms", "shutdownHooksTimeoutMs", 0, Bounds.MAX_TIMEOUT_MS,
                    DEFAULT_SHUTDOWN_HOOKS_TIMEOUT_MS, "on shutdown, time given to the Python on_shutdown hooks"),
            Setting.shaped("http2", "http2", "mapping", "none", "HTTP/2 settings and limits"),
            Setting.integer("max_buffered_body_bytes", "maxBufferedBodyBytes", 0, MAX_BUFFERED_BODY_BYTES,
                    EngineSettings::defaultMaxBufferedBodyBytes, "a quarter of the heap",
                    "request-body octets buffered by all connections together"));

    public EngineSettings {
        SECTION.check("ioLoops", ioLoops);
        Objects.requireNonNull(loopThreads, "loopThreads");
        SECTION.check("workers", workers);
        SECTION.check("maxHeaderBytes", maxHeaderBytes);
        SECTION.check("maxHeaderCount", maxHeaderCount);
        SECTION.check("headerTimeoutMs", headerTimeoutMs);
        SECTION.check("idleTimeoutMs", idleTimeoutMs);
        SECTION.check("maxPipelined", maxPipelined);
        SECTION.check("bufferSize", bufferSize);
        if (bufferSize < (long) maxHeaderBytes + BUFFER_HEADROOM) {
            throw new IllegalArgumentException("bufferSize must be at least maxHeaderBytes + " + BUFFER_HEADROOM
                    + " = " + (maxHeaderBytes + BUFFER_HEADROOM) + ", was " + bufferSize
                    + " (raise bufferSize before maxHeaderBytes)");
        }
        SECTION.check("shutdownGraceMs", shutdownGraceMs);
        SECTION.check("shutdownHooksTimeoutMs", shutdownHooksTimeoutMs);
        Objects.requireNonNull(http2, "http2");
        SECTION.check("maxBufferedBodyBytes", maxBufferedBodyBytes);
        if (http2.maxFrameSize() > (long) bufferSize - Http2Settings.FRAME_HEADER_LENGTH) {
            throw new IllegalArgumentException("http2.maxFrameSize must be at most bufferSize - "
                    + Http2Settings.FRAME_HEADER_LENGTH + " = " + (bufferSize - Http2Settings.FRAME_HEADER_LENGTH)
                    + ", was " + http2.maxFrameSize() + " (raise bufferSize before http2.maxFrameSize)");
        }
        Objects.requireNonNull(connections, "connections");
    }

    /** Settings with the default {@link ConnectionLimits}. */
    public EngineSettings(int ioLoops, LoopThreads loopThreads, int workers, int maxHeaderBytes, int maxHeaderCount,
                          long headerTimeoutMs, long idleTimeoutMs, int maxPipelined, int bufferSize,
                          long shutdownGraceMs, long shutdownHooksTimeoutMs, Http2Settings http2,
                          long maxBufferedBodyBytes) {
        this(ioLoops, loopThreads, workers, maxHeaderBytes, maxHeaderCount, headerTimeoutMs, idleTimeoutMs,
                maxPipelined, bufferSize, shutdownGraceMs, shutdownHooksTimeoutMs, http2, maxBufferedBodyBytes,
                ConnectionLimits.defaults());
    }

    /** Settings with the default {@link Http2Settings}. */
    public EngineSettings(int ioLoops, LoopThreads loopThreads, int workers, int maxHeaderBytes, int maxHeaderCount,
                          long headerTimeoutMs, long idleTimeoutMs, int maxPipelined, int bufferSize,
                          long shutdownGraceMs) {
        this(ioLoops, loopThreads, workers, maxHeaderBytes, maxHeaderCount, headerTimeoutMs, idleTimeoutMs,
                maxPipelined, bufferSize, shutdownGraceMs, DEFAULT_SHUTDOWN_HOOKS_TIMEOUT_MS, Http2Settings.defaults(),
                defaultMaxBufferedBodyBytes());
    }

    /** Settings with the default {@link #shutdownHooksTimeoutMs()}. */
    public EngineSettings(int ioLoops, LoopThreads loopThreads, int workers, int maxHeaderBytes, int maxHeaderCount,
                          long headerTimeoutMs, long idleTimeoutMs, int maxPipelined, int bufferSize,
                          long shutdownGraceMs, Http2Settings http2) {
        this(ioLoops, loopThreads, workers, maxHeaderBytes, maxHeaderCount, headerTimeoutMs, idleTimeoutMs,
                maxPipelined, bufferSize, shutdownGraceMs, DEFAULT_SHUTDOWN_HOOKS_TIMEOUT_MS, http2,
                defaultMaxBufferedBodyBytes());
    }

    /** The processors available now, as the default loop and worker count. */
    private static long availableCpus() {
        return Math.min(Runtime.getRuntime().availableProcessors(), Math.min(MAX_IO_LOOPS, MAX_WORKERS));
    }

    /** The defaults; loop and worker counts follow the processors available now. */
    public static EngineSettings defaults() {
        Map<String, Object> values = SECTION.defaultValues();
        values.put("loopThreads", DEFAULT_LOOP_THREADS);
        values.put("http2", Http2Settings.defaults());
        values.put("connections", ConnectionLimits.defaults());
        return Section.build(EngineSettings.class, values);
    }

    /**
     * A quarter of the heap this JVM may grow to ({@code Runtime.maxMemory()}, set by {@code -Xmx}
     * or the container's memory): room for bodies in flight, with the rest left to the Python
     * workers, the connections and the copies a handler makes.
     */
    public static long defaultMaxBufferedBodyBytes() {
        return Math.min(Runtime.getRuntime().maxMemory() / 4, MAX_BUFFERED_BODY_BYTES);
    }

    public EngineSettings withIoLoops(int ioLoops) {
        return Section.with(this, "ioLoops", ioLoops);
    }

    public EngineSettings withLoopThreads(LoopThreads loopThreads) {
        return Section.with(this, "loopThreads", loopThreads);
    }

    public EngineSettings withWorkers(int workers) {
        return Section.with(this, "workers", workers);
    }

    /** Raise {@link #bufferSize()} first when the new cap needs it ({@code bufferSize >= maxHeaderBytes + 1024}). */
    public EngineSettings withMaxHeaderBytes(int maxHeaderBytes) {
        return Section.with(this, "maxHeaderBytes", maxHeaderBytes);
    }

    public EngineSettings withMaxHeaderCount(int maxHeaderCount) {
        return Section.with(this, "maxHeaderCount", maxHeaderCount);
    }

    public EngineSettings withHeaderTimeoutMs(long headerTimeoutMs) {
        return Section.with(this, "headerTimeoutMs", headerTimeoutMs);
    }

    public EngineSettings withIdleTimeoutMs(long idleTimeoutMs) {
        return Section.with(this, "idleTimeoutMs", idleTimeoutMs);
    }

    public EngineSettings withMaxPipelined(int maxPipelined) {
        return Section.with(this, "maxPipelined", maxPipelined);
    }

    public EngineSettings withBufferSize(int bufferSize) {
        return Section.with(this, "bufferSize", bufferSize);
    }

    public EngineSettings withShutdownGraceMs(long shutdownGraceMs) {
        return Section.with(this, "shutdownGraceMs", shutdownGraceMs);
    }

    public EngineSettings withShutdownHooksTimeoutMs(long shutdownHooksTimeoutMs) {
        return Section.with(this, "shutdownHooksTimeoutMs", shutdownHooksTimeoutMs);
    }

    /** Raise {@link #bufferSize()} first when the new frame size needs it ({@code bufferSize >= maxFrameSize + 9}). */
    public EngineSettings withHttp2(Http2Settings http2) {
        return Section.with(this, "http2", http2);
    }

    public EngineSettings withMaxBufferedBodyBytes(long maxBufferedBodyBytes) {
        return Section.with(this, "maxBufferedBodyBytes", maxBufferedBodyBytes);
    }

    public EngineSettings withConnections(ConnectionLimits connections) {
        return Section.with(this, "connections", connections);
    }
}

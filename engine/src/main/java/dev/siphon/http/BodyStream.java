package dev.siphon.http;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A body that flows while it is produced: a pipe of chunks from one producer to one consumer,
 * which holds at most about {@code window} octets (plus the one chunk that crossed it) however
 * large the body is. A producer that finds it full waits until the consumer has taken enough:
 * that wait is the backpressure which, inside the engine, stops reading the socket (HTTP/1.1)
 * or withholds WINDOW_UPDATE (HTTP/2).
 *
 * <p>The same pipe carries every streamed body: a request body to a streaming route (the
 * connection produces, the handler consumes), a streaming response (the handler produces, the
 * connection consumes), and the outbound client's bodies both ways.
 *
 * <p>Both sides have a callback form for an event loop and a future form for a coroutine:
 * <ul>
 *   <li>producer: {@link #offer} (returns false when full; {@link #onDemand} says when to go on)
 *       or {@link #write} (a future that completes when there is room); then {@link #end} or
 *       {@link #fail};</li>
 *   <li>consumer: {@link #poll} (null when nothing is ready; {@link #onAvailable} says when)
 *       or {@link #read} (a future of the next chunk, {@code null} at the end); {@link #cancel}
 *       when it will read no more.</li>
 * </ul>
 * Thread-safe. A callback runs once, on the thread whose call made it due, after the pipe's
 * lock is released; it must not block, and an event loop's callback re-submits itself to its
 * loop.
 */
public final class BodyStream {
    /** The default {@code window}: enough for a socket read or an h2 DATA frame or two in flight. */
    public static final int DEFAULT_WINDOW = 256 * 1024;
    private static final byte[] EMPTY = new byte[0];

    /** Why a producer's {@link #write} failed, or the reason given to {@link #cancel} when none was. */
    public static final class CancelledException extends CancellationException {
        public CancelledException(String message) {
            super(message);
        }
    }

    /**
     * Why a request body stopped short: {@code status} is what the engine answered (or would
     * have: 408 for a client that stalled, 413 for a body past its cap, 400 for malformed
     * chunking) or 0 when the client went away or reset the stream.
     */
    public static final class BodyFailedException extends java.io.IOException {
        private final int status;

        public BodyFailedException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final int window;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private long buffered;
    private long produced;
    private long consumed;
    private boolean ended;
    private Throwable failure; // the producer failed (the consumer sees it after the buffered chunks)
    private Throwable cancelled; // the consumer left: the producer's writes fail with it
    private CompletableFuture<byte[]> pendingRead;
    private CompletableFuture<Void> pendingWrite;
    private Runnable onDemand;
    private Runnable onAvailable;
    private Runnable onCancel;

    /** @param window octets buffered before the producer is asked to wait; at least 1 */
    public BodyStream(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, was " + window);
        }
        this.window = window;
    }

    public BodyStream() {
        this(DEFAULT_WINDOW);
    }

    /** A stream of one chunk, already ended: {@code bytes} as a body that flows. */
    public static BodyStream of(byte[] bytes) {
        BodyStream s = new BodyStream(Math.max(1, bytes.length));
        if (bytes.length > 0) {
            s.offer(bytes);
        }
        s.end();
        return s;
    }

    public int window() {
        return window;
    }

    // ---------------------------------------------------------------- producer

    /**
     * Adds a chunk (kept, not copied: the caller gives it up). An empty chunk is ignored. After
     * {@link #cancel} the chunk is dropped.
     *
     * @return true while there is room for more; false when the producer should wait for {@link #onDemand}
     * @throws IllegalStateException after {@link #end} or {@link #fail}
     */
    public boolean offer(byte[] chunk) {
        Objects.requireNonNull(chunk, "chunk");
        Runnable run;
        CompletableFuture<byte[]> read = null;
        synchronized (this) {
            checkOpen();
            if (cancelled != null) {
                return false;
            }
            produced += chunk.length;
            if (chunk.length == 0) {
                return buffered < window;
            }
            if (pendingRead != null) {
                read = pendingRead;
                pendingRead = null;
                consumed += chunk.length;
            } else {
                chunks.addLast(chunk);
                buffered += chunk.length;
            }
            run = onAvailable;
            onAvailable = null;
        }
        if (read != null) {
            read.complete(chunk);
        }
        runQuietly(run);
        synchronized (this) {
            return buffered < window && cancelled == null;
        }
    }

    /**
     * Adds a chunk and returns a future that completes when the pipe has room for the next
     * one (at once when it has); it fails with the consumer's reason when the consumer has
     * {@linkplain #cancel cancelled}. One write at a time: the next waits for this future.
     */
    public CompletableFuture<Void> write(byte[] chunk) {
        CompletableFuture<Void> f;
        synchronized (this) {
            if (cancelled != null) {
                return CompletableFuture.failedFuture(cancelled);
            }
            if (pendingWrite != null) {
                throw new IllegalStateException("a write is already waiting for room");
            }
        }
        if (offer(chunk)) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (this) {
            if (cancelled != null) {
                return CompletableFuture.failedFuture(cancelled);
            }
            if (buffered < window) {
                return CompletableFuture.completedFuture(null);
            }
            f = new CompletableFuture<>();
            pendingWrite = f;
        }
        return f;
    }

    /**
     * Runs {@code action} once when the pipe has room again (or the consumer cancelled); at
     * once when it has room now. Replaces an action not yet run.
     */
    public void onDemand(Runnable action) {
        synchronized (this) {
            if (buffered >= window && cancelled == null) {
                onDemand = action;
                return;
            }
        }
        action.run();
    }

    /** The body is complete: the consumer reads {@code null} once the buffered chunks are read. */
    public void end() {
        finish(null);
    }

    /** The body cannot be completed: the consumer reads the buffered chunks, then {@code cause}. */
    public void fail(Throwable cause) {
        finish(Objects.requireNonNull(cause, "cause"));
    }

    private void finish(Throwable cause) {
        Runnable run;
        CompletableFuture<byte[]> read;
        synchronized (this) {
            if (ended || failure != null) {
                return;
            }
            if (cause == null) {
                ended = true;
            } else {
                failure = cause;
            }
            if (!chunks.isEmpty()) {
                return; // the consumer reaches the end after these; it is not waiting
            }
            read = pendingRead;
            pendingRead = null;
            run = onAvailable;
            onAvailable = null;
        }
        if (read != null) {
            if (cause == null) {
                read.complete(null);
            } else {
                read.completeExceptionally(cause);
            }
        }
        runQuietly(run);
    }

    /**
     * Runs {@code action} once when the consumer {@linkplain #cancel cancels} (at once when it
     * has): a producer that waits on something else than this pipe learns that nobody reads.
     */
    public void onCancel(Runnable action) {
        synchronized (this) {
            if (cancelled == null) {
                onCancel = action;
                return;
            }
        }
        action.run();
    }

    /** True once the consumer cancelled: whatever the producer adds is dropped. */
    public synchronized boolean isCancelled() {
        return cancelled != null;
    }

    /** The consumer's reason for cancelling, or null. */
    public synchronized Throwable cancelCause() {
        return cancelled;
    }

    // ---------------------------------------------------------------- consumer

    /**
     * The next chunk, or null when none is ready now: then {@link #isDone} tells whether the
     * body is over, and {@link #onAvailable} when to look again.
     *
     * @throws IllegalStateException when a {@link #read} is waiting
     */
    public byte[] poll() {
        byte[] c;
        Runnable run;
        CompletableFuture<Void> write;
        synchronized (this) {
            if (pendingRead != null) {
                throw new IllegalStateException("a read is waiting");
            }
            c = chunks.pollFirst();
            if (c == null) {
                return null;
            }
            consumed += c.length;
            boolean wasFull = buffered >= window;
            buffered -= c.length;
            if (!wasFull || buffered >= window) {
                return c;
            }
            run = onDemand;
            onDemand = null;
            write = pendingWrite;
            pendingWrite = null;
        }
        if (write != null) {
            write.complete(null);
        }
        runQuietly(run);
        return c;
    }

    /**
     * A future of the next chunk; {@code null} when the body has ended; failed with the
     * producer's cause when it failed. One read at a time.
     */
    public CompletableFuture<byte[]> read() {
        byte[] c = poll();
        if (c != null) {
            return CompletableFuture.completedFuture(c);
        }
        synchronized (this) {
            if (!chunks.isEmpty()) {
                return read(); // a chunk arrived between poll and here
            }
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (ended) {
                return CompletableFuture.completedFuture(null);
            }
            if (cancelled != null) {
                return CompletableFuture.failedFuture(cancelled);
            }
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            pendingRead = f;
            return f;
        }
    }

    /** True when every chunk has been taken and the producer ended or failed. */
    public synchronized boolean isDone() {
        return chunks.isEmpty() && (ended || failure != null);
    }

    /** The producer's failure, once the consumer has taken every chunk before it; else null. */
    public synchronized Throwable failure() {
        return chunks.isEmpty() ? failure : null;
    }

    /**
     * Runs {@code action} once when a chunk, the end or a failure is ready (at once when one
     * is). Replaces an action not yet run.
     */
    public void onAvailable(Runnable action) {
        synchronized (this) {
            if (chunks.isEmpty() && !ended && failure == null) {
                onAvailable = action;
                return;
            }
        }
        action.run();
    }

    /**
     * The consumer will read no more: buffered chunks are dropped, the producer's waiting
     * {@link #write} fails with {@code reason} (so does every later one), its {@link
     * #onDemand} runs (and finds {@link #isCancelled}), and a waiting {@link #read} fails.
     */
    public void cancel(Throwable reason) {
        Throwable why = reason != null ? reason : new CancelledException("the body's reader went away");
        Runnable run;
        CompletableFuture<Void> write;
        CompletableFuture<byte[]> read;
        Runnable cancelAction;
        synchronized (this) {
            if (cancelled != null) {
                return;
            }
            cancelled = why;
            chunks.clear();
            buffered = 0;
            run = onDemand;
            onDemand = null;
            write = pendingWrite;
            pendingWrite = null;
            read = pendingRead;
            pendingRead = null;
            onAvailable = null;
            cancelAction = onCancel;
            onCancel = null;
        }
        if (write != null) {
            write.completeExceptionally(why);
        }
        if (read != null) {
            read.completeExceptionally(why);
        }
        runQuietly(run);
        runQuietly(cancelAction);
    }

    // ---------------------------------------------------------------- both

    /** Octets buffered now (produced, not yet consumed). */
    public synchronized long buffered() {
        return buffered;
    }

    /** Octets the producer has added so far. */
    public synchronized long produced() {
        return produced;
    }

    /** Octets the consumer has taken so far. */
    public synchronized long consumed() {
        return consumed;
    }

    /**
     * Reads the whole body into one array, up to {@code cap} octets; fails with {@link
     * BodyTooLargeException} past it (the stream is then cancelled).
     */
    public CompletableFuture<byte[]> readAll(long cap) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        readInto(out, cap, result);
        return result;
    }

    private void readInto(java.io.ByteArrayOutputStream out, long cap, CompletableFuture<byte[]> result) {
        while (true) {
            CompletableFuture<byte[]> next = read();
            if (!next.isDone()) {
                next.whenComplete((c, e) -> {
                    if (take(out, cap, result, c, e)) {
                        readInto(out, cap, result);
                    }
                });
                return;
            }
            byte[] c;
            try {
                c = next.join();
            } catch (RuntimeException e) {
                take(out, cap, result, null, e.getCause() != null ? e.getCause() : e);
                return;
            }
            if (!take(out, cap, result, c, null)) {
                return;
            }
        }
    }

    /** @return true to read on */
    private boolean take(java.io.ByteArrayOutputStream out, long cap, CompletableFuture<byte[]> result, byte[] c,
                         Throwable e) {
        if (e != null) {
            result.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e);
            return false;
        }
        if (c == null) {
            result.complete(out.size() == 0 ? EMPTY : out.toByteArray());
            return false;
        }
        if (out.size() + (long) c.length > cap) {
            BodyTooLargeException tooLarge = new BodyTooLargeException(cap);
            cancel(tooLarge);
            result.completeExceptionally(tooLarge);
            return false;
        }
        out.write(c, 0, c.length);
        return true;
    }

    /** A body read whole ({@link #readAll}) was longer than its cap. */
    public static final class BodyTooLargeException extends RuntimeException {
        private final long cap;

        public BodyTooLargeException(long cap) {
            super("the body is longer than " + cap + " octets");
            this.cap = cap;
        }

        public long cap() {
            return cap;
        }
    }

    private void checkOpen() {
        if (ended || failure != null) {
            throw new IllegalStateException("the body has ended");
        }
    }

    private static void runQuietly(Runnable r) {
        if (r != null) {
            r.run();
        }
    }

    @Override
    public synchronized String toString() {
        return "BodyStream[" + buffered + "/" + window + " buffered, " + produced + " in, " + consumed + " out"
                + (ended ? ", ended" : "") + (failure != null ? ", failed" : "") + (cancelled != null ? ", cancelled" : "")
                + "]";
    }
}

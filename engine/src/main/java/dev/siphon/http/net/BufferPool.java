package dev.siphon.http.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Fixed-size heap buffers for one event loop. Only the owning loop's thread calls
 * {@link #acquire()} and {@link #release(ByteBuffer)}: no locking. Heap buffers because the
 * parsers read the backing array directly; the JDK copies through its per-thread direct buffer
 * on socket I/O.
 *
 * <p>{@link #outstanding()} may be read from any thread; tests assert it returns to zero. The
 * count is written with opaque stores (no fence on the hot path): another thread sees it
 * eventually, and exactly once the loop thread has ended (thread termination orders it).
 */
public final class BufferPool {
    private static final VarHandle OUTSTANDING;

    static {
        try {
            OUTSTANDING = MethodHandles.lookup().findVarHandle(BufferPool.class, "outstanding", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int bufferSize;
    private final int maxFree;
    private final ArrayDeque<ByteBuffer> free;
    private long outstanding;

    public BufferPool(int bufferSize, int maxFree) {
        this.bufferSize = bufferSize;
        this.maxFree = maxFree;
        this.free = new ArrayDeque<>(Math.min(maxFree, 64));
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** A cleared buffer of {@link #bufferSize()} bytes, owned by the caller until released. */
    public ByteBuffer acquire() {
        ByteBuffer b = free.pollLast();
        if (b == null) {
            b = ByteBuffer.allocate(bufferSize);
        } else {
            b.clear();
        }
        OUTSTANDING.setOpaque(this, outstanding + 1); // single writer: the owning loop
        return b;
    }

    /** Returns a buffer taken from this pool. Each buffer is released exactly once. */
    public void release(ByteBuffer b) {
        OUTSTANDING.setOpaque(this, outstanding - 1);
        if (free.size() < maxFree) {
            free.addLast(b);
        }
    }

    public long outstanding() {
        return (long) OUTSTANDING.getOpaque(this);
    }

    /** Drops the free list (the loop is stopping). */
    void clear() {
        free.clear();
    }
}

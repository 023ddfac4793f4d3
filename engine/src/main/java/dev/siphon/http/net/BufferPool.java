package dev.siphon.http.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

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
    private ByteBuffer[] gather = new ByteBuffer[0];
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

    /**
     * A buffer from this pool that starts with the first {@code length} bytes of {@code kept} (what
     * {@link #releaseKeeping} returned), in write mode after them, ready for more bytes.
     */
    public ByteBuffer acquire(byte[] kept, int length) {
        ByteBuffer b = acquire();
        if (length > 0) {
            b.put(kept, 0, length);
        }
        return b;
    }

    /**
     * Releases {@code b} (in write mode) and returns the bytes it held, before its position, at the
     * start of an array; null when it held none. For input that waits for more: a connection that
     * sent part of a head keeps those bytes, not a whole buffer. The array is {@code spare} (the
     * caller's previous one, whose bytes are already back in a buffer) when they fill at least a
     * quarter of it, so a body streaming through in pieces allocates nothing per read; otherwise
     * a new one of exactly their length.
     */
    public byte[] releaseKeeping(ByteBuffer b, byte[] spare) {
        int n = b.position();
        byte[] kept = null;
        if (n > 0) {
            kept = spare != null && spare.length >= n && n >= spare.length / 4 ? spare : new byte[n];
            System.arraycopy(b.array(), b.arrayOffset(), kept, 0, n);
        }
        release(b);
        return kept;
    }

    /** Returns a buffer taken from this pool. Each buffer is released exactly once. */
    public void release(ByteBuffer b) {
        OUTSTANDING.setOpaque(this, outstanding - 1);
        if (free.size() < maxFree) {
            free.addLast(b);
        }
    }

    /**
     * The loop's scratch array of at least {@code n} slots for one gathering write, which the
     * caller empties again before it returns: one per loop, not one per connection.
     */
    public ByteBuffer[] gatherArray(int n) {
        if (gather.length < n) {
            gather = new ByteBuffer[n];
        }
        return gather;
    }

    public long outstanding() {
        return (long) OUTSTANDING.getOpaque(this);
    }

    /** Drops the free list (the loop is stopping). */
    void clear() {
        free.clear();
    }
}

package dev.siphon.http.codec;

import dev.siphon.http.codec.CodecException.Kind;
import java.util.Arrays;

/**
 * Accumulates one body up to a cap. Loop thread only.
 *
 * <p>A request body ({@link #reserving}) starts with no array and grows geometrically with the
 * octets that arrive, never past its cap (the declared length, or {@code max_body_bytes}), so a
 * declared length costs nothing until the body is sent. Each growth is reserved in the engine's
 * {@link BodyBudget}; one that does not fit is {@link Kind#BUDGET_SPENT} (the server answers 503).
 * The reservation is given back with {@link #release}, or passed on with the body
 * ({@link #transferReservation}). Past the cap is {@link Kind#BODY_TOO_LARGE}: a request's 413,
 * a response the client fails.
 *
 * <p>A body no handler will read ({@link #discarding}) is counted against its cap and dropped.
 *
 * <p>{@link #growable} is the outbound client's: no budget, the same geometric growth from 1 KiB
 * up to its cap (a response's declared length, or the client's {@code max_response_bytes}).
 */
public final class BodyBuffer {
    private static final int INITIAL_CHUNKED = 1024;
    private static final byte[] EMPTY = new byte[0];

    private final long cap;
    /** The budget each growth is reserved in; null for none. */
    private final BodyBudget budget;
    private final boolean discard;
    /** A streaming route's body: each append goes on to the handler as a chunk; null when buffered. */
    private final java.util.function.Consumer<byte[]> stream;
    private byte[] data;
    private int size;
    private long streamed; // a streaming buffer's octets so far
    /** Octets reserved in {@link #budget} for this body: its capacity, trimmed to its size once handed over. */
    private long reserved;

    private BodyBuffer(int initial, long cap, BodyBudget budget, boolean discard) {
        this(initial, cap, budget, discard, null);
    }

    private BodyBuffer(int initial, long cap, BodyBudget budget, boolean discard, java.util.function.Consumer<byte[]> stream) {
        this.stream = stream;
        this.cap = cap;
        this.budget = budget;
        this.discard = discard;
        this.data = initial == 0 ? EMPTY : new byte[initial];
    }

    public static BodyBuffer growable(long cap) {
        return new BodyBuffer((int) Math.min(INITIAL_CHUNKED, cap), cap, null, false);
    }

    /** A request body of at most {@code cap} octets, allocated as it arrives and reserved in {@code budget}. */
    public static BodyBuffer reserving(long cap, BodyBudget budget) {
        return new BodyBuffer(0, cap, budget, false);
    }

    /** A body of at most {@code cap} octets that is counted and dropped: its request is answered without it. */
    public static BodyBuffer discarding(long cap) {
        return new BodyBuffer(0, cap, null, true);
    }

    /**
     * A streaming route's body of at most {@code cap} octets: what arrives is counted and handed
     * on to {@code sink} as it comes (a copy of each read's octets; the sink drops it when the
     * handler no longer wants it). Nothing is kept here; the sink's window bounds what is held.
     */
    public static BodyBuffer streaming(long cap, java.util.function.Consumer<byte[]> sink) {
        return new BodyBuffer(0, cap, null, false, java.util.Objects.requireNonNull(sink, "sink"));
    }

    public void append(byte[] b, int off, int len) throws CodecException {
        if (stream != null) {
            if (streamed + len > cap) {
                throw tooLarge();
            }
            streamed += len;
            if (len > 0) {
                stream.accept(Arrays.copyOfRange(b, off, off + len));
            }
            return;
        }
        if (size + (long) len > cap) {
            throw tooLarge();
        }
        if (discard) {
            size += len;
            return;
        }
        if (size + len > data.length) {
            grow(size + len);
        }
        System.arraycopy(b, off, data, size, len);
        size += len;
    }

    /** Doubles the array (at least to {@code need}, at most to the cap), reserving the growth first. */
    private void grow(int need) throws CodecException {
        long grown = Math.min(Math.max(Math.max((long) data.length * 2, INITIAL_CHUNKED), need), cap);
        if (budget != null && !budget.reserve(grown - data.length)) {
            grown = need; // near the limit: only what this read needs
            if (!budget.reserve(grown - data.length)) {
                throw new CodecException(Kind.BUDGET_SPENT, "bodies buffered exceed max_buffered_body_bytes");
            }
        }
        if (budget != null) {
            reserved += grown - data.length;
        }
        data = Arrays.copyOf(data, (int) grown);
    }

    /** Checks that {@code more} bytes would still fit, before they arrive. */
    public void ensureFits(long more) throws CodecException {
        if (size + streamed + more > cap) {
            throw tooLarge();
        }
    }

    private CodecException tooLarge() {
        return new CodecException(Kind.BODY_TOO_LARGE, "body exceeds " + cap + " bytes");
    }

    public int size() {
        return size;
    }

    /**
     * The body; the buffer is spent. A reserving buffer trims its reservation to the body's
     * length, and holds it until {@link #release} or {@link #transferReservation}.
     */
    public byte[] toArray() {
        if (discard) {
            return EMPTY;
        }
        byte[] body = size == data.length ? data : Arrays.copyOf(data, size);
        data = EMPTY;
        if (budget != null && reserved > size) {
            budget.release(reserved - size);
            reserved = size;
        }
        return body;
    }

    /** Octets reserved in the budget now. */
    public long reserved() {
        return reserved;
    }

    /**
     * Hands the reservation to the caller, who releases it in the budget when the request is
     * done; this buffer then holds none.
     */
    public long transferReservation() {
        long r = reserved;
        reserved = 0;
        return r;
    }

    /** Gives the reservation back and drops the octets: the request ended without them. Idempotent. */
    public void release() {
        if (budget != null) {
            budget.release(reserved);
        }
        reserved = 0;
        data = EMPTY;
        size = 0;
    }
}

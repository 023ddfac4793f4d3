package dev.siphon.http.h1;

import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.RequestError;
import java.util.Arrays;

/**
 * Accumulates one request body up to the listener's {@code max_body_bytes}. With a known
 * Content-Length the array is allocated once at the exact size (the length was checked against
 * the cap first), so {@link #toArray()} hands it over without a copy. Loop thread only.
 */
public final class BodyBuffer {
    private static final int INITIAL_CHUNKED = 1024;

    private final long cap;
    private byte[] data;
    private int size;

    private BodyBuffer(int initial, long cap) {
        this.cap = cap;
        this.data = new byte[initial];
    }

    public static BodyBuffer exact(long length) {
        return new BodyBuffer((int) length, length);
    }

    public static BodyBuffer growable(long cap) {
        return new BodyBuffer((int) Math.min(INITIAL_CHUNKED, cap), cap);
    }

    public void append(byte[] b, int off, int len) throws RequestError {
        if (size + (long) len > cap) {
            throw new RequestError(413, "request body exceeds " + cap + " bytes", Limit.BODY_BYTES);
        }
        if (size + len > data.length) {
            long grown = Math.max((long) data.length * 2, (long) size + len);
            data = Arrays.copyOf(data, (int) Math.min(grown, cap));
        }
        System.arraycopy(b, off, data, size, len);
        size += len;
    }

    /** Checks that {@code more} bytes would still fit, before they arrive. */
    public void ensureFits(long more) throws RequestError {
        if (size + more > cap) {
            throw new RequestError(413, "request body exceeds " + cap + " bytes", Limit.BODY_BYTES);
        }
    }

    public int size() {
        return size;
    }

    public byte[] toArray() {
        return size == data.length ? data : Arrays.copyOf(data, size);
    }
}

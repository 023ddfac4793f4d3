package dev.siphon.http.codec;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine-wide budget for buffered request bodies ({@code engine.max_buffered_body_bytes}):
 * every request-body buffer reserves its capacity here as it grows with the bytes received, and
 * gives it back when its request is done — answered, rejected, reset, or its connection closed.
 * A reservation that would pass the limit is refused, and the request is answered 503 instead of
 * the heap running out. Shared by every loop; lock-free.
 */
public final class BodyBudget {
    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    public BodyBudget(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        this.limit = limit;
    }

    /** Reserves {@code n} octets, unless that would pass the limit; then reserves nothing. */
    public boolean reserve(long n) {
        for (long cur = reserved.get(); ; cur = reserved.get()) {
            if (n > limit - cur) {
                return false;
            }
            if (reserved.compareAndSet(cur, cur + n)) {
                return true;
            }
        }
    }

    /** Gives back {@code n} octets reserved before. */
    public void release(long n) {
        if (n != 0 && reserved.addAndGet(-n) < 0) {
            throw new IllegalStateException("body budget released more than it reserved");
        }
    }

    /** Octets reserved now, by every connection together. */
    public long reserved() {
        return reserved.get();
    }

    public long limit() {
        return limit;
    }
}

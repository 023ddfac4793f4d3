package dev.siphon.http.h2.server;

/**
 * Counts events of one kind (streams reset before completion, empty DATA frames) per fixed time
 * window and says when a peer has spent more than its budget. One budget per connection, so a
 * misbehaving peer cannot exhaust it for others. Loop thread only.
 */
final class AbuseBudget {
    private final int max;
    private final long windowNanos;
    private long windowStart;
    private int spent;

    AbuseBudget(int max, long windowNanos) {
        this.max = max;
        this.windowNanos = windowNanos;
        this.windowStart = System.nanoTime();
    }

    /** Records one event; false once more than {@code max} happened within the current window. */
    boolean spend(long now) {
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            spent = 0;
        }
        return ++spent <= max;
    }
}

package dev.siphon.http;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated on the heap by the engine's I/O loop threads (platform threads named
 * {@code siphon-loop-*}), from HotSpot's per-thread allocation counter: what a test reads to see
 * that a request cost no more memory than it should, without relying on the collector. Start the
 * engine with {@code LoopThreads.PLATFORM}: virtual threads have no such counter.
 *
 * <p>{@link #mark()} notes each loop thread's count; {@link #since} sums what each thread alive
 * then and now allocated meanwhile (a loop that ended in between, another test's, is left out).
 */
public final class LoopAllocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private LoopAllocation() {}

    /** Each platform loop thread's allocation so far, by thread id; fails when there is none. */
    public static Map<Long, Long> mark() {
        Map<Long, Long> m = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("siphon-loop-") && !t.isVirtual()) {
                long b = THREADS.getThreadAllocatedBytes(t.threadId());
                if (b >= 0) {
                    m.put(t.threadId(), b);
                }
            }
        }
        if (m.isEmpty()) {
            throw new IllegalStateException("no platform loop thread with an allocation counter");
        }
        return m;
    }

    /** Bytes the loop threads allocated since {@code mark}. */
    public static long since(Map<Long, Long> mark) {
        long sum = 0;
        for (Map.Entry<Long, Long> now : mark().entrySet()) {
            sum += now.getValue() - mark.getOrDefault(now.getKey(), 0L);
        }
        return sum;
    }
}

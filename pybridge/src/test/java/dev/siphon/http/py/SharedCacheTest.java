package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedCacheTest {
    @Test
    void incrCountsFromZeroAndIsAtomicAcrossThreads() throws Exception {
        SharedCache c = new SharedCache();
        assertEquals("1", c.incr("t", "n", 1));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int j = 0; j < 10_000; j++) {
                    c.incr("t", "n", 1);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals("40001", c.fetch("t", "n").value());
        assertEquals(SharedCache.INT, c.fetch("t", "n").kind());
        assertEquals("39991", c.incr("t", "n", -10));
    }

    @Test
    void incrRefusesAValueThatIsNotAnInt() {
        SharedCache c = new SharedCache();
        c.store("t", "s", 1, "text", -1);
        assertNull(c.incr("t", "s", 1));
        assertEquals("text", c.fetch("t", "s").value());
    }

    @Test
    void incrStartsAgainAfterExpiry() throws Exception {
        SharedCache c = new SharedCache();
        c.store("t", "n", SharedCache.INT, "41", 1);
        Thread.sleep(5);
        assertEquals("1", c.incr("t", "n", 1));
    }

    @Test
    void keysAreSortedFilteredByPrefixAndLive() throws Exception {
        SharedCache c = new SharedCache();
        assertArrayEquals(new String[0], c.keys("none", ""));
        c.store("t", "b", 1, "x", -1);
        c.store("t", "ab", 1, "x", -1);
        c.store("t", "aa", 1, "x", -1);
        c.store("t", "ac", 1, "x", 1);
        c.store("u", "a0", 1, "x", -1);
        Thread.sleep(5);
        assertArrayEquals(new String[] {"aa", "ab", "b"}, c.keys("t", ""));
        assertArrayEquals(new String[] {"aa", "ab"}, c.keys("t", "a"));
        c.delete("t", "aa");
        assertArrayEquals(new String[] {"ab"}, c.keys("t", "a"));
    }
}

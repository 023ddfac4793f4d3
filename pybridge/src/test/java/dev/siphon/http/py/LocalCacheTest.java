package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalCacheTest {
    @Test
    void incrCountsFromZeroAndIsAtomicAcrossThreads() throws Exception {
        LocalCache c = new LocalCache(100, 0);
        assertEquals(1L, c.incr("n", 1));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int j = 0; j < 10_000; j++) {
                    c.incr("n", 1);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals("40001", c.fetch("n").value());
        assertEquals(LocalCache.INT, c.fetch("n").kind());
        assertEquals(39991L, c.incr("n", -10));
        assertThrows(ArithmeticException.class, () -> c.incr("n", Long.MAX_VALUE));
    }

    @Test
    void incrRefusesAValueThatIsNotAnInt() {
        LocalCache c = new LocalCache(100, 0);
        c.store("s", 1, "text", -1);
        assertNull(c.incr("s", 1));
        assertEquals("text", c.fetch("s").value());
    }

    @Test
    void keysAreSortedFilteredByPrefixAndLive() throws Exception {
        LocalCache c = new LocalCache(100, 0);
        assertArrayEquals(new String[0], c.keys(""));
        c.store("b", 1, "x", -1);
        c.store("ab", 1, "x", -1);
        c.store("aa", 1, "x", -1);
        c.store("ac", 1, "x", 1);
        Thread.sleep(5);
        assertArrayEquals(new String[] {"aa", "ab", "b"}, c.keys(""));
        assertArrayEquals(new String[] {"aa", "ab"}, c.keys("a"));
        assertTrue(c.delete("aa"));
        assertFalse(c.delete("aa"));
        assertArrayEquals(new String[] {"ab"}, c.keys("a"));
    }

    @Test
    void boundedLeastRecentlyUsedFirst() {
        LocalCache c = new LocalCache(3, 0);
        c.store("a", 1, "1", -1);
        c.store("b", 1, "2", -1);
        c.store("c", 1, "3", -1);
        c.fetch("a"); // used: b is now the least recently used
        c.store("d", 1, "4", -1);
        assertNull(c.fetch("b"));
        assertEquals("1", c.fetch("a").value());
        for (int i = 0; i < 100_000; i++) {
            c.store("k" + i, 1, "v", -1);
        }
        assertEquals(3, c.size());
    }

    @Test
    void theCachesTtlCapsEveryEntry() throws Exception {
        LocalCache c = new LocalCache(10, 1);
        c.store("forever", 1, "x", -1);
        c.store("long", 1, "x", 60_000);
        c.store("short", 1, "x", 50);
        Thread.sleep(120);
        assertNull(c.fetch("short"));
        assertEquals("x", c.fetch("long").value());
        Thread.sleep(1000);
        assertNull(c.fetch("forever"));
        assertNull(c.fetch("long"));
    }

    @Test
    void listsAndTheirShape() {
        LocalCache c = new LocalCache(3, 0);
        assertEquals(1, c.listPush("q:1", "a"));
        assertEquals(2, c.listPush("q:1", "b"));
        assertEquals(1, c.listPush("q:2", "c"));
        c.store("q:v", 1, "x", -1);
        assertEquals(3, c.listLenSum("q:"));
        assertEquals(2, c.listLen("q:1"));
        assertEquals(0, c.listLen("none"));
        assertThrows(LocalCache.WrongType.class, () -> c.listPush("q:v", "x"));
        assertThrows(LocalCache.WrongType.class, () -> c.fetch("q:1"));
        c.listPush("q:1", "c");
        assertThrows(IllegalStateException.class, () -> c.listPush("q:1", "d"));
        assertArrayEquals(new String[] {"a", "b", "c"}, c.listPopAll("q:1"));
        assertArrayEquals(new String[0], c.listPopAll("q:1"));
        assertTrue(c.expire("q:2", 1));
        assertFalse(c.expire("none", 1));
    }

    @Test
    void undeclaredNamesAreLocalCachesUpToALimit() throws Exception {
        Caches c = Caches.implicitOnly();
        for (int i = 0; i < Caches.MAX_IMPLICIT; i++) {
            assertEquals(Boolean.TRUE, c.call(Caches.STORE, "t" + i, "k", LocalCache.STR, "v", -1).get());
        }
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> c.call(Caches.STORE, "one-more", "k", LocalCache.STR, "v", -1).get());
        assertEquals(Caches.CACHE_ERROR, ((Caches.Failure) e.getCause()).code);
        assertTrue(c.has("anything"));
    }

    @Test
    void declaredCachesAnswerUnknownNamesAsSiphonDoes() throws Exception {
        Caches c = Caches.start(List.of(dev.siphon.http.config.CacheConfig.local("only")));
        assertFalse(c.has("other"));
        assertEquals(Boolean.FALSE, c.call(Caches.STORE, "other", "k", LocalCache.STR, "v", -1).get());
        assertNull(c.call(Caches.FETCH, "other", "k", 0, "", 0).get());
        assertNull(c.call(Caches.LIST_PUSH, "other", "k", 0, "x", 0).get());
        assertArrayEquals(new String[0], (String[]) c.call(Caches.LIST_POP_ALL, "other", "k", 0, "", 0).get());
        assertEquals(Boolean.TRUE, c.call(Caches.STORE, "only", "k", LocalCache.STR, "v", -1).get());
    }

    @Test
    void valuesOnRedisAndValuesOtherClientsWrote() {
        String[][] kinds = {{"1", "text"}, {"1", "42"}, {"1", ""}, {"2", "\u0000\u00ff"}, {"3", "-7"},
            {"3", "123456789012345678901234567890"}, {"4", "2.5"}, {"5", "1"}, {"5", "0"}, {"6", ""}};
        for (String[] k : kinds) {
            Object[] back = Caches.decode(Caches.encode(Integer.parseInt(k[0]), k[1]));
            assertEquals(Integer.parseInt(k[0]), back[0], k[1]);
            assertEquals(k[1], back[1]);
        }
        // plain values as redis-cli or siphon write them
        assertArrayEquals(new Object[] {3, "42"}, Caches.decode("42".getBytes()));
        assertArrayEquals(new Object[] {1, "héllo"}, Caches.decode("héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertArrayEquals(new Object[] {1, "007"}, Caches.decode("007".getBytes()));
        assertArrayEquals(new Object[] {2, "\u00c3("}, Caches.decode(new byte[] {(byte) 0xc3, '('}));
        // a str stored as plain text, as siphon does, unless it would read back as an int
        assertArrayEquals("text".getBytes(), Caches.encode(1, "text"));
        assertArrayEquals("42".getBytes(), Caches.encode(3, "42"));
        assertEquals("\\*a\\?\\[x\\]\\\\", Caches.glob("*a?[x]\\"));
    }
}

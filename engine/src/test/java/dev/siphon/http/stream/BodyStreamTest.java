package dev.siphon.http.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.BodyStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pipe every streamed body flows through: order, the window, both wake-ups, end, failure, cancel. */
class BodyStreamTest {
    @Test
    void offerStopsAtTheWindowAndDemandResumes() {
        BodyStream s = new BodyStream(10);
        assertTrue(s.offer(new byte[4]));
        assertFalse(s.offer(new byte[6]), "10 of 10 buffered: full");
        AtomicInteger demanded = new AtomicInteger();
        s.onDemand(demanded::incrementAndGet);
        assertEquals(0, demanded.get());
        assertEquals(4, s.poll().length);
        assertEquals(1, demanded.get(), "room again once under the window");
        assertEquals(6, s.poll().length);
        assertNull(s.poll());
        assertFalse(s.isDone());
        s.end();
        assertTrue(s.isDone());
        assertEquals(1, demanded.get());
    }

    @Test
    void readWaitsForTheProducerAndEndsWithNull() throws Exception {
        BodyStream s = new BodyStream(8);
        CompletableFuture<byte[]> r = s.read();
        assertFalse(r.isDone());
        s.offer(new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, r.get(1, TimeUnit.SECONDS));
        CompletableFuture<byte[]> end = s.read();
        s.end();
        assertNull(end.get(1, TimeUnit.SECONDS));
        assertNull(s.read().get(), "the end stays the end");
        assertEquals(2, s.consumed());
    }

    @Test
    void writeWaitsForRoomAndCancelFailsIt() {
        BodyStream s = new BodyStream(4);
        assertTrue(s.write(new byte[2]).isDone());
        CompletableFuture<Void> w = s.write(new byte[3]);
        assertFalse(w.isDone(), "5 of 4 buffered: the writer waits");
        s.poll();
        assertTrue(w.isDone(), "3 of 4: room again");
        CompletableFuture<Void> w2 = s.write(new byte[5]);
        assertFalse(w2.isDone());
        s.cancel(new IOException("client gone"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> w2.get(1, TimeUnit.SECONDS));
        assertEquals("client gone", e.getCause().getMessage());
        assertTrue(s.write(new byte[1]).isCompletedExceptionally(), "every later write fails too");
        assertEquals(0, s.buffered(), "cancel drops what was buffered");
    }

    @Test
    void failureComesAfterTheBufferedChunks() throws Exception {
        BodyStream s = new BodyStream(100);
        s.offer(new byte[] {7});
        s.fail(new IOException("reset"));
        assertFalse(s.isDone() && s.failure() != null, "the chunk comes first");
        assertArrayEquals(new byte[] {7}, s.read().get());
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.read().get());
        assertEquals("reset", e.getCause().getMessage());
        assertThrows(IllegalStateException.class, () -> s.offer(new byte[1]));
    }

    @Test
    void onAvailableFiresForDataAndForTheEnd() {
        BodyStream s = new BodyStream(100);
        AtomicInteger woke = new AtomicInteger();
        s.onAvailable(woke::incrementAndGet);
        s.offer(new byte[3]);
        assertEquals(1, woke.get());
        s.poll();
        s.onAvailable(woke::incrementAndGet);
        s.end();
        assertEquals(2, woke.get());
        s.onAvailable(woke::incrementAndGet);
        assertEquals(3, woke.get(), "already at the end: at once");
    }

    @Test
    void readAllStopsAtTheCap() throws Exception {
        BodyStream s = new BodyStream(16);
        CompletableFuture<byte[]> all = s.readAll(10);
        s.offer(new byte[6]);
        s.offer(new byte[6]);
        ExecutionException e = assertThrows(ExecutionException.class, () -> all.get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof BodyStream.BodyTooLargeException, e.toString());
        assertTrue(s.isCancelled());
        BodyStream ok = BodyStream.of(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, ok.readAll(3).get());
    }

    /** Two threads, a small window: every octet arrives once, in order, and the buffer never grows past window + one chunk. */
    @Test
    void aProducerAndAConsumerOnTwoThreads() throws Exception {
        BodyStream s = new BodyStream(1024);
        int chunks = 20_000;
        AtomicLong maxBuffered = new AtomicLong();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < chunks; i++) {
                byte[] c = new byte[100];
                java.util.Arrays.fill(c, (byte) i);
                s.write(c).join();
                maxBuffered.accumulateAndGet(s.buffered(), Math::max);
            }
            s.end();
        });
        producer.start();
        long total = 0;
        int index = 0;
        while (true) {
            byte[] c = s.read().get(10, TimeUnit.SECONDS);
            if (c == null) {
                break;
            }
            assertEquals((byte) index, c[0]);
            index++;
            total += c.length;
        }
        producer.join();
        assertEquals(100L * chunks, total);
        assertTrue(maxBuffered.get() <= 1024 + 100, "buffered " + maxBuffered.get());
    }
}

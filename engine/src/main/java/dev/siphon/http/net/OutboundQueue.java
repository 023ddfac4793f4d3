package dev.siphon.http.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;

/**
 * Bytes waiting to be written on one connection, in order. Small writes (response heads, small
 * bodies) are packed into a pooled tail buffer; large bodies are queued as they are, without a
 * copy, and written with one gathering write. Loop thread only.
 */
public final class OutboundQueue {
    /** Bodies up to this size are copied into the tail so a small response is one write. */
    private static final int COPY_THRESHOLD = 4096;
    private static final int MAX_GATHER = 64;

    private record Segment(ByteBuffer buffer, boolean pooled) {}

    private final BufferPool pool;
    private final ArrayDeque<Segment> sealed = new ArrayDeque<>(2); // grows with what is queued
    private ByteBuffer tail; // write mode
    private boolean tailPooled;
    private long queuedBytes;

    public OutboundQueue(BufferPool pool) {
        this.pool = pool;
    }

    /** A buffer in write mode with at least {@code n} bytes free; valid until the next call. */
    public ByteBuffer reserve(int n) {
        if (tail != null && tail.remaining() >= n) {
            return tail;
        }
        sealTail();
        tailPooled = n <= pool.bufferSize();
        tail = tailPooled ? pool.acquire() : ByteBuffer.allocate(n); // an oversized head: unpooled
        return tail;
    }

    /** Appends bytes, copying small ones into the tail and queueing large ones as they are. */
    public void add(byte[] bytes, int off, int len) {
        if (len == 0) {
            return;
        }
        if (len <= COPY_THRESHOLD) {
            reserve(len).put(bytes, off, len);
        } else {
            sealTail();
            sealed.addLast(new Segment(ByteBuffer.wrap(bytes, off, len), false));
            queuedBytes += len;
        }
    }

    public void add(byte[] bytes) {
        add(bytes, 0, bytes.length);
    }

    private void sealTail() {
        if (tail == null) {
            return;
        }
        if (tail.position() == 0) {
            if (tailPooled) {
                pool.release(tail);
            }
        } else {
            tail.flip();
            queuedBytes += tail.remaining();
            sealed.addLast(new Segment(tail, tailPooled));
        }
        tail = null;
    }

    public boolean isEmpty() {
        return sealed.isEmpty() && (tail == null || tail.position() == 0);
    }

    /** Bytes queued and not yet written (the tail counts once sealed). */
    public long pendingBytes() {
        return queuedBytes + (tail == null ? 0 : tail.position());
    }

    /**
     * Writes as much as the socket takes.
     *
     * @return true when everything was written
     */
    public boolean flush(GatheringByteChannel ch) throws IOException {
        sealTail();
        ByteBuffer[] gather = pool.gatherArray(MAX_GATHER); // the loop's, emptied again below
        while (!sealed.isEmpty()) {
            int n = 0;
            for (Segment s : sealed) {
                gather[n++] = s.buffer;
                if (n == MAX_GATHER) {
                    break;
                }
            }
            long written;
            boolean tookAll;
            try {
                written = n == 1 ? ch.write(gather[0]) : ch.write(gather, 0, n);
                tookAll = !gather[n - 1].hasRemaining();
            } finally {
                java.util.Arrays.fill(gather, 0, n, null);
            }
            queuedBytes -= written;
            while (!sealed.isEmpty() && !sealed.peekFirst().buffer.hasRemaining()) {
                Segment done = sealed.pollFirst();
                if (done.pooled) {
                    pool.release(done.buffer);
                }
            }
            if (!tookAll) {
                return false; // the socket's send buffer is full
            }
        }
        return true;
    }

    /** Releases every pooled buffer; what was not written is dropped. */
    public void discard() {
        sealTail();
        for (Segment s : sealed) {
            if (s.pooled) {
                pool.release(s.buffer);
            }
        }
        sealed.clear();
        queuedBytes = 0;
    }
}

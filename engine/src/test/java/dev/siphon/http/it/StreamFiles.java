package dev.siphon.http.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

/** Large bodies on disk for the streaming tests, their checksums, and a producer of a known body. */
final class StreamFiles {
    private StreamFiles() {}

    /** A file of {@code size} octets of one seeded random MiB, repeated. */
    static Path file(Path dir, long size) throws IOException {
        Path f = dir.resolve("upload-" + size + ".bin");
        byte[] block = new byte[1 << 20];
        new Random(42).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long written = 0; written < size; written += block.length) {
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
        return f;
    }

    /** The file's CRC-32, in hex. */
    static String crcOf(Path f) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(f)) {
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                crc.update(b, 0, n);
            }
        }
        return Long.toHexString(crc.getValue());
    }

    /**
     * Writes {@code total} octets of {@code offset % 251} into {@code body} in 16 KiB chunks,
     * each when there is room; fails the body after 100 KB when asked. {@code produced} follows
     * what was written, {@code stopped} gets what ended it early (the reader's cancel), {@code
     * done} is counted down at the end.
     */
    static void produce(dev.siphon.http.BodyStream body, long total, boolean fail, AtomicLong produced,
                        AtomicReference<Throwable> stopped, CountDownLatch done) {
        try {
            long sent = 0;
            while (sent < total) {
                int n = (int) Math.min(16 * 1024, total - sent);
                byte[] c = new byte[n];
                for (int i = 0; i < n; i++) {
                    c[i] = (byte) ((sent + i) % 251);
                }
                if (fail && sent >= 100_000) {
                    body.fail(new IOException("the producer broke"));
                    return;
                }
                body.write(c).get(30, TimeUnit.SECONDS);
                sent += n;
                produced.set(sent);
            }
            body.end();
        } catch (Exception e) {
            stopped.set(e.getCause() != null ? e.getCause() : e);
        } finally {
            done.countDown();
        }
    }
}

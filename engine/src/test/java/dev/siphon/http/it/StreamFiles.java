package dev.siphon.http.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;

/** Large bodies on disk for the streaming tests, and their checksums. */
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
}

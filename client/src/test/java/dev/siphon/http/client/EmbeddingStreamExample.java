package dev.siphon.http.client;

import dev.siphon.http.BodyStream;
import java.io.OutputStream;
import java.util.Map;

/** The streaming example of docs/embedding.md, compiled and run by {@link ClientDocsExampleTest}. */
final class EmbeddingStreamExample {
    private EmbeddingStreamExample() {}

    /** PUTs {@code size} octets produced as they go out, and copies the answer's body to {@code out} as it comes. */
    static long putAndCopy(HttpClient client, String path, long size, OutputStream out) throws Exception {
        // --- example: start ---
        BodyStream upload = new BodyStream();                // the client reads it as the socket takes it
        Thread.ofVirtual().start(() -> {
            for (long sent = 0; sent < size; sent += 65_536) {
                upload.write(new byte[(int) Math.min(65_536, size - sent)]).join();   // waits while full
            }
            upload.end();
        });
        StreamingResponse r = client.sendStreaming("PUT", path, Map.of(), upload, BodyStream.DEFAULT_WINDOW)
                .join();                                     // the head; the body follows
        long got = 0;
        for (byte[] chunk; (chunk = r.body().read().join()) != null; ) {
            out.write(chunk);                                // the socket is read at this pace
            got += chunk.length;
        }
        return got;
        // --- example: end ---
    }
}

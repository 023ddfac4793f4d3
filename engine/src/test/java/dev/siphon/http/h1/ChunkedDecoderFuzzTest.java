package dev.siphon.http.h1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.siphon.http.SplitInput;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.internal.RequestError;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Fuzzes {@link ChunkedDecoder} (RFC 9112 §7.1) with a body arriving in the pieces a
 * {@link SplitInput} chooses, each piece in an exact-length buffer. Options pick the body cap
 * (1 MiB or 64 octets) and the trailer limit (16 KiB or 8 octets). Corpus:
 * {@code ChunkedDecoderFuzzTestInputs/decode}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>only {@link RequestError} is thrown (400, 413 or 431);</li>
 *   <li>whole and split give the same body, the same end and the same error;</li>
 *   <li>a decoder that is done consumed exactly the chunked body, whose chunk sizes, read by a
 *       plain reference parser, add up to the body's length, with the same data; the bytes after
 *       it are never consumed;</li>
 *   <li>the body never exceeds its cap.</li>
 * </ul>
 */
class ChunkedDecoderFuzzTest {

    private record Outcome(byte[] body, int consumed, boolean done, int status) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && Arrays.equals(body, x.body) && consumed == x.consumed && done == x.done
                    && status == x.status;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(body), consumed, done, status);
        }

        @Override
        public String toString() {
            return "body " + body.length + " consumed " + consumed + " done " + done + " status " + status;
        }
    }

    @FuzzTest(maxDuration = "10m")
    @DictionaryFile(resourcePath = "http1.dict")
    void decode(byte[] input) {
        SplitInput in = SplitInput.of(input);
        long cap = in.option(0) ? 64 : 1 << 20;
        int maxTrailer = in.option(1) ? 8 : 16384;
        byte[] payload = in.payload();
        Outcome whole = run(payload, new int[] {payload.length}, cap, maxTrailer);
        Outcome split = run(payload, in.cuts(), cap, maxTrailer);
        assertEquals(whole, split, "whole and split");
        assertTrue(whole.body().length <= cap, "body within its cap");
        if (whole.done()) {
            byte[] reference = Reference.body(payload, whole.consumed());
            assertArrayEquals(reference, whole.body(), "the body is the data of the chunks, sizes adding up");
        }
    }

    private static Outcome run(byte[] payload, int[] cuts, long cap, int maxTrailer) {
        ChunkedDecoder decoder = new ChunkedDecoder(maxTrailer);
        BodyBuffer body = BodyBuffer.growable(cap);
        int consumed = 0;
        int from = 0;
        try {
            for (int cut : cuts) {
                byte[] piece = Arrays.copyOfRange(payload, from, cut);
                from = cut;
                int p = decoder.decode(piece, 0, piece.length, body);
                assertTrue(p >= 0 && p <= piece.length, "consumed within the piece");
                consumed += p;
                if (decoder.done()) {
                    break; // the rest belongs to the next request
                }
                assertEquals(piece.length, p, "stops early only when done");
            }
        } catch (CodecException c) {
            RequestError e = RequestError.of(c); // the server's answer
            assertTrue(e.status() == 400 || e.status() == 413 || e.status() == 431, "status " + e.status());
            return new Outcome(new byte[0], -1, false, e.status());
        }
        return new Outcome(body.toArray(), consumed, decoder.done(), 0);
    }

    /** A plain, lenient reading of a complete chunked body: chunk-size [ext] CRLF data CRLF ... 0 ... CRLF. */
    private static final class Reference {
        static byte[] body(byte[] b, int length) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int p = 0;
            while (true) {
                long size = 0;
                int digits = 0;
                while (Character.digit(b[p], 16) >= 0) {
                    size = size * 16 + Character.digit(b[p++], 16);
                    digits++;
                }
                assertTrue(digits > 0, "a chunk starts with its size");
                p = lineEnd(b, p);
                if (size == 0) {
                    break;
                }
                out.write(b, p, (int) size);
                p += (int) size;
                assertTrue(b[p] == '\r' && b[p + 1] == '\n', "CRLF after chunk data");
                p += 2;
            }
            while (b[p] != '\r') { // trailer field lines
                p = lineEnd(b, p);
            }
            assertEquals('\n', b[p + 1]);
            assertEquals(length, p + 2, "the decoder stopped at the final CRLF");
            return out.toByteArray();
        }

        /** Just past the next CRLF: neither an extension nor a trailer holds a CR of its own. */
        private static int lineEnd(byte[] b, int p) {
            while (b[p] != '\r') {
                p++;
            }
            assertEquals('\n', b[p + 1], "CRLF");
            return p + 2;
        }
    }
}

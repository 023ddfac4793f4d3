package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link HpackDecoder} with sequences of header blocks on one connection (RFC 7541). The
 * input is {@code [settings] ([length] block)*}: the settings octet picks the table size, the
 * header list limit and a point where our SETTINGS_HEADER_TABLE_SIZE drops; each block is at most
 * 255 octets. The corpus (seeds from RFC 7541 Appendix C and the hpack-test-case stories) is in
 * {@code HpackDecoderFuzzTestInputs/decode}; {@code bin/fuzz-seeds} writes the seeds.
 *
 * <p>Invariants, checked after every block:
 * <ul>
 *   <li>only {@link HpackException} is thrown; after a COMPRESSION_ERROR nothing more is decoded
 *       (the connection would close);</li>
 *   <li>dynamic table size ≤ its capacity ≤ our SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §4.2);</li>
 *   <li>a decoded list stays within SETTINGS_MAX_HEADER_LIST_SIZE (name + value + 32 per field),
 *       also the part delivered before HEADER_LIST_TOO_LARGE, and every string is octets;</li>
 *   <li>the byte-array and the direct-buffer entry points agree field for field, outcome for
 *       outcome, table size for table size;</li>
 *   <li>a decoded list re-encoded by {@link HpackEncoder} decodes to the same list, and a field
 *       that came never-indexed stays never-indexed (RFC 7541 §7.1.3).</li>
 * </ul>
 */
class HpackDecoderFuzzTest {
    private static final int[] TABLE_SIZES = {4096, 0, 256, 65536};
    private static final int[] LIST_SIZES = {16384, 64, 1024, 1 << 20};

    private record Field(String name, String value, boolean sensitive) {}

    private static final class Sink implements HpackDecoder.Sink {
        final List<Field> fields = new ArrayList<>();

        @Override
        public void header(String name, String value, boolean sensitive) {
            fields.add(new Field(name, value, sensitive));
        }
    }

    /** The outcome of one block: its fields, and the failure's kind or null. */
    private record Outcome(List<Field> fields, HpackException.Kind failure, int tableSize) {}

    @FuzzTest(maxDuration = "10m")
    void decode(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int settings = input[0] & 0xFF;
        int tableSize = TABLE_SIZES[settings & 3];
        int listSize = LIST_SIZES[(settings >> 2) & 3];
        int lowerAfter = (settings >> 4) & 3; // 0: never; else after that many blocks, halve the setting
        HpackDecoder heap = new HpackDecoder(tableSize, listSize);
        HpackDecoder direct = new HpackDecoder(tableSize, listSize);
        HpackEncoder reEncoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
        HpackDecoder reDecoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, Integer.MAX_VALUE);
        int setting = tableSize;
        int p = 1;
        for (int block = 1; p < input.length; block++) {
            int length = Math.min(input[p] & 0xFF, input.length - p - 1);
            int off = p + 1;
            p = off + length;

            // An exact-length copy: a read past the block throws instead of passing by luck.
            byte[] exact = java.util.Arrays.copyOfRange(input, off, off + length);
            Outcome a = decode(heap, exact, null);
            ByteBuffer buffer = ByteBuffer.allocateDirect(length).put(exact).flip();
            Outcome b = decode(direct, null, buffer);
            assertEquals(a, b, "byte[] and direct ByteBuffer decode block " + block + " alike");
            assertEquals(buffer.limit(), buffer.position(), "the whole block is consumed");

            long listed = 0;
            for (Field f : a.fields()) {
                listed += f.name().length() + f.value().length() + 32;
                assertOctets(f.name());
                assertOctets(f.value());
            }
            assertTrue(listed <= listSize, "delivered list " + listed + " within " + listSize);
            if (a.failure() == HpackException.Kind.COMPRESSION_ERROR) {
                return; // the connection closes: the state is undefined from here on
            }
            assertTrue(heap.dynamicTableSize() <= heap.dynamicTableCapacity(), "table size within capacity");
            assertTrue(heap.dynamicTableCapacity() <= setting, "capacity within SETTINGS_HEADER_TABLE_SIZE");
            if (a.failure() == null) {
                assertRoundTrip(a.fields(), reEncoder, reDecoder);
            }
            if (block == lowerAfter && setting > 0) {
                setting /= 2; // our new setting was acknowledged: the next block must shrink the table
                heap.setMaxTableSize(setting);
                direct.setMaxTableSize(setting);
            }
        }
    }

    private static Outcome decode(HpackDecoder decoder, byte[] block, ByteBuffer buffer) {
        Sink sink = new Sink();
        HpackException.Kind failure = null;
        try {
            if (block != null) {
                decoder.decode(block, 0, block.length, sink);
            } else {
                decoder.decode(buffer, sink);
            }
        } catch (HpackException e) {
            failure = e.kind();
        }
        return new Outcome(sink.fields, failure, decoder.dynamicTableSize());
    }

    private static void assertOctets(String s) {
        for (int i = 0; i < s.length(); i++) {
            assertTrue(s.charAt(i) <= 0xFF, "a decoded string holds octets");
        }
    }

    private static void assertRoundTrip(List<Field> fields, HpackEncoder encoder, HpackDecoder decoder) {
        int capacity = 16;
        for (Field f : fields) {
            capacity += HpackEncoder.maxEncodedLength(f.name(), f.value());
        }
        ByteBuffer out = ByteBuffer.allocate(capacity);
        encoder.beginBlock(out);
        for (Field f : fields) {
            encoder.encode(f.name(), f.value(), f.sensitive(), out);
        }
        out.flip();
        Sink sink = new Sink();
        try {
            decoder.decode(out, sink);
        } catch (HpackException e) {
            throw new AssertionError("our own encoding does not decode: " + e.getMessage(), e);
        }
        assertEquals(fields.size(), sink.fields.size(), "re-encoded field count");
        for (int i = 0; i < fields.size(); i++) {
            Field in = fields.get(i);
            Field back = sink.fields.get(i);
            assertEquals(in.name(), back.name(), "re-encoded name");
            assertEquals(in.value(), back.value(), "re-encoded value");
            assertTrue(!in.sensitive() || back.sensitive(), "never-indexed stays never-indexed");
        }
    }
}

package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The decoder's protections and contracts; each test names the rule it proves. */
class HpackDecoderTest {

    private final RecordingSink sink = new RecordingSink();

    // ---- header list size ------------------------------------------------------------------

    @Test
    void rejectsHeaderListOverLimitWhileDecoding() throws HpackException {
        // The "HPACK bomb": one 4 KB entry in the table, then a block of 8192 one-octet
        // references to it, which would expand to 33 MB.
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        Block first = new Block().literalIndexed("x", "v".repeat(4000)); // entry of 4033 octets
        decoder.decode(first.buffer(), sink);
        sink.clear();

        byte[] bomb = new byte[8192];
        Arrays.fill(bomb, (byte) 0xbe); // indexed field 62: the newest dynamic entry
        HpackException e = assertThrows(HpackException.class, () -> decoder.decode(ByteBuffer.wrap(bomb), sink));
        assertEquals(HpackException.Kind.HEADER_LIST_TOO_LARGE, e.kind());
        assertFalse(e.isConnectionError());
        // Delivery stopped at the limit: 4 × 4033 ≤ 16384 < 5 × 4033.
        assertEquals(4, sink.size());
    }

    @Test
    void hpackBombOfLiteralsStopsBuildingStringsAtTheLimit() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        Block block = new Block();
        for (int i = 0; i < 100; i++) {
            block.literalWithout("x-filler", "y".repeat(1000));
        }
        HpackException e = assertThrows(HpackException.class, () -> decoder.decode(block.buffer(), sink));
        assertEquals(HpackException.Kind.HEADER_LIST_TOO_LARGE, e.kind());
        assertEquals(16384 / (8 + 1000 + 32), sink.size());
    }

    @Test
    void headerListLimitCountsNameValueAndThirtyTwo() throws HpackException {
        // ":method: GET" is 7 + 3 + 32 = 42 octets.
        new HpackDecoder(4096, 42).decode(ByteBuffer.wrap(new byte[] {(byte) 0x82}), sink);
        assertEquals(1, sink.size());
        HpackException e = assertThrows(HpackException.class,
                () -> new HpackDecoder(4096, 41).decode(ByteBuffer.wrap(new byte[] {(byte) 0x82}), sink));
        assertEquals(HpackException.Kind.HEADER_LIST_TOO_LARGE, e.kind());
    }

    @Test
    void keepsTableInStepAfterHeaderListTooLarge() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 100);
        Block block = new Block().literalWithout("big", "z".repeat(200)).literalIndexed("after", "limit");
        HpackException e = assertThrows(HpackException.class, () -> decoder.decode(block.buffer(), sink));
        assertEquals(HpackException.Kind.HEADER_LIST_TOO_LARGE, e.kind());
        assertEquals(0, sink.size());
        // The indexed literal after the limit still went into the table, as the peer expects.
        decoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0xbe}), sink);
        assertEquals(List.of("after: limit"), sink.lines());
    }

    @Test
    void oversizedHuffmanLiteralIsValidatedButNotStored() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.decode(new Block().literalIndexed("keep", "me").buffer(), sink);
        // 20 000 octets of Huffman-coded value: longer than both limits, so it cannot be
        // delivered or indexed; the table is emptied (§4.4) and the list refused.
        Block huge = new Block().literalIndexedHuffman("x-huge", "a".repeat(20_000));
        HpackException e = assertThrows(HpackException.class, () -> decoder.decode(huge.buffer(), sink));
        assertEquals(HpackException.Kind.HEADER_LIST_TOO_LARGE, e.kind());
        assertEquals(0, decoder.dynamicTableSize());
    }

    // ---- integers ------------------------------------------------------------------------

    @Test
    void rejectsIntegerOverflow() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        // 2^31 - 1 with a 7-bit prefix is accepted by the integer reader ...
        assertEquals(Integer.MAX_VALUE, decoder.decodeInteger(integer(7, Integer.MAX_VALUE), 7));
        // ... 2^31 is not.
        assertCompressionError(decoder, Hex.decode("ff 81 ff ff ff 07"));
        assertCompressionError(decoder, Hex.decode("ff ff ff ff ff 0f"));
        // As an index it is out of range anyway; as a string length it is longer than the block.
        assertCompressionError(decoder, integer(7, Integer.MAX_VALUE, 0x80));
    }

    @Test
    void rejectsIntegerWithMoreThanFiveContinuationOctets() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertEquals(127, decoder.decodeInteger(Hex.decode("7f 80 80 80 80 00"), 7));
        assertThrows(HpackException.class, () -> decoder.decodeInteger(Hex.decode("7f 80 80 80 80 80 00"), 7));
        // The same padded integer as a block: index 2 spelt with six continuation octets.
        assertCompressionError(decoder, Hex.decode("ff 83 80 80 80 80 00"));
    }

    @Test
    void rejectsIntegerCutShort() {
        assertCompressionError(new HpackDecoder(4096, 16384), Hex.decode("ff 80"));
    }

    // ---- dynamic table size updates ----------------------------------------------------

    @Test
    void rejectsTableSizeUpdateAboveSetting() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, integer(5, 4097, 0x20));
    }

    @Test
    void acceptsTableSizeUpdatesUpToSettingAtBlockStart() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        Block block = new Block().sizeUpdate(0).sizeUpdate(4096).indexed(2);
        decoder.decode(block.buffer(), sink);
        assertEquals(List.of(":method: GET"), sink.lines());
        assertEquals(4096, decoder.dynamicTableCapacity());
    }

    @Test
    void rejectsTableSizeUpdateAfterField() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, new Block().indexed(2).sizeUpdate(100).bytes());
    }

    @Test
    void requiresTableSizeUpdateAfterSettingReduced() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.setMaxTableSize(100);
        assertCompressionError(decoder, new Block().indexed(2).bytes());

        HpackDecoder compliant = new HpackDecoder(4096, 16384);
        compliant.setMaxTableSize(100);
        compliant.decode(new Block().sizeUpdate(100).indexed(2).buffer(), sink);
        assertEquals(100, compliant.dynamicTableCapacity());
        // Once applied, later blocks need no update.
        compliant.decode(new Block().indexed(2).buffer(), sink);
    }

    /** RFC 7541 §4.2: the first block after the change, even an empty one (found by HpackDecoderFuzzTest). */
    @Test
    void requiresTableSizeUpdateInAnEmptyBlockAfterSettingReduced() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.setMaxTableSize(100);
        assertCompressionError(decoder, new byte[0]);
    }

    @Test
    void raisedSettingNeedsNoUpdateButAllowsLargerTable() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.setMaxTableSize(8192);
        decoder.decode(new Block().indexed(2).buffer(), sink);
        assertEquals(4096, decoder.dynamicTableCapacity());
        decoder.decode(new Block().sizeUpdate(8192).buffer(), sink);
        assertEquals(8192, decoder.dynamicTableCapacity());
    }

    @Test
    void evictsOnSizeUpdate() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        Block fill = new Block();
        for (int i = 0; i < 10; i++) {
            fill.literalIndexed("n" + i, "v"); // 35 octets each
        }
        decoder.decode(fill.buffer(), sink);
        assertEquals(350, decoder.dynamicTableSize());

        decoder.decode(new Block().sizeUpdate(70).buffer(), sink);
        assertEquals(70, decoder.dynamicTableSize());
        assertEquals("n9", decoder.table().name(1));
        assertEquals("n8", decoder.table().name(2));

        decoder.decode(new Block().sizeUpdate(0).buffer(), sink);
        assertEquals(0, decoder.dynamicTableSize());
        assertCompressionError(decoder, new Block().indexed(62).bytes());
    }

    @Test
    void entryLargerThanTableEmptiesItWithoutError() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(100, 16384);
        decoder.decode(new Block().literalIndexed("a", "1").literalIndexed("big", "x".repeat(80)).buffer(), sink);
        assertEquals(List.of("a: 1", "big: " + "x".repeat(80)), sink.lines());
        assertEquals(0, decoder.table().length());
    }

    // ---- indices -------------------------------------------------------------------------

    @Test
    void rejectsIndexZero() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, Hex.decode("80"));
    }

    @Test
    void rejectsIndexOutOfRange() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, Hex.decode("be"));            // 62 on an empty table
        assertCompressionError(decoder, Hex.decode("7e 01 61"));      // literal naming index 62
        assertCompressionError(decoder, Hex.decode("0f 2f 01 61"));   // literal without indexing, name 62
        decoder.decode(new Block().literalIndexed("k", "v").buffer(), sink);
        decoder.decode(ByteBuffer.wrap(Hex.decode("be")), sink);               // 62 now exists
        assertCompressionError(decoder, Hex.decode("bf"));            // 63 with one entry
    }

    // ---- strings -------------------------------------------------------------------------

    @Test
    void rejectsStringLongerThanBlock() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, Hex.decode("40 0a 61"));
        assertCompressionError(decoder, Hex.decode("41 03 61 62"));
        // A length of 2^31-1 is refused before any allocation.
        assertCompressionError(decoder, concat(Hex.decode("40"), integer(7, Integer.MAX_VALUE)));
        assertCompressionError(decoder, concat(Hex.decode("40"), integer(7, Integer.MAX_VALUE, 0x80)));
    }

    @Test
    void rejectsHuffmanEosAndBadPaddingInField() {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        assertCompressionError(decoder, Hex.decode("41 84 ff ff ff ff"));   // EOS
        assertCompressionError(decoder, Hex.decode("41 81 18"));            // padding 000
        assertCompressionError(decoder, Hex.decode("41 82 1f ff"));         // 11 bits of padding
    }

    // ---- representations and allocation contract -----------------------------------------

    @Test
    void returnsTableStringInstancesForIndexedFields() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.decode(new Block().indexed(2).literalIndexed("x-id", "42").indexed(62).buffer(), sink);
        assertSame(StaticTable.name(2), sink.names.get(0));
        assertSame(StaticTable.value(2), sink.values.get(0));
        assertSame(decoder.table().name(1), sink.names.get(2));
        assertSame(decoder.table().value(1), sink.values.get(2));
        assertSame(sink.values.get(1), sink.values.get(2));
    }

    @Test
    void marksNeverIndexedFieldsSensitive() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        decoder.decode(ByteBuffer.wrap(Hex.decode("1008 7061 7373 776f 7264 0673 6563 7265 74 82")), sink);
        assertEquals(List.of(true, false), sink.sensitive);
        assertEquals(0, decoder.table().length());
    }

    @Test
    void fieldOctetsAreLatin1Chars() throws HpackException {
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        // "é" in UTF-8 is c3 a9: two octets, two chars.
        decoder.decode(ByteBuffer.wrap(Hex.decode("00 01 78 02 c3 a9")), sink);
        assertEquals("\u00c3\u00a9", sink.values.get(0));
    }

    @Test
    void decodesDirectAndSlicedBuffersAndConsumesThem() throws HpackException {
        byte[] wire = Hex.decode("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length);
        direct.put(wire).flip();
        new HpackDecoder(4096, 16384).decode(direct, sink);
        assertFalse(direct.hasRemaining());

        byte[] padded = new byte[wire.length + 6];
        System.arraycopy(wire, 0, padded, 3, wire.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 3, wire.length).slice();
        new HpackDecoder(4096, 16384).decode(slice, sink);
        assertFalse(slice.hasRemaining());
        assertEquals(sink.lines().subList(0, 4), sink.lines().subList(4, 8));
    }

    // ---- robustness ----------------------------------------------------------------------

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void blockTruncatedAtEveryOctetIsCompressionErrorUnlessAtFieldBoundary() throws HpackException {
        Block block = new Block()
                .sizeUpdate(3000)
                .indexed(2)
                .literalIndexed(":authority", "www.example.com")
                .literalIndexedHuffman("custom-key", "custom-value")
                .literalWithout("x-raw", "r".repeat(200))
                .literalNever("authorization", "secret")
                .indexed(63)
                .literalIndexedHuffman("x-long", "L".repeat(300));
        byte[] wire = block.bytes();
        List<Integer> boundaries = block.boundaries;
        for (int cut = 0; cut <= wire.length; cut++) {
            HpackDecoder decoder = new HpackDecoder(4096, 65536);
            RecordingSink fields = new RecordingSink();
            ByteBuffer prefix = ByteBuffer.wrap(Arrays.copyOf(wire, cut));
            if (boundaries.contains(cut)) {
                decoder.decode(prefix, fields);
            } else {
                HpackException e = assertThrows(HpackException.class, () -> decoder.decode(prefix, fields),
                        "cut at " + cut);
                assertEquals(HpackException.Kind.COMPRESSION_ERROR, e.kind(), "cut at " + cut);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void randomInputOnlyEverThrowsHpackException() {
        Random random = new Random(9113);
        HpackDecoder decoder = new HpackDecoder(4096, 8192);
        byte[] seed = Hex.decode("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab");
        for (int i = 0; i < 50_000; i++) {
            byte[] block;
            if (random.nextBoolean()) {
                block = new byte[random.nextInt(48)];
                random.nextBytes(block);
            } else {
                block = seed.clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    block[random.nextInt(block.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                decoder.decode(ByteBuffer.wrap(block), sink);
            } catch (HpackException e) {
                if (e.isConnectionError()) {
                    decoder = new HpackDecoder(4096, 8192); // the connection would be gone
                }
            }
            sink.clear();
        }
        assertTrue(decoder.dynamicTableSize() <= 4096);
    }

    // ---- helpers -------------------------------------------------------------------------

    private static void assertCompressionError(HpackDecoder decoder, byte[] block) {
        HpackException e = assertThrows(HpackException.class,
                () -> decoder.decode(ByteBuffer.wrap(block), new RecordingSink()), Hex.encode(block));
        assertEquals(HpackException.Kind.COMPRESSION_ERROR, e.kind(), Hex.encode(block));
        assertTrue(e.isConnectionError());
    }

    private static byte[] integer(int prefixBits, int value) {
        return integer(prefixBits, value, (0xff << prefixBits) & 0xff);
    }

    private static byte[] integer(int prefixBits, int value, int flags) {
        ByteBuffer out = ByteBuffer.allocate(8);
        HpackEncoder.writeInteger(out, flags, prefixBits, value);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Builds blocks representation by representation, remembering where each one ends. */
    static final class Block {
        private final ByteBuffer out = ByteBuffer.allocate(1 << 18);
        final List<Integer> boundaries = new java.util.ArrayList<>(List.of(0));

        Block indexed(int index) {
            HpackEncoder.writeInteger(out, 0x80, 7, index);
            return mark();
        }

        Block sizeUpdate(int size) {
            HpackEncoder.writeInteger(out, 0x20, 5, size);
            return mark();
        }

        Block literalIndexed(String name, String value) {
            return literal(0x40, 6, name, value, false);
        }

        Block literalIndexedHuffman(String name, String value) {
            return literal(0x40, 6, name, value, true);
        }

        Block literalWithout(String name, String value) {
            return literal(0x00, 4, name, value, false);
        }

        Block literalNever(String name, String value) {
            return literal(0x10, 4, name, value, false);
        }

        private Block literal(int flags, int prefixBits, String name, String value, boolean huffman) {
            HpackEncoder.writeInteger(out, flags, prefixBits, 0);
            string(name, huffman);
            string(value, huffman);
            return mark();
        }

        private void string(String s, boolean huffman) {
            if (huffman) {
                HpackEncoder.writeInteger(out, 0x80, 7, Huffman.encodedLength(s));
                Huffman.encode(s, out);
            } else {
                HpackEncoder.writeInteger(out, 0, 7, s.length());
                for (int i = 0; i < s.length(); i++) {
                    out.put((byte) s.charAt(i));
                }
            }
        }

        private Block mark() {
            boundaries.add(out.position());
            return this;
        }

        byte[] bytes() {
            return Arrays.copyOf(out.array(), out.position());
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes());
        }
    }
}

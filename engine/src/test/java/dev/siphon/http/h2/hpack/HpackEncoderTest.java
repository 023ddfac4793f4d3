package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The encoder's policy (see the class comment of {@link HpackEncoder}) and its contracts. */
class HpackEncoderTest {

    private final ByteBuffer out = ByteBuffer.allocate(1 << 16);

    @Test
    void encodesStaticStatusesAsOneOctet() {
        HpackEncoder encoder = new HpackEncoder(4096);
        int[] statuses = {200, 204, 206, 304, 400, 404, 500};
        for (int i = 0; i < statuses.length; i++) {
            out.clear();
            encoder.encodeStatus(statuses[i], out);
            assertEquals(Hex.encode(new byte[] {(byte) (0x88 + i)}), written());
        }
        assertEquals(0, encoder.dynamicTableSize());
    }

    @Test
    void indexesOtherStatusesAndReusesThem() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encodeStatus(302, out);
        assertEquals("48", written().substring(0, 2)); // §6.2.1 literal, static name 8 (:status)
        out.clear();
        encoder.encodeStatus(302, out);
        assertEquals("be", written());
        assertThrows(IllegalArgumentException.class, () -> encoder.encodeStatus(99, out));
        assertThrows(IllegalArgumentException.class, () -> encoder.encodeStatus(600, out));
    }

    @Test
    void sendsStaticFieldsAsIndexes() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode(":method", "GET", out);
        encoder.encode(":path", "/", out);
        encoder.encode("accept-encoding", "gzip, deflate", out);
        assertEquals("828490", written());
    }

    @Test
    void indexesReusableFieldsSoTheNextBlockSendsOneOctet() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode("content-type", "text/html; charset=utf-8", out);
        encoder.encode("server", "siphon", out);
        String first = written();
        assertTrue(first.startsWith("5f"), first); // §6.2.1 with static name 31
        out.clear();
        encoder.encode("content-type", "text/html; charset=utf-8", out);
        encoder.encode("server", "siphon", out);
        assertEquals("bfbe", written());
    }

    @Test
    void neverIndexesSensitiveFields() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode("authorization", "Bearer abcdefghijklmnopqrstuvwxyz0123456789", out);
        encoder.encode("proxy-authorization", "Basic Zm9vOmJhcg==", out);
        encoder.encode("cookie", "sid=123", out);           // short: guessable
        encoder.encode("set-cookie", "a=b", out);
        encoder.encode("x-api-key", "k", true, out);        // caller-marked
        assertEquals(0, encoder.dynamicTableSize());
        RecordingSink sink = decode(new HpackDecoder(4096, 1 << 16));
        assertEquals(List.of(true, true, true, true, true), sink.sensitive);
    }

    @Test
    void aOneOffValueKeepsItsNameInTheTableAndItselfOut() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        encoder.encodeUnindexed("x-request-id", "3f9a0c1d2e4b5a69-1", out);
        int first = out.position();
        int size = encoder.dynamicTableSize();
        assertEquals(DynamicTable.entrySize("x-request-id", "3f9a0c1d2e4b5a69-1"), size, "the first adds the name");
        RecordingSink one = decode(decoder);
        assertEquals(List.of("3f9a0c1d2e4b5a69-1"), one.values);
        for (int i = 2; i < 5; i++) {
            encoder.encodeUnindexed("x-request-id", "3f9a0c1d2e4b5a69-" + i, out);
            // name index 62 after a 4-bit prefix is two octets, then the length octet and the raw value
            assertEquals(3 + "3f9a0c1d2e4b5a69-1".length(), out.position(), "an indexed name and the raw value");
            assertTrue(out.position() < first);
            RecordingSink sink = decode(decoder);
            assertEquals(List.of("x-request-id"), sink.names);
            assertEquals(List.of("3f9a0c1d2e4b5a69-" + i), sink.values);
            assertEquals(size, encoder.dynamicTableSize(), "later values stay out of the table");
        }
        assertThrows(IllegalArgumentException.class, () -> encoder.encodeUnindexed("x-request-id", "\u0100", out));
    }

    @Test
    void longCookieIsIndexedLongSetCookieIsNot() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        String cookie = "session=0123456789abcdef0123456789abcdef";
        encoder.encode("cookie", cookie, out);
        encoder.encode("set-cookie", cookie + "; Path=/; HttpOnly", out);
        assertEquals(DynamicTable.entrySize("cookie", cookie), encoder.dynamicTableSize());
        RecordingSink sink = decode(new HpackDecoder(4096, 1 << 16));
        assertEquals(List.of(false, false), sink.sensitive);
    }

    @Test
    void doesNotIndexFieldsWhoseValuesRarelyRepeat() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode("content-length", "1234", out);
        encoder.encode("etag", "\"abc\"", out);
        encoder.encode("last-modified", "Tue, 15 Nov 1994 12:45:26 GMT", out);
        encoder.encode("age", "10", out);
        assertEquals(0, encoder.dynamicTableSize());
        assertEquals(0x0f, out.get(0) & 0xff); // §6.2.2, name index 28 needs a continuation
    }

    @Test
    void doesNotIndexFieldLargerThanHalfTheTable() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode("x-big", "b".repeat(2100), out);
        assertEquals(0, encoder.dynamicTableSize());
        encoder.encode("x-small", "s".repeat(100), out);
        assertEquals(DynamicTable.entrySize("x-small", "s".repeat(100)), encoder.dynamicTableSize());
    }

    @Test
    void usesDynamicNameIndexForNewValueOfKnownCustomName() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode("x-request-id", "1", out);
        out.clear();
        encoder.encode("x-request-id", "2", out);
        assertEquals("7e0132", written()); // §6.2.1 name index 62, raw "2"
    }

    @Test
    void usesHuffmanOnlyWhenShorter() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.encode(":authority", "www.example.com", out);
        assertEquals("418cf1e3c2e5f23a6ba0ab90f4ff", written()); // RFC 7541 C.4.1
        out.clear();
        encoder.encode("x-bin", "\u00ff\u00fe", false, out);
        // Huffman would take 52 bits = 7 octets > 2: raw.
        assertTrue(written().endsWith("02fffe"), written());
    }

    @Test
    void emitsTableSizeUpdateAtStartOfNextBlockAfterSettingChange() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        encoder.beginBlock(out);
        encoder.encode("x-a", "1", out);
        decode(decoder);

        encoder.setMaxTableSize(1024);
        decoder.setMaxTableSize(1024);
        out.clear();
        encoder.beginBlock(out);
        assertEquals("3fe107", written()); // §6.3: 1024 = 31 + 993
        encoder.encode("x-a", "1", out);
        decode(decoder);
        assertEquals(1024, decoder.dynamicTableCapacity());
        assertEquals(encoder.dynamicTableSize(), decoder.dynamicTableSize());
    }

    @Test
    void signalsSmallestThenFinalSizeWhenSettingChangedTwice() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.beginBlock(out);
        encoder.encode("x-a", "1", out);
        encoder.setMaxTableSize(0);
        encoder.setMaxTableSize(2048);
        out.clear();
        encoder.beginBlock(out);
        assertEquals("20" + "3fe10f", written()); // §4.2: 0, then 2048 = 31 + 2017
        assertEquals(0, encoder.dynamicTableSize()); // the 0 emptied the table
        assertEquals(2048, encoder.dynamicTableCapacity());
    }

    @Test
    void ownLimitCapsTableBelowPeerSetting() {
        HpackEncoder encoder = new HpackEncoder(65536, 4096);
        assertThrows(IllegalStateException.class, () -> encoder.encode("x", "y", out));
        encoder.beginBlock(out);
        assertEquals("3fe11f", written()); // 4096
        encoder.setMaxTableSize(1 << 20);
        out.clear();
        encoder.beginBlock(out);
        assertEquals("3fe11f", written()); // still 4096, re-signalled after the change
        assertEquals(4096, encoder.dynamicTableCapacity());
    }

    @Test
    void requiresBeginBlockWhileSizeUpdatePending() {
        HpackEncoder encoder = new HpackEncoder(4096);
        encoder.setMaxTableSize(100);
        assertThrows(IllegalStateException.class, () -> encoder.encode("x", "y", out));
        assertThrows(IllegalStateException.class, () -> encoder.encodeStatus(200, out));
        encoder.beginBlock(out);
        encoder.encodeStatus(200, out);
    }

    @Test
    void overflowChangesNothingAndCanBeRetried() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        ByteBuffer small = ByteBuffer.allocate(10);
        assertThrows(BufferOverflowException.class, () -> encoder.encode("x-custom", "value-value", small));
        assertEquals(0, small.position());
        assertEquals(0, encoder.dynamicTableSize());
        ByteBuffer empty = ByteBuffer.allocate(0);
        assertThrows(BufferOverflowException.class, () -> encoder.encodeStatus(200, empty));

        encoder.encode("x-custom", "value-value", out);
        RecordingSink sink = decode(new HpackDecoder(4096, 1 << 16));
        assertEquals(List.of("x-custom: value-value"), sink.lines());
    }

    @Test
    void rejectsCharsAboveLatin1BeforeWriting() {
        HpackEncoder encoder = new HpackEncoder(4096);
        assertThrows(IllegalArgumentException.class, () -> encoder.encode("x-name", "\u20ac", out));
        assertThrows(IllegalArgumentException.class, () -> encoder.encode("x-\u0100", "v", out));
        assertEquals(0, out.position());
        assertEquals(0, encoder.dynamicTableSize());
    }

    @Test
    void typicalResponseBlockIsSmallOnceWarm() throws HpackException {
        HpackEncoder encoder = new HpackEncoder(4096);
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        int[] sizes = new int[3];
        for (int round = 0; round < 3; round++) {
            out.clear();
            encoder.beginBlock(out);
            encoder.encodeStatus(200, out);
            encoder.encode("content-type", "application/json", out);
            encoder.encode("content-length", String.valueOf(100 + round), out);
            encoder.encode("date", "Sat, 22 Nov 2025 10:00:00 GMT", out);
            encoder.encode("server", "siphon", out);
            sizes[round] = out.position();
            RecordingSink sink = decode(decoder);
            assertEquals(5, sink.size());
        }
        // :status, content-type, date and server are one octet each; content-length is a
        // 5-octet literal (0f 0d, length, two octets of Huffman-coded "102").
        assertEquals(4 + 5, sizes[2], Arrays.toString(sizes));
    }

    @Test
    void randomHeaderListsRoundTripWithChangingTableSizes() throws HpackException {
        Random random = new Random(7540);
        HpackEncoder encoder = new HpackEncoder(4096);
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
        String[] names = {"content-type", "x-trace", "cookie", "date", ":path", "authorization", "x-a", "etag"};
        int[] settings = {4096, 0, 256, 1024, 64, 4096, 8192};
        for (int block = 0; block < 2000; block++) {
            if (random.nextInt(20) == 0) {
                int setting = settings[random.nextInt(settings.length)];
                encoder.setMaxTableSize(setting);
                decoder.setMaxTableSize(setting);
            }
            List<String> expected = new ArrayList<>();
            out.clear();
            encoder.beginBlock(out);
            for (int f = random.nextInt(12); f >= 0; f--) {
                String name = names[random.nextInt(names.length)];
                char[] value = new char[random.nextInt(random.nextBoolean() ? 8 : 60)];
                for (int i = 0; i < value.length; i++) {
                    value[i] = (char) (random.nextInt(4) == 0 ? random.nextInt(256) : 'a' + random.nextInt(3));
                }
                encoder.encode(name, new String(value), random.nextInt(10) == 0, out);
                expected.add(name + ": " + new String(value));
            }
            RecordingSink sink = decode(decoder);
            assertEquals(expected, sink.lines(), "block " + block);
            assertEquals(encoder.dynamicTableSize(), decoder.dynamicTableSize(), "block " + block);
            assertEquals(encoder.dynamicTableCapacity(), decoder.dynamicTableCapacity(), "block " + block);
        }
    }

    private String written() {
        return Hex.encode(Arrays.copyOf(out.array(), out.position()));
    }

    private RecordingSink decode(HpackDecoder decoder) throws HpackException {
        RecordingSink sink = new RecordingSink();
        decoder.decode(out.array(), 0, out.position(), sink);
        out.clear();
        return sink;
    }
}

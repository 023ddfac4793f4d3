package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 7541 §5.2 and Appendix B. */
class HuffmanTest {

    @Test
    void codesMatchAppendixB() {
        // (symbol, code as hex aligned to LSB, length) rows copied from RFC 7541 Appendix B,
        // spread over every code length so a wrong length in the table shows up.
        int[][] rows = {
            {0, 0x1ff8, 13}, {1, 0x7fffd8, 23}, {2, 0xfffffe2, 28}, {9, 0xffffea, 24},
            {10, 0x3ffffffc, 30}, {13, 0x3ffffffd, 30}, {22, 0x3ffffffe, 30}, {31, 0xffffffb, 28},
            {' ', 0x14, 6}, {'!', 0x3f8, 10}, {'#', 0xffa, 12}, {'&', 0xf8, 8}, {'\'', 0x7fa, 11},
            {'0', 0x0, 5}, {'2', 0x2, 5}, {'3', 0x19, 6}, {':', 0x5c, 7}, {'<', 0x7ffc, 15},
            {'?', 0x3fc, 10}, {'@', 0x1ffa, 13}, {'A', 0x21, 6}, {'W', 0x72, 7}, {'X', 0xfc, 8},
            {'Z', 0xfd, 8}, {'\\', 0x7fff0, 19}, {'^', 0x3ffc, 14}, {'_', 0x22, 6}, {'`', 0x7ffd, 15},
            {'a', 0x3, 5}, {'t', 0x9, 5}, {'z', 0x7b, 7}, {'{', 0x7ffe, 15}, {'|', 0x7fc, 11},
            {'}', 0x3ffd, 14}, {'~', 0x1ffd, 13}, {127, 0xffffffc, 28}, {128, 0xfffe6, 20},
            {129, 0x3fffd2, 22}, {142, 0xffffeb, 24}, {153, 0x1fffdc, 21}, {172, 0x1fffdf, 21},
            {192, 0x3ffffe0, 26}, {195, 0x7fff1, 19}, {199, 0x1ffffec, 25}, {203, 0x7ffffde, 27},
            {208, 0x7fff2, 19}, {220, 0xffffffd, 28}, {224, 0xfffec, 20}, {239, 0x7ffff4, 23},
            {249, 0xffffffe, 28}, {254, 0x7fffff0, 27}, {255, 0x3ffffee, 26}, {256, 0x3fffffff, 30},
        };
        for (int[] row : rows) {
            assertEquals(row[2], Huffman.codeLength(row[0]), "length of symbol " + row[0]);
            assertEquals(row[1], Huffman.code(row[0]), "code of symbol " + row[0]);
        }
    }

    @Test
    void roundTripsEveryByteValue() throws HpackException {
        StringBuilder all = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String one = String.valueOf((char) b);
            assertEquals(one, roundTrip(one), "byte " + b);
            assertEquals(one + one + one, roundTrip(one + one + one), "byte " + b + " x3");
            all.append((char) b);
        }
        assertEquals(all.toString(), roundTrip(all.toString()));
        assertEquals(all.reverse().toString(), roundTrip(all.toString()));
    }

    @Test
    void roundTripsRandomStrings() throws HpackException {
        Random random = new Random(7541);
        for (int i = 0; i < 5000; i++) {
            char[] chars = new char[random.nextInt(200)];
            boolean printable = random.nextBoolean();
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (printable ? 0x20 + random.nextInt(0x5f) : random.nextInt(256));
            }
            String s = new String(chars);
            assertEquals(s, roundTrip(s));
        }
    }

    @Test
    void encodedLengthIsTheOutputLength() {
        for (String s : new String[] {"", "a", "www.example.com", "no-cache", "custom-key", "\u00ff\u0000"}) {
            ByteBuffer out = ByteBuffer.allocate(64);
            Huffman.encode(s, out);
            assertEquals(out.position(), Huffman.encodedLength(s), s);
        }
        assertEquals(12, Huffman.encodedLength("www.example.com")); // RFC 7541 C.4.1
        assertEquals(-1, Huffman.encodedLength("caf\u00e9\u20ac"));
    }

    @Test
    void acceptsEmptyStringAndPaddingOfUpToSevenOnes() throws HpackException {
        assertEquals("", decode(new byte[0]));
        // 'a' is 00011; 111 pads the octet with the top bits of EOS.
        assertEquals("a", decode(new byte[] {0x1f}));
        // '0' '0' 'a' = 00000 00000 00011, then one padding 1-bit.
        assertEquals("00a", decode(new byte[] {0x00, 0x07}));
    }

    @Test
    void rejectsEosInString() {
        // EOS is thirty 1-bits: 0xff 0xff 0xff 0xff holds it.
        assertCompressionError(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        // 'a' then EOS.
        assertCompressionError(new byte[] {0x1f, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
    }

    @Test
    void rejectsPaddingLongerThanSevenBits() {
        assertCompressionError(new byte[] {(byte) 0xff});                 // 8 bits of padding alone
        assertCompressionError(new byte[] {0x1f, (byte) 0xff});           // 'a' + 11 bits of padding
        assertCompressionError(new byte[] {0x1f, (byte) 0xff, (byte) 0xff}); // 'a' + 19 bits of padding
    }

    @Test
    void rejectsPaddingThatIsNotAllOnes() {
        assertCompressionError(new byte[] {0x18}); // 'a' + 000
        assertCompressionError(new byte[] {0x1e}); // 'a' + 110
        assertCompressionError(new byte[] {0x1d}); // 'a' + 101
    }

    @Test
    void decodesPastTheStoreLimitWithoutWriting() throws HpackException {
        ByteBuffer out = ByteBuffer.allocate(64);
        Huffman.encode("www.example.com", out);
        byte[] encoded = Arrays.copyOf(out.array(), out.position());
        byte[] dst = new byte[4];
        assertEquals(15, Huffman.decode(encoded, 0, encoded.length, dst, 0, 4));
        assertArrayEquals("www.".getBytes(StandardCharsets.ISO_8859_1), dst);
    }

    private static String roundTrip(String s) throws HpackException {
        ByteBuffer out = ByteBuffer.allocate(Huffman.encodedLength(s));
        Huffman.encode(s, out);
        assertEquals(0, out.remaining(), "encodedLength must be exact");
        return decode(out.array());
    }

    private static String decode(byte[] encoded) throws HpackException {
        byte[] dst = new byte[(int) Huffman.maxDecodedLength(encoded.length)];
        int n = Huffman.decode(encoded, 0, encoded.length, dst, 0, dst.length);
        return new String(dst, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static void assertCompressionError(byte[] encoded) {
        HpackException e = assertThrows(HpackException.class, () -> decode(encoded), Hex.encode(encoded));
        assertEquals(HpackException.Kind.COMPRESSION_ERROR, e.kind());
    }
}

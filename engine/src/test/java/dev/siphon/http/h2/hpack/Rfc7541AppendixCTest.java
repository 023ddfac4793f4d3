package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every example of RFC 7541 Appendix C, from the data files in {@code hpack/rfc7541}: decoded
 * exactly (header list, dynamic table contents and size after each block), and re-encoded byte
 * for byte by the encoder's policy-free core with the RFC's choices (index every literal;
 * Huffman-code every string in C.4 and C.6, none in C.2, C.3 and C.5).
 */
class Rfc7541AppendixCTest {

    private static final String DIR = "/hpack/rfc7541/";

    @Test
    void integerRepresentationExamplesC1() throws HpackException {
        Map<String, Object> file = Json.object(Json.parse(TestData.read(DIR + "c1-integers.json")));
        for (Object c : Json.array(file.get("cases"))) {
            Map<String, Object> example = Json.object(c);
            int prefixBits = ((Long) example.get("prefixBits")).intValue();
            int value = ((Long) example.get("value")).intValue();
            byte[] wire = Hex.decode((String) example.get("wire"));
            String section = (String) example.get("section");

            assertEquals(value, new HpackDecoder(4096, 16384).decodeInteger(wire, prefixBits), section);
            ByteBuffer out = ByteBuffer.allocate(16);
            HpackEncoder.writeInteger(out, 0, prefixBits, value);
            assertEquals(Hex.encode(wire), Hex.encode(Arrays.copyOf(out.array(), out.position())), section);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c2-fields.json", "c3-requests.json", "c4-requests-huffman.json",
            "c5-responses.json", "c6-responses-huffman.json"})
    void decodesEveryBlockExactly(String fileName) throws HpackException {
        Map<String, Object> file = Json.object(Json.parse(TestData.read(DIR + fileName)));
        int tableSize = ((Long) file.get("tableSize")).intValue();
        boolean independent = Boolean.TRUE.equals(file.get("independent"));
        HpackDecoder decoder = new HpackDecoder(tableSize, Integer.MAX_VALUE);
        for (Object b : Json.array(file.get("blocks"))) {
            Map<String, Object> block = Json.object(b);
            String section = (String) block.get("section");
            if (independent) {
                decoder = new HpackDecoder(tableSize, Integer.MAX_VALUE);
            }
            RecordingSink sink = new RecordingSink();
            byte[] wire = Hex.decode((String) block.get("wire"));
            // Slice to the exact length so an over-read would fail.
            decoder.decode(ByteBuffer.wrap(wire.clone()).asReadOnlyBuffer(), sink);

            List<String> expected = new ArrayList<>();
            List<Boolean> expectedSensitive = new ArrayList<>();
            for (Object h : Json.array(block.get("headers"))) {
                List<Object> field = Json.array(h);
                expected.add(field.get(0) + ": " + field.get(1));
                expectedSensitive.add(field.size() > 2 && "sensitive".equals(field.get(2)));
            }
            assertEquals(expected, sink.lines(), section + " header list");
            assertEquals(expectedSensitive, sink.sensitive, section + " never-indexed marks");
            assertTable(block, decoder.table(), section);
            assertEquals(((Long) block.get("tableSize")).intValue(), decoder.dynamicTableSize(), section);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c2-fields.json", "c3-requests.json", "c4-requests-huffman.json",
            "c5-responses.json", "c6-responses-huffman.json"})
    void encodesEveryBlockByteForByte(String fileName) {
        Map<String, Object> file = Json.object(Json.parse(TestData.read(DIR + fileName)));
        int tableSize = ((Long) file.get("tableSize")).intValue();
        boolean independent = Boolean.TRUE.equals(file.get("independent"));
        HpackEncoder.HuffmanChoice huffman = Boolean.TRUE.equals(file.get("huffman"))
                ? HpackEncoder.HuffmanChoice.ALWAYS : HpackEncoder.HuffmanChoice.NEVER;
        HpackEncoder encoder = new HpackEncoder(tableSize);
        for (Object b : Json.array(file.get("blocks"))) {
            Map<String, Object> block = Json.object(b);
            String section = (String) block.get("section");
            if (independent) {
                encoder = new HpackEncoder(tableSize);
            }
            HpackEncoder.Indexing indexing = switch (String.valueOf(block.get("representation"))) {
                case "without" -> HpackEncoder.Indexing.WITHOUT;
                case "never" -> HpackEncoder.Indexing.NEVER;
                default -> HpackEncoder.Indexing.INCREMENTAL;
            };
            ByteBuffer out = ByteBuffer.allocate(1024);
            encoder.beginBlock(out);
            for (Object h : Json.array(block.get("headers"))) {
                List<Object> field = Json.array(h);
                encoder.encode((String) field.get(0), (String) field.get(1), indexing, huffman, out);
            }
            String wire = Hex.encode(Hex.decode((String) block.get("wire")));
            assertEquals(wire, Hex.encode(Arrays.copyOf(out.array(), out.position())), section);
            assertTable(block, encoder.table(), section);
            assertEquals(((Long) block.get("tableSize")).intValue(), encoder.dynamicTableSize(), section);
        }
    }

    private static void assertTable(Map<String, Object> block, DynamicTable table, String section) {
        List<String> expected = new ArrayList<>();
        for (Object e : Json.array(block.get("table"))) {
            List<Object> entry = Json.array(e);
            expected.add(entry.get(0) + ": " + entry.get(1));
        }
        List<String> actual = new ArrayList<>();
        for (int i = 1; i <= table.length(); i++) {
            actual.add(table.name(i) + ": " + table.value(i));
        }
        assertEquals(expected, actual, section + " dynamic table, newest first");
    }
}

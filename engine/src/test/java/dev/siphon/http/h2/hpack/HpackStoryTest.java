package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The hpack-test-case stories (github.com/http2jp/hpack-test-case, see the README next to them):
 * every case of every story decoded in order with one decoder per story, and the raw-data stories
 * round-tripped through this encoder and decoder.
 */
class HpackStoryTest {

    private static final String STORIES = "/hpack/stories";

    @TestFactory
    Stream<DynamicTest> decodesEveryEncodedStory() {
        List<Path> stories = TestData.jsonFiles(STORIES).stream()
                .filter(p -> !p.getParent().getFileName().toString().equals("raw-data"))
                .toList();
        assertTrue(stories.size() >= 40, "expected the copied stories, found " + stories.size());
        return stories.stream().map(story -> DynamicTest.dynamicTest(name(story), () -> decodeStory(story)));
    }

    @TestFactory
    Stream<DynamicTest> roundTripsRawDataStories() {
        List<Path> stories = TestData.jsonFiles(STORIES + "/raw-data");
        assertTrue(stories.size() >= 10, "expected raw-data stories, found " + stories.size());
        return stories.stream().flatMap(story -> Stream.of(
                DynamicTest.dynamicTest(name(story) + " at 4096", () -> roundTrip(story, new int[] {4096})),
                DynamicTest.dynamicTest(name(story) + " with changing table sizes",
                        () -> roundTrip(story, new int[] {4096, 256, 0, 1024, 65536, 100, 4096}))));
    }

    private static void decodeStory(Path story) throws HpackException {
        Map<String, Object> json = Json.object(Json.parse(TestData.read(story)));
        HpackDecoder decoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, Integer.MAX_VALUE);
        int decoded = 0;
        for (Object c : Json.array(json.get("cases"))) {
            Map<String, Object> testCase = Json.object(c);
            Object tableSize = testCase.get("header_table_size");
            if (tableSize != null) {
                // The setting was sent and acknowledged just before this case.
                decoder.setMaxTableSize(((Long) tableSize).intValue());
            }
            RecordingSink sink = new RecordingSink();
            decoder.decode(ByteBuffer.wrap(Hex.decode((String) testCase.get("wire"))), sink);
            assertEquals(expectedLines(testCase), sink.lines(), name(story) + " seqno " + testCase.get("seqno"));
            decoded++;
        }
        assertTrue(decoded > 0, name(story) + " has no cases");
    }

    /**
     * Encodes each case with {@link HpackEncoder#encode}, decodes it, and compares; the table
     * size setting cycles through {@code settings}, one change every 7 cases, on both sides.
     */
    private static void roundTrip(Path story, int[] settings) throws HpackException {
        Map<String, Object> json = Json.object(Json.parse(TestData.read(story)));
        HpackEncoder encoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
        HpackDecoder decoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, Integer.MAX_VALUE);
        ByteBuffer out = ByteBuffer.allocate(1 << 20);
        int n = 0;
        long rawOctets = 0;
        long encodedOctets = 0;
        for (Object c : Json.array(json.get("cases"))) {
            Map<String, Object> testCase = Json.object(c);
            if (settings.length > 1 && n % 7 == 6) {
                int setting = settings[(n / 7) % settings.length];
                encoder.setMaxTableSize(setting);
                decoder.setMaxTableSize(setting);
            }
            List<String> expected = expectedLines(testCase);
            out.clear();
            encoder.beginBlock(out);
            for (String line : expected) {
                int colon = line.indexOf(": ", 1);
                encoder.encode(line.substring(0, colon), line.substring(colon + 2), out);
                rawOctets += line.length();
            }
            encodedOctets += out.position();
            RecordingSink sink = new RecordingSink();
            decoder.decode(out.array(), 0, out.position(), sink);
            assertEquals(expected, sink.lines(), name(story) + " case " + n);
            assertEquals(encoder.dynamicTableSize(), decoder.dynamicTableSize(), name(story) + " case " + n);
            n++;
        }
        assertTrue(encodedOctets < rawOctets, "compression should shrink " + name(story));
    }

    /** The case's header list as "name: value", field octets as ISO-8859-1 chars. */
    private static List<String> expectedLines(Map<String, Object> testCase) {
        List<String> lines = new ArrayList<>();
        for (Object h : Json.array(testCase.get("headers"))) {
            for (Map.Entry<String, Object> field : Json.object(h).entrySet()) {
                lines.add(octets(field.getKey()) + ": " + octets((String) field.getValue()));
            }
        }
        return lines;
    }

    /** JSON text is Unicode; the wire carries its UTF-8 octets. */
    private static String octets(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static String name(Path story) {
        return story.getParent().getFileName() + "/" + story.getFileName();
    }
}

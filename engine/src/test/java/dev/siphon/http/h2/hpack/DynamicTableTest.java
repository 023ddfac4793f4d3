package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RFC 7541 §4: size accounting and eviction. */
class DynamicTableTest {

    @Test
    void countsNameValueAndThirtyTwoOctetsPerEntry() {
        DynamicTable table = new DynamicTable(4096);
        table.add("custom-key", "custom-header");
        assertEquals(55, table.size()); // RFC 7541 C.2.1
        table.add("", "");
        assertEquals(87, table.size());
        assertEquals(2, table.length());
    }

    @Test
    void newestEntryHasIndexOne() {
        DynamicTable table = new DynamicTable(4096);
        table.add("a", "1");
        table.add("b", "2");
        assertEquals("b", table.name(1));
        assertEquals("2", table.value(1));
        assertEquals("a", table.name(2));
    }

    @Test
    void evictsOldestEntriesToMakeRoom() {
        DynamicTable table = new DynamicTable(100);
        table.add("a", "1234567890"); // 43
        table.add("b", "1234567890"); // 86
        table.add("c", "1234567890"); // would be 129: "a" goes
        assertEquals(2, table.length());
        assertEquals(86, table.size());
        assertEquals("c", table.name(1));
        assertEquals("b", table.name(2));
    }

    @Test
    void entryLargerThanCapacityEmptiesTheTable() {
        DynamicTable table = new DynamicTable(100);
        table.add("a", "1");
        table.add("big", "x".repeat(70)); // 105 > 100: RFC 7541 §4.4
        assertEquals(0, table.length());
        assertEquals(0, table.size());
    }

    @Test
    void entryExactlyAsLargeAsCapacityFits() {
        DynamicTable table = new DynamicTable(100);
        table.add("a", "1");
        table.add("n", "x".repeat(67)); // 1 + 67 + 32 = 100
        assertEquals(1, table.length());
        assertEquals(100, table.size());
    }

    @Test
    void evictsOnCapacityReduction() {
        DynamicTable table = new DynamicTable(4096);
        for (int i = 0; i < 10; i++) {
            table.add("n" + i, "v"); // 35 octets each
        }
        table.setCapacity(100);
        assertEquals(2, table.length());
        assertEquals("n9", table.name(1));
        assertEquals("n8", table.name(2));
        table.setCapacity(0);
        assertEquals(0, table.length());
        assertEquals(0, table.size());
    }

    @Test
    void ringBufferKeepsOrderAcrossGrowthAndWrapAround() {
        DynamicTable table = new DynamicTable(40 * 34); // room for 40 entries of 34 octets
        for (int i = 0; i < 1000; i++) {
            table.add("k", String.valueOf((char) ('A' + i % 26))); // 1 + 1 + 32 = 34
            int expectedLength = Math.min(i + 1, 40);
            assertEquals(expectedLength, table.length());
            for (int j = 1; j <= expectedLength; j++) {
                assertEquals(String.valueOf((char) ('A' + (i - j + 1) % 26)), table.value(j));
            }
        }
        assertEquals(40 * 34, table.size());
    }
}

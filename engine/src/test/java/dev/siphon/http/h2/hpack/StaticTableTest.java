package dev.siphon.http.h2.hpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RFC 7541 Appendix A. */
class StaticTableTest {

    @Test
    void hasTheSixtyOneEntriesOfAppendixA() {
        assertEquals(61, StaticTable.LENGTH);
        assertEquals(":authority", StaticTable.name(1));
        assertEquals("", StaticTable.value(1));
        assertEquals(":method: GET", StaticTable.name(2) + ": " + StaticTable.value(2));
        assertEquals(":status: 500", StaticTable.name(14) + ": " + StaticTable.value(14));
        assertEquals("accept-encoding: gzip, deflate", StaticTable.name(16) + ": " + StaticTable.value(16));
        assertEquals("cookie", StaticTable.name(32));
        assertEquals("set-cookie", StaticTable.name(55));
        assertEquals("www-authenticate", StaticTable.name(61));
    }

    @Test
    void findsEveryEntryByNameAndValue() {
        for (int i = 1; i <= StaticTable.LENGTH; i++) {
            assertEquals(i, StaticTable.indexOf(StaticTable.name(i), StaticTable.value(i)), "entry " + i);
            int byName = StaticTable.indexOfName(new String(StaticTable.name(i))); // not the same instance
            assertEquals(StaticTable.name(i), StaticTable.name(byName));
            assertEquals(true, byName <= i);
        }
    }

    @Test
    void findsLowestIndexForSharedNamesAndNothingForUnknown() {
        assertEquals(8, StaticTable.indexOfName(":status"));
        assertEquals(11, StaticTable.indexOf(":status", "304"));
        assertEquals(0, StaticTable.indexOf(":status", "302"));
        assertEquals(0, StaticTable.indexOfName("x-custom"));
        assertEquals(0, StaticTable.indexOfName("Content-Type"));
        assertEquals(0, StaticTable.indexOf("x-custom", ""));
    }
}

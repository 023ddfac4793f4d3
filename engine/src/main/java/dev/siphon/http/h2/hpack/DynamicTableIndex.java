package dev.siphon.http.h2.hpack;

/**
 * The encoder's lookup index over its {@link DynamicTable}: finds the newest entry equal to a
 * field, or the newest entry with a name, in constant expected time.
 *
 * <p>It mirrors the table entry for entry: {@link #add} follows every {@link DynamicTable#add} and
 * {@link #evictTo} trims the oldest entries until both hold the same number, which works because
 * both evict strictly oldest first (RFC 7541 §4.4). Entries carry their insertion number, so the
 * HPACK dynamic index is the distance from the newest insertion. Runs on the encoder's thread
 * only.
 */
final class DynamicTableIndex {

    private static final int MAX_BUCKETS = 1 << 12;

    private static final class Entry {
        final String name;
        final String value;
        final int nameHash;
        final int fieldHash;
        final int insertion;
        Entry nextWithFieldHash;
        Entry nextWithNameHash;
        Entry newer;

        Entry(String name, String value, int nameHash, int fieldHash, int insertion) {
            this.name = name;
            this.value = value;
            this.nameHash = nameHash;
            this.fieldHash = fieldHash;
            this.insertion = insertion;
        }
    }

    private final Entry[] fieldBuckets;
    private final Entry[] nameBuckets;
    private final int mask;
    private Entry oldest;
    private Entry newest;
    private int length;
    private int insertions;

    /** @param capacityLimit the most octets the table will ever hold, to size the buckets */
    DynamicTableIndex(int capacityLimit) {
        int maxEntries = Math.max(1, capacityLimit / DynamicTable.ENTRY_OVERHEAD);
        int buckets = Math.min(MAX_BUCKETS, Integer.highestOneBit(maxEntries) * 2);
        buckets = Math.max(16, buckets);
        fieldBuckets = new Entry[buckets];
        nameBuckets = new Entry[buckets];
        mask = buckets - 1;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }

    private static int fieldHash(int nameHash, String value) {
        return spread(nameHash * 31 + value.hashCode());
    }

    /** Records a field just added to the table, then trims to the table's {@code tableLength}. */
    void add(String name, String value, int tableLength) {
        int nameHash = spread(name.hashCode());
        int fieldHash = fieldHash(name.hashCode(), value);
        Entry entry = new Entry(name, value, nameHash, fieldHash, ++insertions);
        int fieldBucket = fieldHash & mask;
        entry.nextWithFieldHash = fieldBuckets[fieldBucket];
        fieldBuckets[fieldBucket] = entry;
        int nameBucket = nameHash & mask;
        entry.nextWithNameHash = nameBuckets[nameBucket];
        nameBuckets[nameBucket] = entry;
        if (newest == null) {
            oldest = entry;
        } else {
            newest.newer = entry;
        }
        newest = entry;
        length++;
        evictTo(tableLength);
    }

    /** Drops the oldest entries until {@code tableLength} remain. */
    void evictTo(int tableLength) {
        while (length > tableLength) {
            Entry entry = oldest;
            unlinkField(entry);
            unlinkName(entry);
            oldest = entry.newer;
            if (oldest == null) {
                newest = null;
            }
            length--;
        }
    }

    private void unlinkField(Entry entry) {
        int bucket = entry.fieldHash & mask;
        Entry e = fieldBuckets[bucket];
        if (e == entry) {
            fieldBuckets[bucket] = entry.nextWithFieldHash;
            return;
        }
        while (e.nextWithFieldHash != entry) {
            e = e.nextWithFieldHash;
        }
        e.nextWithFieldHash = entry.nextWithFieldHash;
    }

    private void unlinkName(Entry entry) {
        int bucket = entry.nameHash & mask;
        Entry e = nameBuckets[bucket];
        if (e == entry) {
            nameBuckets[bucket] = entry.nextWithNameHash;
            return;
        }
        while (e.nextWithNameHash != entry) {
            e = e.nextWithNameHash;
        }
        e.nextWithNameHash = entry.nextWithNameHash;
    }

    /** Dynamic index (1 = newest) of the newest entry equal to {@code name: value}, or 0. */
    int indexOf(String name, String value) {
        int hash = fieldHash(name.hashCode(), value);
        for (Entry e = fieldBuckets[hash & mask]; e != null; e = e.nextWithFieldHash) {
            if (e.fieldHash == hash && e.name.equals(name) && e.value.equals(value)) {
                return insertions - e.insertion + 1;
            }
        }
        return 0;
    }

    /** Dynamic index (1 = newest) of the newest entry named {@code name}, or 0. */
    int indexOfName(String name) {
        int hash = spread(name.hashCode());
        for (Entry e = nameBuckets[hash & mask]; e != null; e = e.nextWithNameHash) {
            if (e.nameHash == hash && e.name.equals(name)) {
                return insertions - e.insertion + 1;
            }
        }
        return 0;
    }

    int length() {
        return length;
    }
}

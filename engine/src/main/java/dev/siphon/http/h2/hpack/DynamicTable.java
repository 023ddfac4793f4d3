package dev.siphon.http.h2.hpack;

/**
 * The dynamic table of RFC 7541 §2.3.2 and §4: a FIFO of header fields, newest first, bounded by
 * a size in octets.
 *
 * <p>Entries live in a ring buffer of parallel name/value arrays that grows by doubling up to the
 * most entries the capacity allows ({@code capacity / 32}). Index 1 is the newest entry, matching
 * the HPACK index {@code StaticTable.LENGTH + 1}. One instance belongs to one decoder or encoder
 * and is used only by the thread that runs it (the connection's event loop); it is not
 * thread-safe.
 */
final class DynamicTable {

    /** RFC 7541 §4.1: the size of an entry is its name and value lengths in octets plus 32. */
    static final int ENTRY_OVERHEAD = 32;

    private static final int INITIAL_SLOTS = 16;

    private String[] names = new String[INITIAL_SLOTS];
    private String[] values = new String[INITIAL_SLOTS];
    /** Slot the next entry goes into; the newest entry is at {@code next - 1}. */
    private int next;
    private int length;
    private int size;
    private int capacity;

    DynamicTable(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative table capacity " + capacity);
        }
        this.capacity = capacity;
    }

    /** Size of a field as counted by RFC 7541 §4.1 (strings hold one octet per char). */
    static long entrySize(String name, String value) {
        return (long) name.length() + value.length() + ENTRY_OVERHEAD;
    }

    /** Number of entries. */
    int length() {
        return length;
    }

    /** Sum of the entry sizes, RFC 7541 §4.1. */
    int size() {
        return size;
    }

    /** Maximum size, as last set by a dynamic table size update (§6.3) or the initial setting. */
    int capacity() {
        return capacity;
    }

    /** Name of entry {@code index}, 1 (newest) ≤ index ≤ {@link #length()}. */
    String name(int index) {
        return names[(next - index) & (names.length - 1)];
    }

    /** Value of entry {@code index}, 1 (newest) ≤ index ≤ {@link #length()}. */
    String value(int index) {
        return values[(next - index) & (values.length - 1)];
    }

    /**
     * Adds a field as the newest entry, evicting from the oldest end first (RFC 7541 §4.4). A field
     * larger than the capacity empties the table and is not added.
     */
    void add(String name, String value) {
        long entrySize = entrySize(name, value);
        if (entrySize > capacity) {
            // RFC 7541 §4.4: not an error; the table is emptied.
            clear();
            return;
        }
        evictUntil(capacity - (int) entrySize);
        if (length == names.length) {
            grow();
        }
        int mask = names.length - 1;
        names[next] = name;
        values[next] = value;
        next = (next + 1) & mask;
        length++;
        size += (int) entrySize;
    }

    /** Changes the maximum size, evicting as needed (RFC 7541 §4.3). */
    void setCapacity(int newCapacity) {
        if (newCapacity < 0) {
            throw new IllegalArgumentException("negative table capacity " + newCapacity);
        }
        capacity = newCapacity;
        evictUntil(newCapacity);
    }

    /** Removes every entry; the capacity stays. */
    void clear() {
        evictUntil(0);
    }

    private void evictUntil(int maxSize) {
        int mask = names.length - 1;
        while (size > maxSize) {
            int oldest = (next - length) & mask;
            size -= (int) entrySize(names[oldest], values[oldest]);
            names[oldest] = null;
            values[oldest] = null;
            length--;
        }
    }

    private void grow() {
        int oldSlots = names.length;
        String[] newNames = new String[oldSlots * 2];
        String[] newValues = new String[oldSlots * 2];
        // Copy oldest → newest into slots 0..length-1.
        for (int i = 0; i < length; i++) {
            int from = (next - length + i) & (oldSlots - 1);
            newNames[i] = names[from];
            newValues[i] = values[from];
        }
        names = newNames;
        values = newValues;
        next = length;
    }
}

package dev.siphon.http.h2.hpack;

/**
 * The static table of RFC 7541 Appendix A: 61 fixed entries, indexed from 1.
 *
 * <p>Immutable and shared by every connection; any thread may read it. Lookups by name and by
 * name + value serve the encoder; {@link #name(int)} and {@link #value(int)} return the same
 * {@code String} instances every time, so a decoder that hands them out allocates nothing.
 */
final class StaticTable {

    /** Number of entries; dynamic table indices start right after (RFC 7541 §2.3.3). */
    static final int LENGTH = 61;

    private static final String[] NAMES = new String[LENGTH + 1];
    private static final String[] VALUES = new String[LENGTH + 1];

    /** Open-addressed map from name to its lowest static index; 0 marks an empty slot. */
    private static final int[] NAME_SLOTS = new int[128];

    static {
        String[] table = {
            ":authority", "",
            ":method", "GET",
            ":method", "POST",
            ":path", "/",
            ":path", "/index.html",
            ":scheme", "http",
            ":scheme", "https",
            ":status", "200",
            ":status", "204",
            ":status", "206",
            ":status", "304",
            ":status", "400",
            ":status", "404",
            ":status", "500",
            "accept-charset", "",
            "accept-encoding", "gzip, deflate",
            "accept-language", "",
            "accept-ranges", "",
            "accept", "",
            "access-control-allow-origin", "",
            "age", "",
            "allow", "",
            "authorization", "",
            "cache-control", "",
            "content-disposition", "",
            "content-encoding", "",
            "content-language", "",
            "content-length", "",
            "content-location", "",
            "content-range", "",
            "content-type", "",
            "cookie", "",
            "date", "",
            "etag", "",
            "expect", "",
            "expires", "",
            "from", "",
            "host", "",
            "if-match", "",
            "if-modified-since", "",
            "if-none-match", "",
            "if-range", "",
            "if-unmodified-since", "",
            "last-modified", "",
            "link", "",
            "location", "",
            "max-forwards", "",
            "proxy-authenticate", "",
            "proxy-authorization", "",
            "range", "",
            "referer", "",
            "refresh", "",
            "retry-after", "",
            "server", "",
            "set-cookie", "",
            "strict-transport-security", "",
            "transfer-encoding", "",
            "user-agent", "",
            "vary", "",
            "via", "",
            "www-authenticate", "",
        };
        if (table.length != 2 * LENGTH) {
            throw new ExceptionInInitializerError("static table must have " + LENGTH + " entries");
        }
        for (int i = 1; i <= LENGTH; i++) {
            String name = table[2 * (i - 1)];
            // Entries sharing a name share one String instance, so the run scan in indexOf is ==.
            NAMES[i] = (i > 1 && NAMES[i - 1].equals(name)) ? NAMES[i - 1] : name;
            VALUES[i] = table[2 * (i - 1) + 1];
            if (i == 1 || NAMES[i] != NAMES[i - 1]) {
                int slot = slot(name.hashCode());
                while (NAME_SLOTS[slot] != 0) {
                    slot = (slot + 1) & (NAME_SLOTS.length - 1);
                }
                NAME_SLOTS[slot] = i;
            }
        }
    }

    private StaticTable() {
    }

    private static int slot(int hash) {
        return (hash ^ (hash >>> 7) ^ (hash >>> 16)) & (NAME_SLOTS.length - 1);
    }

    /** Name of entry {@code index}, 1 ≤ index ≤ {@link #LENGTH}. */
    static String name(int index) {
        return NAMES[index];
    }

    /** Value of entry {@code index}, 1 ≤ index ≤ {@link #LENGTH}. */
    static String value(int index) {
        return VALUES[index];
    }

    /** Lowest index whose name is {@code name}, or 0. */
    static int indexOfName(String name) {
        int slot = slot(name.hashCode());
        int index;
        while ((index = NAME_SLOTS[slot]) != 0) {
            if (NAMES[index].equals(name)) {
                return index;
            }
            slot = (slot + 1) & (NAME_SLOTS.length - 1);
        }
        return 0;
    }

    /**
     * Index of the entry matching {@code value} among the entries named like entry
     * {@code nameIndex} (which must be the lowest index of that name), or 0.
     */
    static int indexOf(int nameIndex, String value) {
        String name = NAMES[nameIndex];
        for (int i = nameIndex; i <= LENGTH && NAMES[i] == name; i++) {
            if (VALUES[i].equals(value)) {
                return i;
            }
        }
        return 0;
    }

    /** Index of the entry {@code name: value}, or 0. */
    static int indexOf(String name, String value) {
        int nameIndex = indexOfName(name);
        return nameIndex == 0 ? 0 : indexOf(nameIndex, value);
    }
}

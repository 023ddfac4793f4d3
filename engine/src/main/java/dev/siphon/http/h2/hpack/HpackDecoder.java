package dev.siphon.http.h2.hpack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes HPACK header blocks (RFC 7541) for one HTTP/2 connection.
 *
 * <p><b>Thread:</b> the connection's event-loop thread, which owns this instance. It is not
 * thread-safe. The HTTP/2 layer reassembles HEADERS + CONTINUATION into one complete block and
 * calls {@link #decode} once per block, in the order the blocks arrived; a block is never split
 * across calls.
 *
 * <p><b>Strings.</b> HTTP field names and values are octets. They are returned as ISO-8859-1
 * {@code String}s: one char per octet, values 0-255, so the octets survive unchanged and
 * {@code length()} is the octet count. Anything that needs text (UTF-8 in a value, say) decodes the
 * chars' low bytes itself. For an indexed field the decoder returns the table's own
 * {@code String} instances, so a block made of indexed fields allocates nothing.
 *
 * <p><b>Validation.</b> The decoder checks HPACK, not HTTP: lower-case names, pseudo-header order
 * and forbidden connection-specific fields (RFC 9113 §8.2) are the HTTP/2 layer's job.
 *
 * <p><b>Limits</b> (each trips {@link HpackException}):
 * <ul>
 *   <li>integers: at most {@value #MAX_INTEGER_CONTINUATION_OCTETS} continuation octets and at
 *       most 2^31-1 (RFC 7541 §5.1 lets a decoder bound them): COMPRESSION_ERROR;</li>
 *   <li>string lengths: never more than the octets left in the block, checked before anything is
 *       read or allocated: COMPRESSION_ERROR;</li>
 *   <li>header list size ({@code maxHeaderListSize}, counted as name + value + 32 per field as in
 *       RFC 9113 §6.5.2): counted while decoding. Once a field would cross it, the sink receives
 *       nothing more and no further strings are built, but the rest of the block is still
 *       processed so the dynamic table stays in step with the peer's encoder (RFC 9113 §4.3);
 *       then HEADER_LIST_TOO_LARGE is thrown. An "HPACK bomb" (a short block naming a large
 *       table entry many times) thus costs a few nanoseconds per referencing octet and no
 *       memory;</li>
 *   <li>Huffman output is stored only up to {@code max(maxHeaderListSize, maxTableSize)} octets per
 *       string, since a longer string can be neither delivered nor indexed; the scratch buffer
 *       never grows beyond twice that.</li>
 * </ul>
 *
 * <p>After a COMPRESSION_ERROR the decoder's state is undefined and the connection must close.
 */
public final class HpackDecoder {

    /** The initial SETTINGS_HEADER_TABLE_SIZE of RFC 9113 §6.5.2. */
    public static final int DEFAULT_MAX_TABLE_SIZE = 4096;

    /** A sensible SETTINGS_MAX_HEADER_LIST_SIZE to advertise. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 16384;

    /**
     * Continuation octets allowed after an integer's prefix: 5 × 7 bits cover 2^31-1 for every
     * prefix width, so a sixth can only be padding or overflow.
     */
    public static final int MAX_INTEGER_CONTINUATION_OCTETS = 5;

    /** Input copied out of a direct buffer is kept for reuse up to this size. */
    private static final int RETAINED_INPUT_LIMIT = 64 * 1024;

    /** Receives the decoded fields of one block, in order. */
    public interface Sink {
        /**
         * One decoded field.
         *
         * @param sensitive true when the field came as "never indexed" (RFC 7541 §6.2.3): an
         *     intermediary re-encoding it must keep that representation (§7.1.3)
         */
        void header(String name, String value, boolean sensitive);
    }

    private final DynamicTable table;
    private final int maxHeaderListSize;
    /** Our SETTINGS_HEADER_TABLE_SIZE in force: the most a size update may ask for. */
    private int maxTableSize;
    /** Set when our setting fell below the table's capacity and no size update has come yet. */
    private boolean sizeUpdateRequired;

    private byte[] scratch = new byte[256];
    private byte[] input = new byte[0];

    // Cursor over the block being decoded.
    private byte[] buf;
    private int pos;
    private int end;

    // Result of readString: where the octets are (the block itself, or scratch after Huffman).
    private byte[] stringBuf;
    private int stringOff;
    private int stringLen;
    /** Octets of the string actually held: less than stringLen only for an oversized Huffman string. */
    private int stringStored;

    // Per-block accounting.
    private long listSize;
    private boolean overLimit;

    /**
     * @param maxTableSize the SETTINGS_HEADER_TABLE_SIZE in force now, which is also the dynamic
     *     table's initial capacity: {@value #DEFAULT_MAX_TABLE_SIZE} for a new connection until the
     *     peer acknowledges a different value we sent (then call {@link #setMaxTableSize})
     * @param maxHeaderListSize the most decoded octets one block may yield, counted as the sum of
     *     name + value + 32 over its fields (our SETTINGS_MAX_HEADER_LIST_SIZE)
     */
    public HpackDecoder(int maxTableSize, int maxHeaderListSize) {
        if (maxTableSize < 0 || maxHeaderListSize < 0) {
            throw new IllegalArgumentException(
                    "negative limit: table " + maxTableSize + ", header list " + maxHeaderListSize);
        }
        this.table = new DynamicTable(maxTableSize);
        this.maxTableSize = maxTableSize;
        this.maxHeaderListSize = maxHeaderListSize;
    }

    /**
     * Our advertised SETTINGS_HEADER_TABLE_SIZE changed and the peer acknowledged it. Later size
     * updates may not exceed it. If it is below the table's current capacity, the peer's encoder
     * must shrink the table with a size update at the start of the next block (RFC 7541 §4.2);
     * a next block that starts with a field instead is a COMPRESSION_ERROR.
     */
    public void setMaxTableSize(int settingValue) {
        if (settingValue < 0) {
            throw new IllegalArgumentException("negative table size " + settingValue);
        }
        maxTableSize = settingValue;
        if (settingValue < table.capacity()) {
            sizeUpdateRequired = true;
        }
    }

    /** Current dynamic table size in octets (RFC 7541 §4.1). */
    public int dynamicTableSize() {
        return table.size();
    }

    /** Current dynamic table capacity, as set by the peer's last size update. */
    public int dynamicTableCapacity() {
        return table.capacity();
    }

    public int maxHeaderListSize() {
        return maxHeaderListSize;
    }

    DynamicTable table() {
        return table;
    }

    /**
     * Decodes one complete header block: the buffer's remaining octets. The position moves to the
     * limit, whatever the outcome.
     */
    public void decode(ByteBuffer block, Sink sink) throws HpackException {
        int length = block.remaining();
        if (block.hasArray()) {
            int offset = block.arrayOffset() + block.position();
            block.position(block.limit());
            decode(block.array(), offset, length, sink);
            return;
        }
        if (input.length < length) {
            input = new byte[length];
        }
        block.get(input, 0, length);
        try {
            decode(input, 0, length, sink);
        } finally {
            if (input.length > RETAINED_INPUT_LIMIT) {
                input = new byte[0];
            }
        }
    }

    /**
     * Decodes one complete header block held in {@code block[offset, offset + length)}, passing
     * each field to {@code sink} in order.
     *
     * <p>If this throws, the sink may already have received some fields of the block; the caller
     * discards them.
     *
     * @throws HpackException COMPRESSION_ERROR for a malformed block (close the connection), or
     *     HEADER_LIST_TOO_LARGE once the whole block was processed and the table is consistent
     */
    public void decode(byte[] block, int offset, int length, Sink sink) throws HpackException {
        if (offset < 0 || length < 0 || offset > block.length - length) {
            throw new IndexOutOfBoundsException("block range " + offset + "+" + length);
        }
        buf = block;
        pos = offset;
        end = offset + length;
        listSize = 0;
        overLimit = false;
        boolean fieldSeen = false;
        try {
            while (pos < end) {
                int first = buf[pos] & 0xFF;
                if (first >= 0x20 && first < 0x40) {
                    // RFC 7541 §6.3: dynamic table size update, 001xxxxx.
                    if (fieldSeen) {
                        // §4.2: a size update must come at the beginning of the block.
                        throw HpackException.compression(
                                "dynamic table size update after a header field (RFC 7541 §4.2)");
                    }
                    int newCapacity = readInteger(5);
                    if (newCapacity > maxTableSize) {
                        // §6.3: above the limit set by SETTINGS_HEADER_TABLE_SIZE.
                        throw HpackException.compression("dynamic table size update to " + newCapacity
                                + " exceeds SETTINGS_HEADER_TABLE_SIZE " + maxTableSize + " (RFC 7541 §6.3)");
                    }
                    table.setCapacity(newCapacity);
                    sizeUpdateRequired = false;
                    continue;
                }
                if (!fieldSeen) {
                    if (sizeUpdateRequired) {
                        throw HpackException.compression("block lacks the dynamic table size update that "
                                + "a reduced SETTINGS_HEADER_TABLE_SIZE requires (RFC 7541 §4.2)");
                    }
                    fieldSeen = true;
                }
                if (first >= 0x80) {
                    indexedField(readInteger(7), sink);            // §6.1: 1xxxxxxx
                } else if (first >= 0x40) {
                    literalField(6, true, false, sink);            // §6.2.1: 01xxxxxx
                } else {
                    literalField(4, false, first >= 0x10, sink);   // §6.2.2 0000xxxx, §6.2.3 0001xxxx
                }
            }
        } finally {
            buf = null;
            stringBuf = null;
        }
        if (sizeUpdateRequired) {
            // §4.2: the update MUST begin the first block after the change, even an empty one.
            throw HpackException.compression("block lacks the dynamic table size update that "
                    + "a reduced SETTINGS_HEADER_TABLE_SIZE requires (RFC 7541 §4.2)");
        }
        if (overLimit) {
            throw HpackException.headerListTooLarge(maxHeaderListSize);
        }
    }

    private void indexedField(int index, Sink sink) throws HpackException {
        String name;
        String value;
        if (index <= StaticTable.LENGTH) {
            if (index == 0) {
                // §6.1: the index value of 0 is not used.
                throw HpackException.compression("indexed header field with index 0 (RFC 7541 §6.1)");
            }
            name = StaticTable.name(index);
            value = StaticTable.value(index);
        } else {
            int dynamicIndex = index - StaticTable.LENGTH;
            if (dynamicIndex > table.length()) {
                throw indexOutOfRange(index);
            }
            name = table.name(dynamicIndex);
            value = table.value(dynamicIndex);
        }
        if (account(DynamicTable.entrySize(name, value))) {
            sink.header(name, value, false);
        }
    }

    private void literalField(int prefixBits, boolean incrementalIndexing, boolean neverIndexed,
            Sink sink) throws HpackException {
        int nameIndex = readInteger(prefixBits);
        String name = null;
        byte[] nameBuf = null;
        int nameOff = 0;
        int nameLen;
        if (nameIndex != 0) {
            name = nameAt(nameIndex);
            nameLen = name.length();
        } else {
            readString(0);
            nameBuf = stringBuf;
            nameOff = stringOff;
            nameLen = stringLen;
        }
        boolean nameInScratch = nameBuf == scratch;
        // The value goes after the name in scratch, should both be Huffman coded.
        readString(nameInScratch ? stringStored : 0);
        if (nameInScratch) {
            nameBuf = scratch; // readString may have grown (copied) the scratch array
        }
        long fieldSize = (long) nameLen + stringLen + DynamicTable.ENTRY_OVERHEAD;
        boolean deliver = account(fieldSize);
        boolean index = incrementalIndexing && fieldSize <= table.capacity();
        if (incrementalIndexing && !index) {
            // §4.4: an entry larger than the table empties it, and is not added.
            table.clear();
        }
        if (deliver || index) {
            if (name == null) {
                name = new String(nameBuf, nameOff, nameLen, StandardCharsets.ISO_8859_1);
            }
            String value = new String(stringBuf, stringOff, stringLen, StandardCharsets.ISO_8859_1);
            if (index) {
                table.add(name, value);
            }
            if (deliver) {
                sink.header(name, value, neverIndexed);
            }
        }
    }

    /**
     * Adds a field to the header list size; false once the list is over the limit, from which
     * point nothing more is delivered.
     */
    private boolean account(long fieldSize) {
        if (overLimit) {
            return false;
        }
        long newSize = listSize + fieldSize;
        if (newSize > maxHeaderListSize) {
            overLimit = true;
            return false;
        }
        listSize = newSize;
        return true;
    }

    private String nameAt(int index) throws HpackException {
        if (index <= StaticTable.LENGTH) {
            return StaticTable.name(index);
        }
        int dynamicIndex = index - StaticTable.LENGTH;
        if (dynamicIndex > table.length()) {
            throw indexOutOfRange(index);
        }
        return table.name(dynamicIndex);
    }

    private HpackException indexOutOfRange(int index) {
        // §2.3.3: an index beyond both tables is a decoding error.
        return HpackException.compression("index " + index + " beyond static table and "
                + table.length() + " dynamic entries (RFC 7541 §2.3.3)");
    }

    /**
     * Reads a string literal (RFC 7541 §5.2) at the cursor. Raw octets stay in the block; Huffman
     * octets are decoded into {@code scratch} from {@code scratchOff}. Sets stringBuf, stringOff
     * and stringLen.
     */
    private void readString(int scratchOff) throws HpackException {
        if (pos >= end) {
            throw truncated();
        }
        boolean huffman = (buf[pos] & 0x80) != 0;
        int length = readInteger(7);
        if (length > end - pos) {
            throw HpackException.compression(
                    "string literal of " + length + " octets exceeds the " + (end - pos) + " left in the block");
        }
        if (!huffman) {
            stringBuf = buf;
            stringOff = pos;
            stringLen = length;
            stringStored = length;
        } else {
            // Only a string that can still be delivered or indexed needs its octets kept.
            int useful = Math.max(maxHeaderListSize, Math.max(maxTableSize, table.capacity()));
            int keep = (int) Math.min(Huffman.maxDecodedLength(length), useful);
            if (scratch.length - scratchOff < keep) {
                scratch = Arrays.copyOf(scratch, Math.max(scratchOff + keep, 2 * scratch.length));
            }
            stringLen = Huffman.decode(buf, pos, length, scratch, scratchOff, keep);
            stringStored = Math.min(stringLen, keep);
            stringBuf = scratch;
            stringOff = scratchOff;
        }
        pos += length;
    }

    /**
     * Reads an integer with an N-bit prefix (RFC 7541 §5.1) at the cursor, which must be before
     * the end.
     */
    private int readInteger(int prefixBits) throws HpackException {
        int mask = (1 << prefixBits) - 1;
        int value = buf[pos++] & mask;
        if (value < mask) {
            return value;
        }
        long sum = value;
        int shift = 0;
        for (int i = 0; i < MAX_INTEGER_CONTINUATION_OCTETS; i++) {
            if (pos >= end) {
                throw truncated();
            }
            int b = buf[pos++];
            sum += (long) (b & 0x7F) << shift;
            if (sum > Integer.MAX_VALUE) {
                throw HpackException.compression("integer exceeds 2^31-1 (RFC 7541 §5.1)");
            }
            if ((b & 0x80) == 0) {
                return (int) sum;
            }
            shift += 7;
        }
        throw HpackException.compression("integer longer than " + MAX_INTEGER_CONTINUATION_OCTETS
                + " continuation octets (RFC 7541 §5.1)");
    }

    /** Decodes one integer occupying all of {@code b}: RFC 7541 Appendix C.1 tests use this. */
    int decodeInteger(byte[] b, int prefixBits) throws HpackException {
        buf = b;
        pos = 0;
        end = b.length;
        try {
            if (end == 0) {
                throw truncated();
            }
            int value = readInteger(prefixBits);
            if (pos != end) {
                throw HpackException.compression("octets after integer");
            }
            return value;
        } finally {
            buf = null;
        }
    }

    private static HpackException truncated() {
        return HpackException.compression("header block ends inside a representation");
    }
}

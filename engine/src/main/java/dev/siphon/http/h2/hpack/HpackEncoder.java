package dev.siphon.http.h2.hpack;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Encodes header blocks (RFC 7541) for one HTTP/2 connection.
 *
 * <p><b>Thread:</b> the connection's event-loop thread, which owns this instance; it is not
 * thread-safe. Blocks must reach the peer in the order they were encoded.
 *
 * <p><b>Use:</b> {@link #beginBlock} once per header block, then {@link #encodeStatus} and
 * {@link #encode} per field. Every call checks the room it needs first and throws
 * {@link BufferOverflowException} before writing anything or changing any state, so the caller
 * can flush what the block has so far (into HEADERS, then CONTINUATION) and repeat the call with
 * a fresh buffer. {@link #maxEncodedLength} gives the room one field needs.
 *
 * <p><b>Strings</b> are ISO-8859-1: each char is one octet (see {@link HpackDecoder}); a char above
 * 0xFF is an {@link IllegalArgumentException}. Names are written as given: HTTP/2 requires them
 * lower-case (RFC 9113 §8.2.1) and that is the caller's job.
 *
 * <p><b>Policy</b> (RFC 7541 §7.1.3 leaves it to the encoder):
 * <ol>
 *   <li>A field marked sensitive, {@code authorization}, {@code proxy-authorization}, and
 *       {@code cookie} or {@code set-cookie} with a value under
 *       {@value #SHORT_SECRET_LENGTH} octets are sent as <em>never indexed</em> literals: a short
 *       secret in a shared compression context can be guessed (CRIME-like probing, §7.1).</li>
 *   <li>Otherwise a field equal to a static entry (":status: 200", ":method: GET", ...) or to a
 *       dynamic entry is sent as an index: one or two octets.</li>
 *   <li>Fields whose values rarely repeat — {@code set-cookie}, {@code content-length},
 *       {@code etag}, {@code last-modified}, {@code age}, {@code content-range} and the
 *       conditional request fields — and any field larger than half the table are sent as
 *       literals <em>without indexing</em>, so they do not evict useful entries.</li>
 *   <li>Everything else (content-type, server, date, cache-control, vary, custom fields ...) is
 *       a literal <em>with incremental indexing</em>, so the next response sends an index.</li>
 *   <li>Names are sent as an index when the static or dynamic table has them.</li>
 *   <li>A string is Huffman coded when that is strictly shorter.</li>
 * </ol>
 *
 * <p><b>Table size:</b> the table never exceeds the peer's SETTINGS_HEADER_TABLE_SIZE nor this
 * encoder's own {@code tableSizeLimit} (memory per connection). Whenever the peer's setting
 * changes, the next block starts with dynamic table size updates (RFC 7541 §4.2, §6.3): the
 * smallest size reached in the meantime, then the final one.
 */
public final class HpackEncoder {

    /** Default memory bound for this encoder's dynamic table, whatever the peer allows. */
    public static final int DEFAULT_TABLE_SIZE_LIMIT = 4096;

    /** Cookie values shorter than this are never indexed (RFC 7541 §7.1.3). */
    public static final int SHORT_SECRET_LENGTH = 20;

    /** A prefix octet plus at most 5 continuation octets encode any int (RFC 7541 §5.1). */
    private static final int MAX_INTEGER_LENGTH = 6;

    /** How a field is represented, RFC 7541 §6.2. */
    enum Indexing {
        /** §6.2.1: literal added to the dynamic table; an exact table match is sent as index. */
        INCREMENTAL,
        /** §6.2.2: literal left out of the table; an exact table match is sent as index. */
        WITHOUT,
        /** §6.2.3: literal that no intermediary may index, never replaced by an index. */
        NEVER
    }

    /** When string literals are Huffman coded. */
    enum HuffmanChoice {
        SHORTER, ALWAYS, NEVER
    }

    // Per-static-entry policy, indexed by the lowest static index of a name.
    private static final byte POLICY_INDEX = 0;
    private static final byte POLICY_WITHOUT = 1;
    private static final byte POLICY_NEVER = 2;
    private static final byte POLICY_SHORT_NEVER_ELSE_INDEX = 3;
    private static final byte POLICY_SHORT_NEVER_ELSE_WITHOUT = 4;
    private static final byte[] POLICY = new byte[StaticTable.LENGTH + 1];

    private static final String[] STATUS_VALUES = new String[500];

    static {
        setPolicy(POLICY_NEVER, "authorization", "proxy-authorization");
        setPolicy(POLICY_SHORT_NEVER_ELSE_INDEX, "cookie");
        setPolicy(POLICY_SHORT_NEVER_ELSE_WITHOUT, "set-cookie");
        setPolicy(POLICY_WITHOUT, "age", "content-length", "content-range", "etag", "if-modified-since",
                "if-none-match", "if-range", "if-unmodified-since", "last-modified");
        for (int i = 0; i < STATUS_VALUES.length; i++) {
            STATUS_VALUES[i] = Integer.toString(100 + i);
        }
    }

    private static void setPolicy(byte policy, String... names) {
        for (String name : names) {
            POLICY[StaticTable.indexOfName(name)] = policy;
        }
    }

    private final DynamicTable table;
    private final DynamicTableIndex index;
    private final int tableSizeLimit;
    /** The peer's SETTINGS_HEADER_TABLE_SIZE in force. */
    private int peerMaxTableSize;
    private boolean sizeUpdatePending;
    private int pendingMinCapacity;
    private int pendingFinalCapacity;

    /** An encoder whose table holds at most {@value #DEFAULT_TABLE_SIZE_LIMIT} octets. */
    public HpackEncoder(int maxTableSize) {
        this(maxTableSize, DEFAULT_TABLE_SIZE_LIMIT);
    }

    /**
     * @param maxTableSize the peer's SETTINGS_HEADER_TABLE_SIZE in force now:
     *     {@value HpackDecoder#DEFAULT_MAX_TABLE_SIZE} until its SETTINGS frame arrives
     * @param tableSizeLimit the most octets this encoder keeps in its table, however much the
     *     peer allows
     */
    public HpackEncoder(int maxTableSize, int tableSizeLimit) {
        if (maxTableSize < 0 || tableSizeLimit < 0) {
            throw new IllegalArgumentException(
                    "negative table size: setting " + maxTableSize + ", limit " + tableSizeLimit);
        }
        this.tableSizeLimit = tableSizeLimit;
        this.peerMaxTableSize = maxTableSize;
        // RFC 7541 §2.3.2 / RFC 9113 §6.5.2: the peer's decoder starts at the setting's value.
        this.table = new DynamicTable(maxTableSize);
        this.index = new DynamicTableIndex(tableSizeLimit);
        int wanted = Math.min(maxTableSize, tableSizeLimit);
        if (wanted != maxTableSize) {
            scheduleSizeUpdate(wanted);
        }
    }

    /**
     * The peer's SETTINGS_HEADER_TABLE_SIZE changed. The next block begins with the size
     * update(s) RFC 7541 §4.2 requires.
     */
    public void setMaxTableSize(int peerSettingValue) {
        if (peerSettingValue < 0) {
            throw new IllegalArgumentException("negative table size " + peerSettingValue);
        }
        if (peerSettingValue == peerMaxTableSize) {
            return;
        }
        peerMaxTableSize = peerSettingValue;
        scheduleSizeUpdate(Math.min(peerSettingValue, tableSizeLimit));
    }

    private void scheduleSizeUpdate(int capacity) {
        if (!sizeUpdatePending) {
            sizeUpdatePending = true;
            pendingMinCapacity = capacity;
        } else {
            pendingMinCapacity = Math.min(pendingMinCapacity, capacity);
        }
        pendingFinalCapacity = capacity;
    }

    public int dynamicTableSize() {
        return table.size();
    }

    public int dynamicTableCapacity() {
        return table.capacity();
    }

    DynamicTable table() {
        return table;
    }

    /**
     * Starts a header block: writes the pending dynamic table size updates, if any (at most
     * {@code 2 * 6} octets).
     */
    public void beginBlock(ByteBuffer out) {
        if (!sizeUpdatePending) {
            return;
        }
        if (out.remaining() < 2 * MAX_INTEGER_LENGTH) {
            throw new BufferOverflowException();
        }
        // RFC 7541 §4.2: signal the smallest size reached since the last block, then the final.
        if (pendingMinCapacity < pendingFinalCapacity) {
            writeInteger(out, 0x20, 5, pendingMinCapacity);
            setCapacity(pendingMinCapacity);
        }
        writeInteger(out, 0x20, 5, pendingFinalCapacity);
        setCapacity(pendingFinalCapacity);
        sizeUpdatePending = false;
    }

    private void setCapacity(int capacity) {
        table.setCapacity(capacity);
        index.evictTo(table.length());
    }

    /** Octets {@code out} must have left for {@link #encode} of this field. */
    public static int maxEncodedLength(String name, String value) {
        return 1 + 2 * MAX_INTEGER_LENGTH + name.length() + value.length();
    }

    /** Encodes {@code :status}: one octet for 200, 204, 206, 304, 400, 404 and 500. */
    public void encodeStatus(int status, ByteBuffer out) {
        int staticIndex = switch (status) {
            case 200 -> 8;
            case 204 -> 9;
            case 206 -> 10;
            case 304 -> 11;
            case 400 -> 12;
            case 404 -> 13;
            case 500 -> 14;
            default -> 0;
        };
        if (staticIndex != 0) {
            requireNoPendingUpdate();
            if (!out.hasRemaining()) {
                throw new BufferOverflowException();
            }
            out.put((byte) (0x80 | staticIndex));
            return;
        }
        if (status < 100 || status > 599) {
            // RFC 9110 §15: a status code is a three-digit integer from 100 to 599.
            throw new IllegalArgumentException("status code out of range: " + status);
        }
        encode(":status", STATUS_VALUES[status - 100], false, out);
    }

    /** Encodes a field that is not sensitive beyond the built-in policy. */
    public void encode(String name, String value, ByteBuffer out) {
        encode(name, value, false, out);
    }

    /**
     * Encodes one field after the policy in the class comment.
     *
     * @param sensitive send as "never indexed" (RFC 7541 §6.2.3), e.g. a token in a custom field
     */
    public void encode(String name, String value, boolean sensitive, ByteBuffer out) {
        int staticNameIndex = StaticTable.indexOfName(name);
        Indexing indexing;
        if (sensitive) {
            indexing = Indexing.NEVER;
        } else {
            indexing = switch (POLICY[staticNameIndex]) {
                case POLICY_WITHOUT -> Indexing.WITHOUT;
                case POLICY_NEVER -> Indexing.NEVER;
                case POLICY_SHORT_NEVER_ELSE_INDEX ->
                        value.length() < SHORT_SECRET_LENGTH ? Indexing.NEVER : Indexing.INCREMENTAL;
                case POLICY_SHORT_NEVER_ELSE_WITHOUT ->
                        value.length() < SHORT_SECRET_LENGTH ? Indexing.NEVER : Indexing.WITHOUT;
                default -> Indexing.INCREMENTAL;
            };
            if (indexing == Indexing.INCREMENTAL
                    && DynamicTable.entrySize(name, value) > table.capacity() / 2) {
                // A field larger than half the table would evict most of it for one reuse at best.
                indexing = Indexing.WITHOUT;
            }
        }
        write(name, staticNameIndex, value, indexing, HuffmanChoice.SHORTER, out);
    }

    /**
     * Encodes a field whose value is new in every message (a request id): a literal without
     * indexing (RFC 7541 §6.2.2), so that it does not push useful entries out of the table, and
     * without Huffman coding, which would cost a pass over a value sent once. The first such
     * field on a connection is added to the table, so that its name is an index from then on.
     */
    public void encodeUnindexed(String name, String value, ByteBuffer out) {
        requireNoPendingUpdate();
        if (out.remaining() < maxEncodedLength(name, value)) {
            throw new BufferOverflowException();
        }
        int nameIndex = StaticTable.indexOfName(name);
        if (nameIndex == 0) {
            int dynamicIndex = index.indexOfName(name);
            if (dynamicIndex == 0) {
                // the first time: the field goes into the table, so that later ones send the name as an index
                write(name, 0, value, Indexing.INCREMENTAL, HuffmanChoice.SHORTER, out);
                return;
            }
            nameIndex = StaticTable.LENGTH + dynamicIndex;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                throw new IllegalArgumentException("field has a char above 0xFF; HTTP fields are octets");
            }
        }
        writeInteger(out, 0x00, 4, nameIndex); // §6.2.2: 0000xxxx, an indexed name
        writeString(out, value, 0, HuffmanChoice.NEVER); // a raw literal: no Huffman pass for a one-off value
    }

    /**
     * Encodes one field with the given representation; the policy-free core that
     * {@link #encode} uses, and that tests drive to reproduce RFC 7541 Appendix C byte for byte.
     */
    void encode(String name, String value, Indexing indexing, HuffmanChoice huffman, ByteBuffer out) {
        write(name, StaticTable.indexOfName(name), value, indexing, huffman, out);
    }

    private void write(String name, int staticNameIndex, String value, Indexing indexing,
            HuffmanChoice huffman, ByteBuffer out) {
        requireNoPendingUpdate();
        if (out.remaining() < maxEncodedLength(name, value)) {
            throw new BufferOverflowException();
        }
        if (indexing != Indexing.NEVER) {
            // §6.1: a field already in a table is one index.
            int fieldIndex = staticNameIndex == 0 ? 0 : StaticTable.indexOf(staticNameIndex, value);
            if (fieldIndex == 0) {
                int dynamicIndex = index.indexOf(name, value);
                if (dynamicIndex != 0) {
                    fieldIndex = StaticTable.LENGTH + dynamicIndex;
                }
            }
            if (fieldIndex != 0) {
                writeInteger(out, 0x80, 7, fieldIndex);
                return;
            }
        }
        int nameIndex = staticNameIndex;
        if (nameIndex == 0) {
            int dynamicIndex = index.indexOfName(name);
            if (dynamicIndex != 0) {
                nameIndex = StaticTable.LENGTH + dynamicIndex;
            }
        }
        // Check every char before the first octet is written.
        int nameHuffman = nameIndex == 0 ? huffmanLength(name) : 0;
        int valueHuffman = huffmanLength(value);
        switch (indexing) {
            case INCREMENTAL -> writeInteger(out, 0x40, 6, nameIndex);  // §6.2.1: 01xxxxxx
            case WITHOUT -> writeInteger(out, 0x00, 4, nameIndex);      // §6.2.2: 0000xxxx
            case NEVER -> writeInteger(out, 0x10, 4, nameIndex);        // §6.2.3: 0001xxxx
        }
        if (nameIndex == 0) {
            writeString(out, name, nameHuffman, huffman);
        }
        writeString(out, value, valueHuffman, huffman);
        if (indexing == Indexing.INCREMENTAL) {
            table.add(name, value);
            index.add(name, value, table.length());
        }
    }

    private void requireNoPendingUpdate() {
        if (sizeUpdatePending) {
            throw new IllegalStateException(
                    "a dynamic table size update is pending: call beginBlock first (RFC 7541 §4.2)");
        }
    }

    private static int huffmanLength(String s) {
        int length = Huffman.encodedLength(s);
        if (length < 0) {
            throw new IllegalArgumentException("field has a char above 0xFF; HTTP fields are octets");
        }
        return length;
    }

    private static void writeString(ByteBuffer out, String s, int huffmanLength, HuffmanChoice huffman) {
        boolean useHuffman = switch (huffman) {
            case SHORTER -> huffmanLength < s.length();
            case ALWAYS -> true;
            case NEVER -> false;
        };
        if (useHuffman) {
            writeInteger(out, 0x80, 7, huffmanLength);
            Huffman.encode(s, out);
        } else {
            int length = s.length();
            writeInteger(out, 0x00, 7, length);
            for (int i = 0; i < length; i++) {
                out.put((byte) s.charAt(i));
            }
        }
    }

    /**
     * Writes {@code value} as an integer with a {@code prefixBits}-bit prefix (RFC 7541 §5.1),
     * the first octet carrying {@code flags} in the bits above the prefix.
     */
    static void writeInteger(ByteBuffer out, int flags, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.put((byte) (flags | value));
            return;
        }
        out.put((byte) (flags | max));
        int rest = value - max;
        while (rest >= 0x80) {
            out.put((byte) (0x80 | (rest & 0x7F)));
            rest >>>= 7;
        }
        out.put((byte) rest);
    }
}

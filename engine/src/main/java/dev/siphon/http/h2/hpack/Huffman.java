package dev.siphon.http.h2.hpack;

import java.nio.ByteBuffer;

/**
 * The static Huffman code of RFC 7541 Appendix B for string literals (§5.2).
 *
 * <p>The code is canonical: within one code length, codes are consecutive in symbol order, and
 * each length starts where the previous one ended, shifted left. So the table below holds only the
 * 257 code lengths (symbols 0-255 and EOS = 256) and the codes are rebuilt from them at class
 * initialisation; the build checks that the lengths form a complete prefix code.
 *
 * <p>Decoding walks a finite-state machine four bits at a time. Its states are the 256 inner
 * nodes of the code tree; for every state and nibble a precomputed entry gives the next state, the
 * symbol completed on the way (at most one: the shortest code has 5 bits), whether EOS was hit,
 * and whether the new state may end the string. A state may end the string when the bits read
 * since the last symbol are all ones and number at most 7: RFC 7541 §5.2 says longer padding, or
 * padding that is not a prefix of EOS, is a decoding error.
 *
 * <p>Stateless and immutable; any thread may call it.
 */
final class Huffman {

    static final int EOS = 256;

    /** Code length in bits of each symbol, RFC 7541 Appendix B. */
    private static final byte[] LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0- 15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16- 31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         //  32- 47 ' '..'/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              //  48- 63 '0'..'?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                //  64- 79 '@'..'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             //  80- 95 'P'..'_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                //  96-111 '`'..'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 112-127 'p'..DEL
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
        30,                                                             // 256 EOS
    };

    /** Code of each symbol, right-aligned in an int. */
    private static final int[] CODES = new int[EOS + 1];

    // Decoder entry layout: bits 0-7 next state, 8-15 symbol, then flags.
    private static final int EMIT = 1 << 16;
    private static final int FAIL = 1 << 17;
    private static final int ACCEPT = 1 << 18;

    /** Transition for (state << 4 | nibble). */
    private static final int[] TRANSITIONS = new int[256 * 16];

    static {
        assignCanonicalCodes();
        buildDecoder();
    }

    private Huffman() {
    }

    private static void assignCanonicalCodes() {
        int maxLength = 0;
        for (byte length : LENGTHS) {
            maxLength = Math.max(maxLength, length);
        }
        long code = 0;
        long kraft = 0; // sum of 2^(30 - length): equals 2^30 exactly for a complete code
        for (int length = 1; length <= maxLength; length++) {
            for (int sym = 0; sym <= EOS; sym++) {
                if (LENGTHS[sym] == length) {
                    CODES[sym] = (int) code;
                    code++;
                    kraft += 1L << (30 - length);
                }
            }
            code <<= 1;
        }
        if (kraft != 1L << 30 || LENGTHS.length != EOS + 1) {
            throw new ExceptionInInitializerError("Huffman code lengths do not form a complete code");
        }
    }

    private static void buildDecoder() {
        // Code tree: inner nodes 0..255 (0 = root); child value >= 0 is an inner node, < 0 a leaf
        // holding ~symbol.
        int[][] children = new int[256][2];
        boolean[] allOnes = new boolean[256];
        int[] depth = new int[256];
        int nodes = 1;
        allOnes[0] = true;
        for (int sym = 0; sym <= EOS; sym++) {
            int node = 0;
            int length = LENGTHS[sym];
            for (int bit = length - 1; bit > 0; bit--) {
                int b = (CODES[sym] >>> bit) & 1;
                if (children[node][b] == 0) {
                    if (nodes == 256) {
                        throw new ExceptionInInitializerError("Huffman tree has too many nodes");
                    }
                    children[node][b] = nodes;
                    allOnes[nodes] = allOnes[node] && b == 1;
                    depth[nodes] = depth[node] + 1;
                    nodes++;
                }
                node = children[node][b];
            }
            children[node][CODES[sym] & 1] = ~sym;
        }
        if (nodes != 256) {
            throw new ExceptionInInitializerError("Huffman tree must have 256 inner nodes");
        }
        for (int state = 0; state < 256; state++) {
            for (int nibble = 0; nibble < 16; nibble++) {
                int node = state;
                int entry = 0;
                for (int bit = 3; bit >= 0; bit--) {
                    int child = children[node][(nibble >>> bit) & 1];
                    if (child < 0) {
                        int sym = ~child;
                        if (sym == EOS) {
                            entry |= FAIL;
                            break;
                        }
                        entry |= EMIT | (sym << 8);
                        node = 0;
                    } else {
                        node = child;
                    }
                }
                // §5.2: the string may end here only on padding of at most 7 one-bits.
                if (allOnes[node] && depth[node] <= 7) {
                    entry |= ACCEPT;
                }
                TRANSITIONS[(state << 4) | nibble] = entry | node;
            }
        }
    }

    /** Code of {@code symbol}, right-aligned (package-private for the tests). */
    static int code(int symbol) {
        return CODES[symbol];
    }

    /** Code length of {@code symbol} in bits (package-private for the tests). */
    static int codeLength(int symbol) {
        return LENGTHS[symbol];
    }

    /**
     * Length in octets of the Huffman encoding of {@code s}, or -1 if {@code s} has a char above
     * 0xFF (HTTP field octets are carried as ISO-8859-1 chars; see {@link HpackDecoder}).
     */
    static int encodedLength(String s) {
        long bits = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                return -1;
            }
            bits += LENGTHS[c];
        }
        return (int) ((bits + 7) >>> 3);
    }

    /** Writes the Huffman encoding of {@code s}, whose chars must all be at most 0xFF. */
    static void encode(String s, ByteBuffer out) {
        long pending = 0;
        int pendingBits = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            pending = (pending << LENGTHS[c]) | CODES[c];
            pendingBits += LENGTHS[c];
            while (pendingBits >= 8) {
                pendingBits -= 8;
                out.put((byte) (pending >>> pendingBits));
            }
        }
        if (pendingBits > 0) {
            // §5.2: pad with the most significant bits of EOS, which are all ones.
            out.put((byte) ((pending << (8 - pendingBits)) | (0xFF >>> pendingBits)));
        }
    }

    /** Upper bound of the decoded length of {@code encodedLength} octets (5 bits per symbol). */
    static long maxDecodedLength(int encodedLength) {
        return (long) encodedLength * 8 / 5;
    }

    /**
     * Decodes {@code len} octets of {@code src} into {@code dst} from {@code dstOff}, writing at
     * most {@code dstLimit} octets but validating the whole input either way.
     *
     * @return the decoded length, which may exceed {@code dstLimit}; the octets past the limit are
     *     not stored
     * @throws HpackException on EOS inside the string, or padding that is longer than 7 bits or
     *     not all ones (RFC 7541 §5.2)
     */
    static int decode(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLimit)
            throws HpackException {
        int[] transitions = TRANSITIONS;
        int state = 0;
        int entry = ACCEPT;
        int count = 0;
        int end = off + len;
        for (int i = off; i < end; i++) {
            int b = src[i] & 0xFF;
            entry = transitions[(state << 4) | (b >>> 4)];
            if ((entry & (EMIT | FAIL)) != 0) {
                if ((entry & FAIL) != 0) {
                    throw HpackException.compression("Huffman string contains EOS (RFC 7541 §5.2)");
                }
                if (count < dstLimit) {
                    dst[dstOff + count] = (byte) (entry >>> 8);
                }
                count++;
            }
            state = entry & 0xFF;
            entry = transitions[(state << 4) | (b & 0x0F)];
            if ((entry & (EMIT | FAIL)) != 0) {
                if ((entry & FAIL) != 0) {
                    throw HpackException.compression("Huffman string contains EOS (RFC 7541 §5.2)");
                }
                if (count < dstLimit) {
                    dst[dstOff + count] = (byte) (entry >>> 8);
                }
                count++;
            }
            state = entry & 0xFF;
        }
        if ((entry & ACCEPT) == 0) {
            throw HpackException.compression(
                    "Huffman padding longer than 7 bits or not all ones (RFC 7541 §5.2)");
        }
        return count;
    }
}

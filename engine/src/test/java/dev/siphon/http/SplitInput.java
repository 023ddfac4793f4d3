package dev.siphon.http;

import java.util.Arrays;

/**
 * A fuzz input for an incremental parser: the bytes to parse and the points where they arrive in
 * pieces, both chosen by the fuzzer. Layout: one control octet, then its gap octets, then the
 * payload.
 *
 * <ul>
 *   <li>control bits 0-2: the number of gap octets that follow, 0 to 7; each is the distance
 *       from the previous cut (0 repeats it: an empty read);</li>
 *   <li>control bits 3-6: four option bits for the target (limits to use, say);</li>
 *   <li>control bit 7: trickle, one octet per read (the cuts are then ignored).</li>
 * </ul>
 * A seed written as {@code "\0" + message} is the message in one piece.
 */
public record SplitInput(byte[] payload, int[] cuts, int options) {

    public static SplitInput of(byte[] input) {
        if (input.length == 0) {
            return new SplitInput(input, new int[] {0}, 0);
        }
        int control = input[0] & 0xFF;
        int gaps = Math.min(control & 7, input.length - 1);
        byte[] payload = Arrays.copyOfRange(input, 1 + gaps, input.length);
        int[] cuts;
        if ((control & 0x80) != 0) {
            cuts = new int[payload.length + 1];
            for (int i = 0; i <= payload.length; i++) {
                cuts[i] = i;
            }
        } else {
            cuts = new int[gaps + 1];
            int at = 0;
            for (int i = 0; i < gaps; i++) {
                at = Math.min(payload.length, at + (input[1 + i] & 0xFF));
                cuts[i] = at;
            }
            cuts[gaps] = payload.length;
        }
        return new SplitInput(payload, cuts, (control >> 3) & 0xF);
    }

    /** True when option bit {@code bit} (0-3) is set. */
    public boolean option(int bit) {
        return (options & (1 << bit)) != 0;
    }
}

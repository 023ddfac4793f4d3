package dev.siphon.http.h2;

import dev.siphon.http.config.Http2Settings;

import static dev.siphon.http.h2.FrameType.*;


/**
 * The settings the peer has sent (RFC 9113 §6.5.2), typed, starting from the protocol's initial
 * values, for either side of a connection. {@link #apply} reads one SETTINGS frame's payload in
 * order, checks every value (a wrong one is a connection error), and reports the two changes a
 * connection must act on at once, in the order they came: the HPACK table size its encoder may
 * use, and a change of SETTINGS_INITIAL_WINDOW_SIZE that applies to every open stream's send
 * window (§6.9.2). Loop thread only.
 */
public final class PeerSettings {
    /** What a connection does when a setting changes. */
    public interface Changes {
        /** SETTINGS_HEADER_TABLE_SIZE: the most the encoder's dynamic table may hold. */
        void headerTableSize(int octets);

        /** SETTINGS_INITIAL_WINDOW_SIZE changed by {@code delta}: every open stream's send window moves by it. */
        void initialWindowDelta(long delta) throws ConnectionError;
    }

    private final boolean peerIsServer;
    private long maxConcurrentStreams = Long.MAX_VALUE; // §6.5.2: unlimited until set
    private int initialWindowSize = Http2Settings.DEFAULT_WINDOW;
    private int maxFrameSize = Http2Settings.MIN_MAX_FRAME_SIZE;

    /** @param peerIsServer the peer is a server (we are its client): SETTINGS_ENABLE_PUSH 1 is then an error */
    public PeerSettings(boolean peerIsServer) {
        this.peerIsServer = peerIsServer;
    }

    /** SETTINGS_MAX_CONCURRENT_STREAMS: streams we may open at once. */
    public long maxConcurrentStreams() {
        return maxConcurrentStreams;
    }

    /** SETTINGS_INITIAL_WINDOW_SIZE: a new stream's send window. */
    public int initialWindowSize() {
        return initialWindowSize;
    }

    /** SETTINGS_MAX_FRAME_SIZE: the largest frame payload we may send. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Applies one SETTINGS frame's payload ({@code len} a multiple of 6, checked by the frame reader). */
    public void apply(byte[] a, int off, int len, Changes changes) throws ConnectionError {
        for (int i = off; i < off + len; i += 6) {
            int id = ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
            long value = FrameReader.int32(a, i + 2) & 0xFFFF_FFFFL;
            switch (id) {
                case SETTINGS_HEADER_TABLE_SIZE -> changes.headerTableSize((int) Math.min(value, Integer.MAX_VALUE));
                case SETTINGS_ENABLE_PUSH -> {
                    if (value > 1) {
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH of " + value
                                + ": must be 0 or 1"); // §6.5.2
                    }
                    if (value == 1 && peerIsServer) {
                        // §6.5.2: a client receiving ENABLE_PUSH 1 treats it as a PROTOCOL_ERROR
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "server sent SETTINGS_ENABLE_PUSH 1");
                    }
                }
                case SETTINGS_MAX_CONCURRENT_STREAMS -> maxConcurrentStreams = value;
                case SETTINGS_INITIAL_WINDOW_SIZE -> {
                    if (value > Http2Settings.MAX_WINDOW) {
                        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value
                                + " above 2^31-1"); // §6.5.2
                    }
                    long delta = value - initialWindowSize;
                    initialWindowSize = (int) value;
                    changes.initialWindowDelta(delta);
                }
                case SETTINGS_MAX_FRAME_SIZE -> {
                    if (value < Http2Settings.MIN_MAX_FRAME_SIZE || value > Http2Settings.MAX_MAX_FRAME_SIZE) {
                        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + value
                                + " out of range"); // §6.5.2
                    }
                    maxFrameSize = (int) value;
                }
                default -> {
                    // SETTINGS_MAX_HEADER_LIST_SIZE is advisory; unknown settings are ignored (§6.5.2)
                }
            }
        }
    }
}

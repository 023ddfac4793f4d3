package dev.siphon.http.h2;

import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.internal.Counters.Limit;
import java.util.function.Function;

/**
 * One flow-control window (RFC 9113 §5.2, §6.9): the octets of DATA payload (padding included)
 * that may still be sent. It may go negative when the peer lowers SETTINGS_INITIAL_WINDOW_SIZE
 * (§6.9.2), and must never exceed 2^31-1. Loop thread only.
 */
public final class FlowControlWindow {
    private long size;

    public FlowControlWindow(int initial) {
        this.size = initial;
    }

    public long size() {
        return size;
    }

    /** Octets that may be sent now (0 when the window is exhausted or negative). */
    public int available() {
        return (int) Math.max(0, size);
    }

    public void consume(int n) {
        size -= n;
    }

    /**
     * Adds a WINDOW_UPDATE increment or a SETTINGS_INITIAL_WINDOW_SIZE delta.
     *
     * @return false when the window would exceed 2^31-1 (RFC 9113 §6.9.1: FLOW_CONTROL_ERROR);
     *     the window is then unchanged
     */
    public boolean increase(long delta) {
        long next = size + delta;
        if (next > Http2Settings.MAX_WINDOW) {
            return false;
        }
        size = next;
        return true;
    }

    /**
     * RFC 9113 §6.9.2: a change of SETTINGS_INITIAL_WINDOW_SIZE moves the send window of every
     * open stream by {@code delta}; one pushed above 2^31-1 is a FLOW_CONTROL_ERROR.
     */
    public static <S> void shiftAll(Iterable<S> streams, Function<? super S, FlowControlWindow> window, long delta)
            throws ConnectionError {
        for (S s : streams) {
            if (!window.apply(s).increase(delta)) {
                throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE overflows a stream window",
                        Limit.H2_FLOW_CONTROL);
            }
        }
    }
}

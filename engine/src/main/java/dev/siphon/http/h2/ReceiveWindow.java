package dev.siphon.http.h2;

/**
 * A receive window (RFC 9113 §5.2, §6.9) of either side: the DATA octets (padding included) the
 * peer may still send, and those taken but not yet credited back. The window is credited back in
 * one WINDOW_UPDATE once half of its size is owed, so the peer keeps sending without a frame per
 * DATA frame. Loop thread only.
 */
public final class ReceiveWindow {
    private final int size;
    private int window;
    private int owed;

    /** @param size the window as advertised (SETTINGS_INITIAL_WINDOW_SIZE, or the connection's after its WINDOW_UPDATE) */
    public ReceiveWindow(int size) {
        this.size = size;
        this.window = size;
    }

    /**
     * A DATA frame of {@code flowLength} arrived.
     *
     * @return false when it exceeds the window (a FLOW_CONTROL_ERROR); the window is then unchanged
     */
    public boolean take(int flowLength) {
        if (flowLength > window) {
            return false;
        }
        window -= flowLength;
        return true;
    }

    /**
     * {@code flowLength} octets taken are done with (buffered or dropped).
     *
     * @return the increment to send in a WINDOW_UPDATE now, or 0 while less than half the window is owed
     */
    public int credit(int flowLength) {
        owed += flowLength;
        if (owed < size / 2) {
            return 0;
        }
        int n = owed;
        window += n;
        owed = 0;
        return n;
    }

    /** The DATA octets the peer may still send now. */
    public int window() {
        return window;
    }

    /**
     * Opens the window by {@code n} at once, outside the half-window rule of {@link #credit}: for
     * a stream whose window is given back as its reader consumes (a streaming request body). The
     * caller sends the WINDOW_UPDATE of {@code n}.
     */
    public void grant(int n) {
        window += n;
    }
}

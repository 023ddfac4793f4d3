package dev.siphon.http.py;

import java.util.logging.LogManager;

/**
 * The launcher's {@link LogManager} ({@code java.util.logging.manager}): the JDK's own shutdown
 * hook resets logging the moment the JVM starts to exit, at the same time as the launcher's
 * hook closes the server, so whatever the shutdown logs (an {@code @http.on_shutdown} hook
 * that raised or was cut off) would be lost. While {@link #hold} is set, {@link #reset} does
 * nothing; the launcher's hook resets logging itself when the server is closed.
 *
 * <p>Thread-safe; {@link #hold} and {@link #release} are called on the launcher's threads.
 */
public final class ShutdownLogManager extends LogManager {
    private static volatile boolean held;

    /** Public: the JDK creates the manager by reflection. */
    public ShutdownLogManager() {}

    static void hold() {
        held = true;
    }

    /** Ends the hold and resets logging (flushes and closes the handlers), if this is the manager. */
    static void release() {
        held = false;
        if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
            m.reset();
        }
    }

    @Override
    public void reset() {
        if (!held) {
            super.reset();
        }
    }
}

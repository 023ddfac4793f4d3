package dev.siphon.http.py;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What one logger logs while a test runs, a line per record: its level and message, and the
 * exception's {@code toString()} when it has one. {@link #start} in {@code @BeforeEach},
 * {@link #stop} in {@code @AfterEach}.
 */
final class LogCapture extends Handler {
    /** Held so that the logging framework does not drop the logger and this handler with it. */
    private final Logger logger;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    LogCapture(String logger) {
        this.logger = Logger.getLogger(logger);
    }

    void start() {
        logger.addHandler(this);
    }

    void stop() {
        logger.removeHandler(this);
    }

    /** The lines so far; the list grows as records arrive (synchronized: copy before iterating). */
    List<String> lines() {
        return lines;
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(r.getLevel() + " " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}

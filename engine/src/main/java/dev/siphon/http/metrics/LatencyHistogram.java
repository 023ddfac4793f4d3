package dev.siphon.http.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A histogram of durations recorded with HdrHistogram: each child writes into a {@link Recorder}
 * (wait-free for any number of recording threads, so an I/O loop never waits on a scrape), and a
 * scrape moves what was recorded since the last one into the child's cumulative histogram. The
 * exposition is Prometheus' (cumulative buckets in seconds at {@link #BOUNDS_SECONDS}, plus
 * {@code _sum} and {@code _count}), so it aggregates across instances like any histogram.
 *
 * <p>Durations are kept in microseconds from 1 µs to one hour with two significant digits: a
 * bucket's count can include durations up to 1 % above its bound. {@code _sum} is exact. Memory
 * is about 100 KiB per child (three HdrHistograms), so the engine keeps one per route, not per
 * route and method.
 */
public final class LatencyHistogram extends Metric<LatencyHistogram.Child> {
    /** The exposed bucket bounds, in seconds. */
    public static final double[] BOUNDS_SECONDS = {
        .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60
    };
    private static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final int DIGITS = 2;
    private static final long[] BOUNDS_MICROS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_MICROS[i] = Math.round(BOUNDS_SECONDS[i] * 1e6);
        }
    }

    /** One labelled duration histogram. */
    public static final class Child {
        private final Recorder recorder = new Recorder(1, HIGHEST_MICROS, DIGITS);
        private final LongAdder sumNanos = new LongAdder();
        private final org.HdrHistogram.Histogram cumulative = new org.HdrHistogram.Histogram(1, HIGHEST_MICROS, DIGITS);
        private org.HdrHistogram.Histogram recycled;

        /** Records one duration; wait-free. */
        public void recordNanos(long nanos) {
            long n = Math.max(0, nanos);
            sumNanos.add(n);
            recorder.recordValue(Math.min(HIGHEST_MICROS, n / 1000));
        }

        /** What was recorded up to now, every recording so far included. */
        synchronized org.HdrHistogram.Histogram cumulative() {
            org.HdrHistogram.Histogram interval = recorder.getIntervalHistogram(recycled);
            cumulative.add(interval);
            recycled = interval;
            return cumulative;
        }

        /** Recordings so far, for tests and diagnostics. */
        public long count() {
            return cumulative().getTotalCount();
        }
    }

    LatencyHistogram(MetricsRegistry registry, String name, String help, List<String> labelNames) {
        super(registry, name, help, labelNames);
    }

    public void recordNanos(long nanos) {
        child().recordNanos(nanos);
    }

    @Override
    Child newChild() {
        return new Child();
    }

    @Override
    String type() {
        return "histogram";
    }

    @Override
    void writeChild(Exposition.Writer out, List<String> labelValues, Child child) {
        long total;
        long[] upTo = new long[BOUNDS_MICROS.length];
        double sumSeconds;
        synchronized (child) {
            org.HdrHistogram.Histogram h = child.cumulative();
            total = h.getTotalCount();
            for (int i = 0; i < upTo.length; i++) {
                upTo[i] = h.getCountBetweenValues(0, BOUNDS_MICROS[i]);
            }
            sumSeconds = child.sumNanos.sum() / 1e9;
        }
        out.histogram(name(), labelNames(), labelValues, BOUNDS_SECONDS, upTo, sumSeconds, total);
    }
}

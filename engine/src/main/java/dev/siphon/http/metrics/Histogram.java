package dev.siphon.http.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram family with fixed bucket bounds (the Prometheus model): each observation adds one
 * to the first bucket whose upper bound holds it, and to {@code _sum} and {@code _count}. For
 * values a script observes; the engine's request durations use {@link LatencyHistogram}.
 */
public final class Histogram extends Metric<Histogram.Child> {
    /** Prometheus' default bounds, in seconds. */
    public static final double[] DEFAULT_BUCKETS = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

    private final double[] bounds;

    /** One labelled histogram. */
    public static final class Child {
        private final double[] bounds;
        private final LongAdder[] counts; // the last is +Inf
        private final DoubleAdder sum = new DoubleAdder();

        Child(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        /** @throws IllegalArgumentException for NaN */
        public void observe(double v) {
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("a histogram observes a number, not NaN");
            }
            int i = Arrays.binarySearch(bounds, v);
            counts[i >= 0 ? i : -i - 1].increment();
            sum.add(v);
        }
    }

    Histogram(MetricsRegistry registry, String name, String help, List<String> labelNames, double[] bounds) {
        super(registry, name, help, labelNames);
        this.bounds = bounds;
    }

    /**
     * The bounds, checked: finite, strictly increasing, at least one; a trailing +Inf is dropped
     * (it is always there).
     */
    static double[] checkBounds(String name, double[] buckets) {
        double[] b = buckets.clone();
        int n = b.length;
        if (n > 0 && b[n - 1] == Double.POSITIVE_INFINITY) {
            n--;
        }
        if (n == 0) {
            throw new IllegalArgumentException(name + ": a histogram needs at least one finite bucket bound");
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(b[i])) {
                throw new IllegalArgumentException(name + ": bucket bound " + b[i] + " is not a finite number");
            }
            if (i > 0 && b[i] <= b[i - 1]) {
                throw new IllegalArgumentException(name + ": bucket bounds must increase, " + b[i] + " follows " + b[i - 1]);
            }
        }
        return Arrays.copyOf(b, n);
    }

    public void observe(double v) {
        child().observe(v);
    }

    @Override
    Child newChild() {
        return new Child(bounds);
    }

    @Override
    String type() {
        return "histogram";
    }

    @Override
    void writeChild(Exposition.Writer out, List<String> labelValues, Child child) {
        long[] upTo = new long[child.bounds.length];
        long cumulative = 0;
        for (int i = 0; i < child.counts.length; i++) {
            cumulative += child.counts[i].sum();
            if (i < upTo.length) {
                upTo[i] = cumulative;
            }
        }
        out.histogram(name(), labelNames(), labelValues, child.bounds, upTo, child.sum.sum(), cumulative);
    }
}

package dev.siphon.http.py;

import dev.siphon.http.metrics.Counter;
import dev.siphon.http.metrics.Gauge;
import dev.siphon.http.metrics.Histogram;
import dev.siphon.http.metrics.MetricsRegistry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.graalvm.polyglot.HostAccess;

/**
 * The metrics of {@code from siphon import metrics}: one {@link MetricsRegistry} per process,
 * shared by every worker context, so a counter incremented in two workers exports the sum.
 *
 * <p>Every worker runs the script's module-level code, so each registers the same metrics: a
 * worker's first registration of a name that another worker registered with the same
 * definition (type, help, labels, buckets) joins that metric. A second registration of a name
 * in one worker, or one with another definition, is the script's error ({@code ValueError}).
 * Thread-safe.
 */
public final class ScriptMetrics {
    private final MetricsRegistry registry;
    private final Map<String, Registered> byName = new HashMap<>();

    private record Definition(String kind, String help, List<String> labels, List<Double> buckets) {}

    private record Registered(Definition definition, Handle handle, Set<Integer> workers) {}

    ScriptMetrics(MetricsRegistry registry) {
        this.registry = registry;
    }

    MetricsRegistry registry() {
        return registry;
    }

    /**
     * The metric {@code name} for worker {@code worker}.
     *
     * @param kind "counter", "gauge" or "histogram"
     * @param buckets a histogram's bucket bounds, or null for Prometheus' defaults
     * @throws IllegalArgumentException with the message the script's ValueError carries
     */
    synchronized Handle register(int worker, String kind, String name, String help, List<String> labels,
                                 double[] buckets) {
        Objects.requireNonNull(name, "name");
        double[] bounds = buckets == null ? Histogram.DEFAULT_BUCKETS : buckets;
        Definition d = new Definition(kind, help, List.copyOf(labels),
                kind.equals("histogram") ? Arrays.stream(bounds).boxed().toList() : List.of());
        String key = kind.equals("counter") ? MetricsRegistry.counterFamily(name) : name;
        Registered r = byName.get(key);
        if (r != null) {
            if (r.workers().contains(worker)) {
                throw new IllegalArgumentException("metric '" + name + "' is already registered");
            }
            if (!r.definition().equals(d)) {
                throw new IllegalArgumentException("metric '" + name + "' is already registered by another worker as "
                        + r.definition().kind() + " with labels " + r.definition().labels()
                        + ": every worker runs the same script, so its metrics must be the same");
            }
            r.workers().add(worker);
            return r.handle();
        }
        Handle h = switch (kind) {
            case "counter" -> new Handle(registry.counter(name, help, labels), null, null, null, null, null);
            case "gauge" -> new Handle(null, registry.gauge(name, help, labels), null, null, null, null);
            case "histogram" -> new Handle(null, null, registry.histogram(name, help, bounds, labels), null, null, null);
            default -> throw new IllegalArgumentException("no metric kind " + kind);
        };
        Set<Integer> workers = new HashSet<>();
        workers.add(worker);
        byName.put(key, new Registered(d, h, workers));
        return h;
    }

    /**
     * One metric, or one labelled child of it, as Python sees it: only these methods are
     * visible to scripts. Calling {@code inc} on a labelled family (not a child) is refused by
     * the Python side before it gets here.
     */
    public static final class Handle {
        private final Counter counter;
        private final Gauge gauge;
        private final Histogram histogram;
        private final Counter.Child counterChild;
        private final Gauge.Child gaugeChild;
        private final Histogram.Child histogramChild;

        Handle(Counter counter, Gauge gauge, Histogram histogram, Counter.Child cc, Gauge.Child gc, Histogram.Child hc) {
            this.counter = counter;
            this.gauge = gauge;
            this.histogram = histogram;
            this.counterChild = cc != null ? cc : counter != null && counter.labelNames().isEmpty() ? counter.labels() : null;
            this.gaugeChild = gc != null ? gc : gauge != null && gauge.labelNames().isEmpty() ? gauge.labels() : null;
            this.histogramChild = hc != null ? hc
                    : histogram != null && histogram.labelNames().isEmpty() ? histogram.labels() : null;
        }

        /** The child for these label values (in the order of the label names). */
        @HostAccess.Export
        public Handle labels(org.graalvm.polyglot.Value values) {
            String[] v = new String[(int) values.getArraySize()];
            for (int i = 0; i < v.length; i++) {
                v[i] = values.getArrayElement(i).asString();
            }
            if (counter != null) {
                return new Handle(null, null, null, counter.labels(v), null, null);
            }
            if (gauge != null) {
                return new Handle(null, null, null, null, gauge.labels(v), null);
            }
            return new Handle(null, null, null, null, null, histogram.labels(v));
        }

        @HostAccess.Export
        public void inc(double amount) {
            if (counterChild != null) {
                counterChild.inc(amount);
            } else {
                gaugeChild.inc(amount);
            }
        }

        @HostAccess.Export
        public void set(double value) {
            gaugeChild.set(value);
        }

        @HostAccess.Export
        public void observe(double value) {
            histogramChild.observe(value);
        }

        @HostAccess.Export
        public double value() {
            return counterChild != null ? counterChild.value() : gaugeChild != null ? gaugeChild.value() : Double.NaN;
        }
    }
}

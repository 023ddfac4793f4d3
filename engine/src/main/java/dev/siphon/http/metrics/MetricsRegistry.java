package dev.siphon.http.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The metric families of one process, written on a scrape in registration order. Names and
 * label names are checked as Prometheus would parse them, and a name is registered once: a
 * second registration of it, of any type, is an {@link IllegalArgumentException}. A counter
 * registered as {@code x} or {@code x_total} is the same counter, exposed as {@code x_total}.
 *
 * <p>Each family holds at most {@link #maxSeries()} label combinations (default
 * {@value #DEFAULT_MAX_SERIES}); beyond it new combinations are not recorded, and
 * {@code siphon_metrics_series_dropped_total} counts each time one was asked for. Thread-safe.
 */
public final class MetricsRegistry {
    public static final int DEFAULT_MAX_SERIES = 1000;
    /**
     * False when the JVM runs with {@code -Dsiphon.metrics.record=false}: the engine and the
     * Python workers record nothing per request (the families are still registered and read 0).
     * For measuring what recording costs (docs/performance.md), or for an embedder who wants none.
     */
    public static final boolean RECORDING = !"false".equals(System.getProperty("siphon.metrics.record"));
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** Suffixes a histogram writes (and a counter's): a name ending so would collide with them. */
    private static final List<String> RESERVED_SUFFIXES = List.of("_bucket", "_sum", "_count", "_created");

    private final int maxSeries;
    private final Map<String, Metric<?>> families = new LinkedHashMap<>();
    private final LongAdder seriesDropped = new LongAdder();

    public MetricsRegistry() {
        this(DEFAULT_MAX_SERIES);
    }

    public MetricsRegistry(int maxSeries) {
        if (maxSeries < 1) {
            throw new IllegalArgumentException("maxSeries must be at least 1, not " + maxSeries);
        }
        this.maxSeries = maxSeries;
        callback("siphon_metrics_series_dropped", "label combinations not recorded: their family was at its limit",
                "counter", List.of(), s -> s.add(seriesDropped.sum()));
    }

    public int maxSeries() {
        return maxSeries;
    }

    void seriesDropped() {
        seriesDropped.increment();
    }

    public Counter counter(String name, String help, String... labelNames) {
        return counter(name, help, List.of(labelNames));
    }

    public Counter counter(String name, String help, List<String> labelNames) {
        String base = counterFamily(name);
        return register(new Counter(this, check(base, help, labelNames, Set.of()), help, labelNames));
    }

    /** A counter's family name: {@code name} without a trailing {@code _total}, which the exposition adds. */
    public static String counterFamily(String name) {
        return name != null && name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    }

    public Gauge gauge(String name, String help, String... labelNames) {
        return gauge(name, help, List.of(labelNames));
    }

    public Gauge gauge(String name, String help, List<String> labelNames) {
        return register(new Gauge(this, check(name, help, labelNames, Set.of()), help, labelNames));
    }

    /** A histogram with the given bucket upper bounds (increasing; +Inf is implied). */
    public Histogram histogram(String name, String help, double[] buckets, List<String> labelNames) {
        check(name, help, labelNames, Set.of("le"));
        return register(new Histogram(this, name, help, labelNames, Histogram.checkBounds(name, buckets)));
    }

    /** A duration histogram recorded with HdrHistogram, exposed in seconds at {@link LatencyHistogram#BOUNDS_SECONDS}. */
    public LatencyHistogram latency(String name, String help, String... labelNames) {
        List<String> labels = List.of(labelNames);
        return register(new LatencyHistogram(this, check(name, help, labels, Set.of("le")), help, labels));
    }

    /**
     * A family read at scrape time ({@link CallbackMetric}).
     *
     * @param type "counter" (exposed with {@code _total}) or "gauge"
     */
    public CallbackMetric callback(String name, String help, String type, List<String> labelNames,
                                   Consumer<CallbackMetric.Samples> callback) {
        if (!type.equals("counter") && !type.equals("gauge")) {
            throw new IllegalArgumentException("a callback metric is a counter or a gauge, not " + type);
        }
        String base = type.equals("counter") ? counterFamily(name) : name;
        return register(new CallbackMetric(this, check(base, help, labelNames, Set.of()), help, labelNames, type,
                java.util.Objects.requireNonNull(callback, "callback")));
    }

    private String check(String name, String help, List<String> labelNames, Set<String> reserved) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + quote(name)
                    + ": letters, digits, '_' and ':', not starting with a digit");
        }
        for (String s : RESERVED_SUFFIXES) {
            if (name.endsWith(s)) {
                throw new IllegalArgumentException("invalid metric name " + quote(name) + ": the suffix " + s
                        + " is what histograms write");
            }
        }
        if (help == null) {
            throw new IllegalArgumentException(name + ": help is required");
        }
        List<String> seen = new ArrayList<>();
        for (String l : labelNames) {
            if (l == null || !LABEL.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException(name + ": invalid label name " + quote(l)
                        + ": letters, digits and '_', not starting with a digit or '__'");
            }
            if (reserved.contains(l)) {
                throw new IllegalArgumentException(name + ": the label name " + l + " is reserved for this type");
            }
            if (seen.contains(l)) {
                throw new IllegalArgumentException(name + ": label name " + l + " given twice");
            }
            seen.add(l);
        }
        return name;
    }

    private static String quote(String s) {
        return s == null ? "None" : "'" + s + "'";
    }

    private synchronized <M extends Metric<?>> M register(M metric) {
        String n = metric.name();
        for (String taken : families.keySet()) {
            if (collides(n, taken) || collides(taken, n)) {
                throw new IllegalArgumentException("a metric named " + quote(n) + " is already registered"
                        + (taken.equals(n) ? "" : " (as " + quote(taken) + ", whose samples it would share)"));
            }
        }
        metric.init();
        families.put(n, metric);
        return metric;
    }

    /** Whether samples of {@code a} could carry the name {@code b} (x_total is x's counter sample). */
    private static boolean collides(String a, String b) {
        return a.equals(b) || b.equals(a + "_total") || b.equals(a + "_created");
    }

    /** Every family's samples in the given format. */
    public String scrape(Exposition format) {
        List<Metric<?>> all;
        synchronized (this) {
            all = new ArrayList<>(families.values());
        }
        StringBuilder out = new StringBuilder(8192);
        Exposition.Writer w = format.new Writer(out);
        for (Metric<?> m : all) {
            m.write(w);
        }
        w.end();
        return out.toString();
    }

    /** The family registered under this name (a counter's without {@code _total}), or null. */
    public synchronized Metric<?> get(String name) {
        return families.get(name);
    }
}

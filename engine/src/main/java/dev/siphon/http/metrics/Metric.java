package dev.siphon.http.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One metric family: a name, a help line, label names, and one child per distinct combination
 * of label values ({@link #labels}). A family holds at most {@link MetricsRegistry#maxSeries}
 * children: past that, {@code labels} returns a child that records nothing, the registry counts
 * the drop ({@code siphon_metrics_series_dropped_total}) and warns once per family, so label
 * values taken from requests cannot grow memory without bound. Thread-safe.
 *
 * @param <C> the child type
 */
public abstract sealed class Metric<C> permits Counter, Gauge, Histogram, LatencyHistogram, CallbackMetric {
    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final MetricsRegistry registry;
    private final ConcurrentHashMap<List<String>, C> children = new ConcurrentHashMap<>();
    private C unlabelled; // set by init(), after the subclass's fields
    private C dropped;
    private volatile boolean warned;

    Metric(MetricsRegistry registry, String name, String help, List<String> labelNames) {
        this.registry = registry;
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
    }

    /** Called by the registry once the family is constructed (children need the subclass's fields). */
    final void init() {
        unlabelled = labelNames.isEmpty() ? newChild() : null;
        dropped = newChild();
    }

    /** A child that records into this family; {@code values} in the order of the label names. */
    abstract C newChild();

    /** The exposition type: counter, gauge or histogram. */
    abstract String type();

    /** Writes the samples of one child. */
    abstract void writeChild(Exposition.Writer out, List<String> labelValues, C child);

    public final String name() {
        return name;
    }

    public final String help() {
        return help;
    }

    public final List<String> labelNames() {
        return labelNames;
    }

    /**
     * The child for these label values, one per label name, in their order.
     *
     * @throws IllegalArgumentException for the wrong number of values or a null value
     */
    public final C labels(String... values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", given " + values.length
                    + " value" + (values.length == 1 ? "" : "s"));
        }
        if (values.length == 0) {
            return unlabelled;
        }
        for (String v : values) {
            Objects.requireNonNull(v, () -> name + ": a label value is null");
        }
        List<String> key = Arrays.asList(values); // a view for the lookup; a stored key is copied below
        C c = children.get(key);
        if (c != null) {
            return c;
        }
        if (children.size() >= registry.maxSeries()) {
            registry.seriesDropped();
            if (!warned) {
                warned = true;
                System.getLogger("siphon.metrics").log(System.Logger.Level.WARNING, name + " has "
                        + registry.maxSeries() + " label combinations, its limit: new ones are not recorded");
            }
            return dropped;
        }
        return children.computeIfAbsent(List.copyOf(key), k -> newChild());
    }

    /** The child of a family without labels. */
    final C child() {
        if (unlabelled == null) {
            throw new IllegalStateException(name + " has labels " + labelNames + ": use labels(...)");
        }
        return unlabelled;
    }

    /** Children in a stable order (by label values), the unlabelled one alone. */
    final List<Map.Entry<List<String>, C>> snapshot() {
        if (unlabelled != null) {
            return List.of(Map.entry(List.of(), unlabelled));
        }
        List<Map.Entry<List<String>, C>> all = new ArrayList<>(children.entrySet());
        all.sort((a, b) -> {
            List<String> x = a.getKey();
            List<String> y = b.getKey();
            for (int i = 0; i < x.size(); i++) {
                int c = x.get(i).compareTo(y.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        return all;
    }

    void write(Exposition.Writer out) {
        List<Map.Entry<List<String>, C>> all = snapshot();
        out.header(this);
        for (Map.Entry<List<String>, C> e : all) {
            writeChild(out, e.getKey(), e.getValue());
        }
    }
}

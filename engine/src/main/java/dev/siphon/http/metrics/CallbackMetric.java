package dev.siphon.http.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A counter or gauge family whose samples are read at scrape time from where the values already
 * live (the engine's counters, the JVM's MXBeans, a worker's queue), instead of being recorded
 * into the registry. The callback runs on the scraping thread and must be quick and thread-safe.
 */
public final class CallbackMetric extends Metric<Void> {
    /** What a callback adds its samples to. */
    public interface Samples {
        /** One sample: its value and its label values, one per label name, in their order. */
        void add(double value, String... labelValues);
    }

    private final String type;
    private final Consumer<Samples> callback;

    CallbackMetric(MetricsRegistry registry, String name, String help, List<String> labelNames, String type,
                   Consumer<Samples> callback) {
        super(registry, name, help, labelNames);
        this.type = type;
        this.callback = callback;
    }

    @Override
    Void newChild() {
        return null;
    }

    @Override
    String type() {
        return type;
    }

    @Override
    void writeChild(Exposition.Writer out, List<String> labelValues, Void child) {
        throw new UnsupportedOperationException();
    }

    @Override
    void write(Exposition.Writer out) {
        List<String> names = labelNames();
        List<Object[]> rows = new ArrayList<>();
        callback.accept((value, values) -> {
            if (values.length != names.size()) {
                throw new IllegalArgumentException(name() + " has labels " + names + ", given " + values.length);
            }
            rows.add(new Object[] {value, List.of(values)});
        });
        out.header(this);
        for (Object[] r : rows) {
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) r[1];
            out.sample(name(), "", names, values, null, null, (Double) r[0]);
        }
    }
}

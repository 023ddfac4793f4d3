package dev.siphon.http.metrics;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A counter family: values that only go up, exposed as {@code <name>_total} (the registry adds
 * the suffix when the name lacks it). Recording is an adder's increment, never a lock.
 */
public final class Counter extends Metric<Counter.Child> {

    /** One labelled counter. */
    public static final class Child {
        private final DoubleAdder value = new DoubleAdder();

        public void inc() {
            value.add(1);
        }

        /** @throws IllegalArgumentException for a negative or non-finite amount: a counter only goes up */
        public void inc(double amount) {
            if (!(amount >= 0) || Double.isInfinite(amount)) {
                throw new IllegalArgumentException("a counter goes up by a finite amount >= 0, not " + amount);
            }
            value.add(amount);
        }

        public double value() {
            return value.sum();
        }
    }

    Counter(MetricsRegistry registry, String name, String help, List<String> labelNames) {
        super(registry, name, help, labelNames);
    }

    public void inc() {
        child().inc();
    }

    public void inc(double amount) {
        child().inc(amount);
    }

    public double value() {
        return child().value();
    }

    @Override
    Child newChild() {
        return new Child();
    }

    @Override
    String type() {
        return "counter";
    }

    @Override
    void writeChild(Exposition.Writer out, List<String> labelValues, Child child) {
        out.sample(name(), "", labelNames(), labelValues, null, null, child.value());
    }
}

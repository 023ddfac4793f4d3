package dev.siphon.http.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A gauge family: a value that goes up and down, or is set. */
public final class Gauge extends Metric<Gauge.Child> {

    /** One labelled gauge. */
    public static final class Child {
        private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0));

        public void set(double v) {
            bits.set(Double.doubleToRawLongBits(v));
        }

        public void inc() {
            inc(1);
        }

        public void inc(double amount) {
            long prev;
            long next;
            do {
                prev = bits.get();
                next = Double.doubleToRawLongBits(Double.longBitsToDouble(prev) + amount);
            } while (!bits.compareAndSet(prev, next));
        }

        public void dec() {
            inc(-1);
        }

        public void dec(double amount) {
            inc(-amount);
        }

        public double value() {
            return Double.longBitsToDouble(bits.get());
        }
    }

    Gauge(MetricsRegistry registry, String name, String help, List<String> labelNames) {
        super(registry, name, help, labelNames);
    }

    public void set(double v) {
        child().set(v);
    }

    public void inc() {
        child().inc();
    }

    public void inc(double amount) {
        child().inc(amount);
    }

    public void dec() {
        child().dec();
    }

    public void dec(double amount) {
        child().dec(amount);
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
        return "gauge";
    }

    @Override
    void writeChild(Exposition.Writer out, List<String> labelValues, Child child) {
        out.sample(name(), "", labelNames(), labelValues, null, null, child.value());
    }
}

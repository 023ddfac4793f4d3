package dev.siphon.http.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Registration rules, the exposition's text, and the cap on label combinations. */
class MetricsRegistryTest {

    @Test
    void writesEachTypeInThePrometheusTextFormat() {
        MetricsRegistry r = new MetricsRegistry();
        Counter c = r.counter("jobs", "jobs done", "kind");
        c.labels("a").inc();
        c.labels("a").inc(2.5);
        Gauge g = r.gauge("temperature_celsius", "now");
        g.set(-3.5);
        Histogram h = r.histogram("size_bytes", "sizes", new double[] {10, 100}, List.of());
        h.observe(5);
        h.observe(50);
        h.observe(500);
        String text = r.scrape(Exposition.PROMETHEUS_TEXT);
        assertTrue(text.contains("""
                # HELP jobs_total jobs done
                # TYPE jobs_total counter
                jobs_total{kind="a"} 3.5
                # HELP temperature_celsius now
                # TYPE temperature_celsius gauge
                temperature_celsius -3.5
                # HELP size_bytes sizes
                # TYPE size_bytes histogram
                size_bytes_bucket{le="10.0"} 1
                size_bytes_bucket{le="100.0"} 2
                size_bytes_bucket{le="+Inf"} 3
                size_bytes_sum 555
                size_bytes_count 3
                """), text);
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("odd", "a \\ backslash\nand a newline", "v").labels("quote \" back \\ nl \n").inc();
        String text = r.scrape(Exposition.PROMETHEUS_TEXT);
        assertTrue(text.contains("# HELP odd_total a \\\\ backslash\\nand a newline\n"), text);
        assertTrue(text.contains("odd_total{v=\"quote \\\" back \\\\ nl \\n\"} 1\n"), text);
    }

    @Test
    void aNameIsRegisteredOnceWhateverItsTypeAndACounterWithOrWithoutTotalIsOne() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("requests", "h");
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> r.counter("requests_total", "h"));
        assertEquals("a metric named 'requests' is already registered", x.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.gauge("requests", "h"));
        assertThrows(IllegalArgumentException.class, () -> r.gauge("requests_total", "h"),
                "a gauge named requests_total would share the counter's samples");
    }

    @Test
    void namesAndLabelsPrometheusWouldRejectAreRefused() {
        MetricsRegistry r = new MetricsRegistry();
        assertEquals("invalid metric name '2xx': letters, digits, '_' and ':', not starting with a digit",
                assertThrows(IllegalArgumentException.class, () -> r.counter("2xx", "h")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.gauge("a-b", "h"));
        assertThrows(IllegalArgumentException.class, () -> r.gauge("", "h"));
        assertThrows(IllegalArgumentException.class, () -> r.gauge("x_bucket", "h"));
        assertEquals("g: invalid label name '__name': letters, digits and '_', not starting with a digit or '__'",
                assertThrows(IllegalArgumentException.class, () -> r.gauge("g", "h", "__name")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.gauge("g2", "h", "a", "a"));
        assertThrows(IllegalArgumentException.class, () -> r.histogram("h", "h", new double[] {1}, List.of("le")));
        assertThrows(IllegalArgumentException.class, () -> r.histogram("h2", "h", new double[] {2, 1}, List.of()));
        assertThrows(IllegalArgumentException.class, () -> r.histogram("h3", "h", new double[] {}, List.of()));
    }

    @Test
    void countersOnlyGoUpAndChildrenNeedEveryLabel() {
        MetricsRegistry r = new MetricsRegistry();
        Counter c = r.counter("c", "h", "a", "b");
        assertThrows(IllegalArgumentException.class, () -> c.labels("x").inc());
        assertThrows(IllegalArgumentException.class, () -> c.labels("x", "y").inc(-1));
        assertThrows(IllegalArgumentException.class, () -> c.labels("x", "y").inc(Double.NaN));
        assertThrows(IllegalStateException.class, c::inc);
        assertSame(c.labels("x", "y"), c.labels("x", "y"));
    }

    @Test
    void labelCombinationsPastTheCapAreDroppedAndCounted() {
        MetricsRegistry r = new MetricsRegistry(3);
        Counter c = r.counter("per_user", "h", "user");
        for (int i = 0; i < 10; i++) {
            c.labels("u" + i).inc();
        }
        String text = r.scrape(Exposition.PROMETHEUS_TEXT);
        assertEquals(3, text.lines().filter(l -> l.startsWith("per_user_total{")).count(), text);
        assertTrue(text.contains("siphon_metrics_series_dropped_total 7\n"), text);
    }

    @Test
    void latencyHistogramsExposeSecondsBucketsWithAnExactSum() {
        MetricsRegistry r = new MetricsRegistry();
        LatencyHistogram h = r.latency("d_seconds", "h");
        h.recordNanos(300_000);     // 0.3 ms
        h.recordNanos(2_000_000);   // 2 ms
        h.recordNanos(40_000_000);  // 40 ms
        String text = r.scrape(Exposition.PROMETHEUS_TEXT);
        assertTrue(text.contains("d_seconds_bucket{le=\"0.0005\"} 1\n"), text);
        assertTrue(text.contains("d_seconds_bucket{le=\"0.0025\"} 2\n"), text);
        assertTrue(text.contains("d_seconds_bucket{le=\"0.05\"} 3\n"), text);
        assertTrue(text.contains("d_seconds_bucket{le=\"+Inf\"} 3\n"), text);
        assertTrue(text.contains("d_seconds_sum 0.0423\n"), text);
        assertTrue(text.contains("d_seconds_count 3\n"), text);
        h.recordNanos(1_000_000);
        assertTrue(r.scrape(Exposition.PROMETHEUS_TEXT).contains("d_seconds_count 4\n"), "cumulative across scrapes");
    }

    @Test
    void acceptChoosesOpenMetricsOnlyWhenAsked() {
        assertEquals(Exposition.PROMETHEUS_TEXT, Exposition.negotiate(null));
        assertEquals(Exposition.PROMETHEUS_TEXT, Exposition.negotiate("text/plain"));
        assertEquals(Exposition.OPENMETRICS, Exposition.negotiate(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertEquals(Exposition.PROMETHEUS_TEXT, Exposition.negotiate("application/openmetrics-text;q=0"));
    }
}

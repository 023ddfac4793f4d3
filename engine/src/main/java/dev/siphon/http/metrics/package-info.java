/**
 * Metrics in the Prometheus model: a {@link dev.siphon.http.metrics.MetricsRegistry} of counter,
 * gauge and histogram families with labels, written in the Prometheus text format 0.0.4 or in
 * OpenMetrics 1.0 ({@link dev.siphon.http.metrics.Exposition}). The engine records its own
 * metrics in one (request durations in HdrHistogram recorders, see
 * {@link dev.siphon.http.metrics.LatencyHistogram}); the admin listener's {@code /metrics}
 * serves it; scripts and embedders add theirs to the same registry.
 */
package dev.siphon.http.metrics;

package dev.siphon.http.server;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.dispatch.AccessLog;
import dev.siphon.http.dispatch.ListenerContext;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.metrics.MetricsRegistry;
import dev.siphon.http.metrics.ProcessMetrics;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.Listener;
import dev.siphon.http.net.Session;
import java.util.List;
import java.util.Locale;

/**
 * The engine's families that are read where the values already live (its {@link Counters}, each
 * listener's connection counts, the loops' buffer pools), registered once per engine; the
 * per-request families are {@link dev.siphon.http.dispatch.RequestMetrics}'.
 */
final class EngineMetrics {
    private EngineMetrics() {}

    static void register(MetricsRegistry r, Counters counters, List<Listener> listeners, EventLoop[] loops,
                         AccessLog accessLog) {
        r.callback("siphon_access_log_lines", "access log lines written (0 without an access log)", "counter",
                List.of(), s -> s.add(accessLog == null ? 0 : accessLog.written()));
        r.callback("siphon_access_log_dropped", "access log lines dropped because the writer fell behind", "counter",
                List.of(), s -> s.add(accessLog == null ? 0 : accessLog.dropped()));
        List<String> byListener = List.of("listener", "protocol");
        r.callback("siphon_connections_accepted", "connections that began speaking a protocol, by listener and protocol",
                "counter", byListener, s -> {
                    for (Listener l : listeners) {
                        for (int p = 0; p < Session.PROTOCOL_NAMES.size(); p++) {
                            s.add(l.connectionsOpened(p), url(l), Session.PROTOCOL_NAMES.get(p));
                        }
                    }
                });
        r.callback("siphon_connections_open", "connections open now, by listener and protocol", "gauge", byListener, s -> {
            for (Listener l : listeners) {
                for (int p = 0; p < Session.PROTOCOL_NAMES.size(); p++) {
                    s.add(l.connectionsOpen(p), url(l), Session.PROTOCOL_NAMES.get(p));
                }
            }
        });
        r.callback("siphon_tcp_connections_open", "accepted sockets open now, in a TLS handshake or a protocol",
                "gauge", List.of(), s -> s.add(counters.connectionsOpen()));
        r.callback("siphon_tls_handshakes", "TLS handshakes completed", "counter", List.of(),
                s -> s.add(counters.tlsHandshakes()));
        r.callback("siphon_tls_handshake_failures", "TLS handshakes that failed or timed out", "counter", List.of(),
                s -> s.add(counters.count(Limit.TLS_HANDSHAKE) + counters.count(Limit.TLS_HANDSHAKE_TIMEOUT)));
        r.callback("siphon_http2_streams_open", "HTTP/2 streams open now", "gauge", List.of(),
                s -> s.add(counters.h2StreamsOpen()));
        r.callback("siphon_http2_streams", "HTTP/2 streams opened by clients", "counter", List.of(),
                s -> s.add(counters.h2StreamsOpened()));
        r.callback("siphon_http2_resets_received", "RST_STREAM frames received", "counter", List.of(),
                s -> s.add(counters.h2ResetsReceived()));
        r.callback("siphon_http2_goaways_sent", "GOAWAY frames sent", "counter", List.of(),
                s -> s.add(counters.h2GoAwaysSent()));
        r.callback("siphon_limit_trips", "requests or connections refused or cut by a configured limit, by limit",
                "counter", List.of("limit"), s -> {
                    for (Limit l : Limit.values()) {
                        s.add(counters.count(l), l.name().toLowerCase(Locale.ROOT));
                    }
                });
        r.callback("siphon_buffered_body_bytes", "request-body octets buffered now (engine.max_buffered_body_bytes bounds it)",
                "gauge", List.of(), s -> s.add(counters.bodyBudget().reserved()));
        r.callback("siphon_io_buffers_outstanding", "pooled I/O buffers taken and not returned", "gauge", List.of(), s -> {
            long n = 0;
            for (EventLoop l : loops) {
                n += l.pool().outstanding();
            }
            s.add(n);
        });
        ProcessMetrics.register(r);
    }

    private static String url(Listener l) {
        return ((ListenerContext) l.config()).scheme() + "://" + HttpEngine.hostPort(l.localAddress());
    }
}

package dev.siphon.http.dispatch;

import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.Counters;
import dev.siphon.http.config.TrustedProxies;

/**
 * What the sessions of one listener share: its configuration, the engine's settings, routes,
 * counters, request metrics and the access log ({@code null} when off). Immutable.
 */
public record ListenerContext(ServerConfig server, EngineSettings settings, Dispatcher dispatcher, Counters counters,
                              TrustedProxies trustedProxies, String scheme, RequestMetrics metrics,
                              AccessLog accessLog) {}

package dev.siphon.http.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A whole http.yaml: the listeners, the named outbound clients and the engine-wide settings.
 * Immutable; the lists and maps keep the file's order.
 *
 * @param servers one entry per listening socket; empty means nothing listens
 * @param clients named outbound client pools, by name
 * @param engine  engine-wide limits and thread counts
 * @param admin   the admin listener ({@code /metrics}, {@code /healthz}, {@code /readyz}), or null for none
 * @param accessLog the access log, or null for none
 */
public record HttpConfig(List<ServerConfig> servers, Map<String, ClientConfig> clients, EngineSettings engine,
                         AdminConfig admin, AccessLogConfig accessLog) {

    /** The top-level sections of http.yaml, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("",
            Setting.shaped("servers", "servers", "list", "`[]`", "listening sockets"),
            Setting.shaped("clients", "clients", "mapping", "none", "named outbound clients"),
            Setting.shaped("engine", "engine", "mapping", "none", "engine-wide settings"),
            Setting.shaped("admin", "admin", "mapping", "none (no admin listener)",
                    "the admin listener: /metrics, /healthz, /readyz"),
            Setting.shaped("access_log", "accessLog", "mapping", "none (no access log)",
                    "one line per request, written off the I/O loops"));

    public HttpConfig {
        servers = List.copyOf(servers);
        Map<String, ClientConfig> copy = new LinkedHashMap<>();
        for (Map.Entry<String, ClientConfig> e : clients.entrySet()) {
            ClientConfig c = Objects.requireNonNull(e.getValue(), "client " + e.getKey());
            if (!c.name().equals(e.getKey())) {
                throw new IllegalArgumentException(
                        "client registered as \"" + e.getKey() + "\" is named \"" + c.name() + "\"");
            }
            copy.put(e.getKey(), c);
        }
        clients = Collections.unmodifiableMap(copy);
        Objects.requireNonNull(engine, "engine");
        int taken = admin == null ? -1 : admin.collidingServer(servers);
        if (taken >= 0) {
            throw new IllegalArgumentException("admin.listen " + admin.listen()
                    + " takes the port of the server listening on " + servers.get(taken).listen());
        }
    }

    /** No admin listener, no access log. */
    public HttpConfig(List<ServerConfig> servers, Map<String, ClientConfig> clients, EngineSettings engine) {
        this(servers, clients, engine, null, null);
    }

    /** No servers, no clients, default engine settings: what an empty http.yaml gives. */
    public static HttpConfig defaults() {
        return new HttpConfig(List.of(), Map.of(), EngineSettings.defaults(), null, null);
    }

    public HttpConfig withServers(List<ServerConfig> servers) {
        return new HttpConfig(servers, clients, engine, admin, accessLog);
    }

    public HttpConfig withClients(Map<String, ClientConfig> clients) {
        return new HttpConfig(servers, clients, engine, admin, accessLog);
    }

    public HttpConfig withEngine(EngineSettings engine) {
        return new HttpConfig(servers, clients, engine, admin, accessLog);
    }

    /** {@code null} turns the access log off. */
    public HttpConfig withAccessLog(AccessLogConfig accessLog) {
        return new HttpConfig(servers, clients, engine, admin, accessLog);
    }

    /** {@code null} turns the admin listener off. */
    public HttpConfig withAdmin(AdminConfig admin) {
        return new HttpConfig(servers, clients, engine, admin, accessLog);
    }
}

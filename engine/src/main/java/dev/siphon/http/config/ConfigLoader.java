package dev.siphon.http.config;

import static dev.siphon.http.config.YamlReader.child;
import static dev.siphon.http.config.YamlReader.isNull;
import static dev.siphon.http.config.YamlReader.lineOf;
import static dev.siphon.http.config.YamlReader.shape;
import static dev.siphon.http.config.YamlReader.shown;

import dev.siphon.http.config.YamlReader.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads an http.yaml into an {@link HttpConfig}, or fails with one {@link ConfigException} that
 * names the file, the key path and the line. Runs on the thread that starts the engine; it keeps
 * no state between calls and opens nothing but the configuration file itself (the PEM files a
 * configuration names are read later, by the TLS layer).
 *
 * <p>This class is the schema: which sections there are and the rules that are more than a type
 * and a range (a listen address, a TLS identity, a buffer that must hold a head and a frame). The
 * keys themselves, with their types, defaults and bounds, are declared once next to the records
 * they fill ({@link ServerConfig#SECTION}, {@link TlsConfig#SECTION}, {@link ClientConfig#SECTION},
 * {@link EngineSettings#SECTION}, {@link ConnectionLimits#SECTION}, {@link Http2Settings#SECTION}),
 * and an integer or boolean key is read from its declaration alone. The YAML itself (nodes, lines,
 * merges, environment expansion, typing, error messages) is {@link YamlReader}'s.
 */
public final class ConfigLoader {

    /** The keys of {@code engine:}: the engine's own, then the connection limits'. */
    private static final Section ENGINE = EngineSettings.SECTION.and(ConnectionLimits.SECTION);

    private record ServerEntry(ServerConfig server, Node listen) {
    }

    private final YamlReader y;

    private ConfigLoader(YamlReader y) {
        this.y = y;
    }

    /** Loads {@code file}, expanding {@code ${VAR}} from the process environment. */
    public static HttpConfig load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    /**
     * Loads {@code file}; {@code env} maps a variable name to its value, or {@code null} when unset.
     * Relative paths in the file are resolved against the file's directory.
     */
    public static HttpConfig load(Path file, Function<String, String> env) throws ConfigException {
        Objects.requireNonNull(env, "env");
        String name = file.toString();
        String text = YamlReader.readFile(file, name);
        Path parent = file.toAbsolutePath().normalize().getParent();
        return parse(text, name, parent != null ? parent : file.toAbsolutePath().getRoot(), env);
    }

    /**
     * Parses configuration text; relative paths in it are resolved against the working directory.
     *
     * @param sourceName what error messages call the text, usually its file name
     */
    public static HttpConfig parse(String yaml, String sourceName, Function<String, String> env)
            throws ConfigException {
        return parse(yaml, sourceName, Path.of("").toAbsolutePath(), env);
    }

    /** Parses configuration text; relative paths in it are resolved against {@code baseDir}. */
    public static HttpConfig parse(String yaml, String sourceName, Path baseDir, Function<String, String> env)
            throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(env, "env");
        Node root = YamlReader.compose(yaml, sourceName);
        return new ConfigLoader(new YamlReader(sourceName, baseDir.toAbsolutePath().normalize(), env)).read(root);
    }

    // ---- the schema ------------------------------------------------------------------------

    private HttpConfig read(Node root) throws ConfigException {
        if (isNull(root)) {
            return HttpConfig.defaults();
        }
        if (!(root instanceof MappingNode)) {
            throw y.error(root, "", "expected a mapping with the sections servers, clients, engine, admin, access_log at the top level, found "
                    + shape(root));
        }
        Map<String, Entry> top = y.mapping(root, "", HttpConfig.SECTION.keys());
        List<ServerConfig> servers = servers(top.get("servers"));
        Map<String, ClientConfig> clients = clients(top.get("clients"));
        EngineSettings engine = engine(top.get("engine"));
        AdminConfig admin = admin(top.get("admin"), servers);
        return new HttpConfig(servers, clients, engine, admin, accessLog(top.get("access_log")));
    }

    /** An optional top-level section, read: its node, its keys, and the one key it requires. */
    private record OptionalSection(Node node, Map<String, Entry> fields, Entry required) {}

    /**
     * Section {@code name} (null when absent): a mapping of {@code section}'s keys in which
     * {@code key} must be given ({@code expected} says what it takes; {@code example} shows one).
     */
    private OptionalSection optionalSection(Entry e, String name, Section section, String key, String example,
                                            String expected) throws ConfigException {
        if (isNull(e)) {
            return null;
        }
        Node node = y.requireMapping(e.value(), name, "expected a mapping with " + key + ", like " + example);
        Map<String, Entry> f = y.mapping(node, name, section.keys());
        Entry required = f.get(key);
        if (isNull(required)) {
            throw y.missing(node, required, name + "." + key, expected);
        }
        return new OptionalSection(node, f, required);
    }

    /** {@code access_log:}, or null. */
    private AccessLogConfig accessLog(Entry e) throws ConfigException {
        OptionalSection o = optionalSection(e, "access_log", AccessLogConfig.SECTION, "path", "{path: -, format: json}",
                "expected a file path, or - for standard output");
        if (o == null) {
            return null;
        }
        Map<String, Object> values = y.read(AccessLogConfig.SECTION, o.fields(), "access_log", (s, x, out) -> {
            switch (s.key()) {
                case "path" -> {
                    String text = y.string(x.value(), "access_log.path", "expected a file path, or - for standard output");
                    out.put("path", text.equals("-") ? null : y.path(x, "access_log.path"));
                }
                case "format" -> {
                    if (isNull(x)) {
                        out.put("json", true); // the default
                        return;
                    }
                    String expected = "expected \"json\" or \"text\"";
                    String text = y.string(x.value(), "access_log.format", expected);
                    if (!text.equals("json") && !text.equals("text")) {
                        throw y.error(x.value(), "access_log.format", expected + ", found " + shown(x.value(), text));
                    }
                    out.put("json", text.equals("json"));
                }
                default -> throw unread(s);
            }
        });
        return y.build(o.node(), "access_log", () -> Section.build(AccessLogConfig.class, values));
    }

    /** {@code admin:}, or null; its listen address must not take a server's socket. */
    private AdminConfig admin(Entry e, List<ServerConfig> servers) throws ConfigException {
        OptionalSection o = optionalSection(e, "admin", AdminConfig.SECTION, "listen", "{listen: \"127.0.0.1:9090\"}",
                "expected \"host:port\", like \"127.0.0.1:9090\"");
        if (o == null) {
            return null;
        }
        Entry listen = o.required();
        Map<String, Object> values = y.read(AdminConfig.SECTION, o.fields(), "admin", (s, x, out) -> {
            if (!s.key().equals("listen")) {
                throw unread(s);
            }
            String text = y.string(listen.value(), "admin.listen", HostPort.EXPECTED);
            HostPort hp;
            try {
                hp = HostPort.parse(text);
            } catch (IllegalArgumentException bad) {
                throw y.error(listen.value(), "admin.listen", bad.getMessage());
            }
            out.put("host", hp.host());
            out.put("port", hp.port());
        });
        AdminConfig admin = y.build(o.node(), "admin", () -> Section.build(AdminConfig.class, values));
        int i = admin.collidingServer(servers);
        if (i >= 0) {
            throw y.error(listen.value(), "admin.listen", Texts.quote(admin.listen()) + " takes the port of servers["
                    + i + "] (" + Texts.quote(servers.get(i).listen()) + "); the admin listener needs a port of its own");
        }
        return admin;
    }

    private List<ServerConfig> servers(Entry e) throws ConfigException {
        if (isNull(e)) {
            return List.of();
        }
        SequenceNode list = y.list(e.value(), "servers", "expected a list of servers, each like \"- listen: 0.0.0.0:8080\"");
        List<ServerConfig> servers = new ArrayList<>();
        Map<String, Integer> byAddress = new HashMap<>();
        List<Node> listenNodes = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String path = "servers[" + i + "]";
            if (!(item instanceof MappingNode)) {
                throw y.error(item, path, "expected a mapping with at least listen, found " + shape(item));
            }
            ServerEntry read = server(item, path);
            ServerConfig s = read.server();
            if (s.port() != 0) { // port 0 asks the OS for a fresh port each time, so it never collides
                Integer earlier = byAddress.putIfAbsent(HostPort.canonical(s.host(), s.port()), i);
                if (earlier != null) {
                    throw y.error(read.listen(), path + ".listen", Texts.quote(s.listen()) + " is already used by servers["
                            + earlier + "] (line " + lineOf(listenNodes.get(earlier))
                            + "); two servers cannot listen on the same address and port");
                }
            }
            servers.add(s);
            listenNodes.add(read.listen());
        }
        return servers;
    }

    private ServerEntry server(Node node, String path) throws ConfigException {
        Map<String, Entry> f = y.mapping(node, path, ServerConfig.SECTION.keys());
        Entry listen = f.get("listen");
        String listenPath = path + ".listen";
        if (isNull(listen)) {
            throw y.missing(node, listen, listenPath, "expected \"host:port\", like \"0.0.0.0:8080\"");
        }
        Map<String, Object> values = y.read(ServerConfig.SECTION, f, path, (s, e, out) -> {
            switch (s.key()) {
                case "listen" -> {
                    String listenText = y.string(listen.value(), listenPath, HostPort.EXPECTED);
                    HostPort hp;
                    try {
                        hp = HostPort.parse(listenText);
                    } catch (IllegalArgumentException x) {
                        throw y.error(listen.value(), listenPath, x.getMessage());
                    }
                    out.put("host", hp.host());
                    out.put("port", hp.port());
                }
                case "tls" -> out.put("tls", tls(e, path + ".tls"));
                case "trusted_proxies" -> out.put("trustedProxies", trustedProxies(e, path + ".trusted_proxies"));
                default -> throw unread(s);
            }
        });
        ServerConfig server = y.build(node, path, () -> Section.build(ServerConfig.class, values));
        return new ServerEntry(server, listen.value());
    }

    private TlsConfig tls(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return null;
        }
        Node node = y.requireMapping(e.value(), path, "expected a mapping with cert_path and key_path");
        Map<String, Entry> f = y.mapping(node, path, TlsConfig.SECTION.keys());
        Entry cert = f.get("cert_path");
        if (isNull(cert)) {
            throw y.missing(node, cert, path + ".cert_path", "a TLS listener needs a PEM certificate chain");
        }
        Entry key = f.get("key_path");
        if (isNull(key)) {
            throw y.missing(node, key, path + ".key_path", "a TLS listener needs the PEM private key of its certificate");
        }
        // Every shaped key here is a path: cert_path, key_path, client_ca.
        Map<String, Object> values = y.read(TlsConfig.SECTION, f, path,
                (s, x, out) -> out.put(s.field(), y.path(x, path + "." + s.key())));
        return Section.build(TlsConfig.class, values);
    }

    private List<String> trustedProxies(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return List.of();
        }
        SequenceNode list = y.list(e.value(), path,
                "expected a list of IP addresses and CIDR ranges, like [10.0.0.1, \"::1\", 10.0.0.0/8]");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String itemPath = path + "[" + i + "]";
            String entry = y.string(item, itemPath, "expected an IP address or a CIDR range");
            String expected = TrustedProxies.check(entry);
            if (expected != null) {
                throw y.error(item, itemPath, expected + ", found " + shown(item, entry));
            }
            out.add(entry);
        }
        return out;
    }

    private Map<String, ClientConfig> clients(Entry e) throws ConfigException {
        if (isNull(e)) {
            return Map.of();
        }
        Node node = y.requireMapping(e.value(), "clients", "expected a mapping from client names to their settings");
        Map<String, ClientConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> named : y.mapping(node, "clients", null).entrySet()) {
            String name = named.getKey();
            String path = child("clients", name, true);
            if (name.isEmpty()) {
                throw y.error(named.getValue().key(), path, "a client name must not be empty");
            }
            out.put(name, client(name, named.getValue(), path));
        }
        return out;
    }

    private ClientConfig client(String name, Entry e, String path) throws ConfigException {
        Map<String, Entry> f = isNull(e) ? Map.of()
                : y.mapping(y.requireMapping(e.value(), path, "expected a mapping of client settings"), path,
                        ClientConfig.SECTION.keys());
        Map<String, Object> values = y.read(ClientConfig.SECTION, f, path, (s, x, out) -> {
            switch (s.key()) {
                case "base_url" -> {
                    String baseUrl = null;
                    if (!isNull(x)) {
                        baseUrl = y.string(x.value(), path + ".base_url", "expected an absolute http:// or https:// URL");
                        String bad = ClientConfig.checkBaseUrl(baseUrl);
                        if (bad != null) {
                            throw y.error(x.value(), path + ".base_url", bad);
                        }
                    }
                    out.put("baseUrl", baseUrl);
                }
                case "verify", "cert" -> out.put(s.field(), y.path(x, path + "." + s.key()));
                case "proxy" -> {
                    String proxy = null;
                    if (!isNull(x)) {
                        proxy = y.string(x.value(), path + ".proxy", "expected an http:// proxy URL or \"none\"");
                        if (!proxy.equals(ClientConfig.NO_PROXY_VALUE)) {
                            try {
                                ProxyUrl.parse(proxy, "proxy");
                            } catch (IllegalArgumentException bad) {
                                throw y.error(x.value(), path + ".proxy", bad.getMessage().substring("proxy: ".length()));
                            }
                        }
                    }
                    out.put("proxy", proxy);
                }
                case "no_proxy" -> out.put("noProxy", isNull(x) ? null
                        : y.string(x.value(), path + ".no_proxy", "expected a comma-separated list of hosts"));
                case "key" -> {
                    Path key = y.path(x, path + ".key");
                    if (key != null && out.get("cert") == null) {
                        throw y.error(x.key(), path + ".key", "key is set but cert is not; key is only valid together"
                                + " with cert (cert alone may be a combined PEM holding both)");
                    }
                    out.put("key", key);
                }
                default -> throw unread(s);
            }
        });
        values.put("name", name);
        return y.build(e.key(), path, () -> Section.build(ClientConfig.class, values));
    }

    private EngineSettings engine(Entry e) throws ConfigException {
        if (isNull(e)) {
            return EngineSettings.defaults();
        }
        Node node = y.requireMapping(e.value(), "engine", "expected a mapping of engine settings");
        Map<String, Entry> f = y.mapping(node, "engine", ENGINE.keys());
        Map<String, Object> values = y.read(EngineSettings.SECTION, f, "engine", (s, x, out) -> {
            switch (s.key()) {
                case "loop_threads" -> out.put("loopThreads", loopThreads(x, EngineSettings.DEFAULT_LOOP_THREADS));
                case "http2" -> { } // read below, once the buffer size is known to hold a head
                default -> throw unread(s);
            }
        });
        int maxHeaderBytes = Math.toIntExact((Long) values.get("maxHeaderBytes"));
        int bufferSize = Math.toIntExact((Long) values.get("bufferSize"));
        long need = (long) maxHeaderBytes + EngineSettings.BUFFER_HEADROOM;
        if (bufferSize < need) {
            Entry buffer = f.get("buffer_size");
            Entry header = f.get("max_header_bytes");
            if (!isNull(buffer)) {
                throw y.error(buffer.value(), "engine.buffer_size", "must be at least max_header_bytes + "
                        + EngineSettings.BUFFER_HEADROOM + " = " + need + " (engine.max_header_bytes is " + maxHeaderBytes
                        + (isNull(header) ? ", the default" : ", line " + lineOf(header.value())) + "), found "
                        + bufferSize);
            }
            throw y.error(header.value(), "engine.max_header_bytes", maxHeaderBytes + " needs engine.buffer_size of at"
                    + " least max_header_bytes + " + EngineSettings.BUFFER_HEADROOM + " = " + need
                    + ", but buffer_size is " + bufferSize + " (the default); raise engine.buffer_size too");
        }
        Http2Settings http2 = http2(f.get("http2"));
        long needForFrames = (long) http2.maxFrameSize() + Http2Settings.FRAME_HEADER_LENGTH;
        if (bufferSize < needForFrames) {
            Entry buffer = f.get("buffer_size");
            Entry frame = isNull(f.get("http2")) ? null : http2Entry(f.get("http2"), "max_frame_size");
            if (!isNull(buffer)) {
                throw y.error(buffer.value(), "engine.buffer_size", "must be at least http2.max_frame_size + "
                        + Http2Settings.FRAME_HEADER_LENGTH + " = " + needForFrames + " (engine.http2.max_frame_size is "
                        + http2.maxFrameSize() + (isNull(frame) ? ", the default" : ", line " + lineOf(frame.value()))
                        + "; a whole HTTP/2 frame must fit in one buffer), found " + bufferSize);
            }
            throw y.error(frame.value(), "engine.http2.max_frame_size", http2.maxFrameSize() + " needs engine.buffer_size"
                    + " of at least max_frame_size + " + Http2Settings.FRAME_HEADER_LENGTH + " = " + needForFrames
                    + ", but buffer_size is " + bufferSize + " (the default); raise engine.buffer_size too");
        }
        values.put("http2", http2);
        values.put("connections", Section.build(ConnectionLimits.class,
                y.read(ConnectionLimits.SECTION, f, "engine", (s, x, out) -> {
                    throw unread(s);
                })));
        return y.build(node, "engine", () -> Section.build(EngineSettings.class, values));
    }

    /** One key of {@code engine.http2}, already known to be a mapping; null when absent. */
    private Entry http2Entry(Entry http2, String key) throws ConfigException {
        return y.mapping(http2.value(), "engine.http2", Http2Settings.SECTION.keys()).get(key);
    }

    private Http2Settings http2(Entry e) throws ConfigException {
        if (isNull(e)) {
            return Http2Settings.defaults();
        }
        String p = "engine.http2";
        Node node = y.requireMapping(e.value(), p, "expected a mapping of HTTP/2 settings");
        Map<String, Entry> f = y.mapping(node, p, Http2Settings.SECTION.keys());
        Map<String, Object> values = y.read(Http2Settings.SECTION, f, p, (s, x, out) -> {
            throw unread(s);
        });
        return y.build(node, p, () -> Section.build(Http2Settings.class, values));
    }

    private LoopThreads loopThreads(Entry e, LoopThreads fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected \"virtual\" or \"platform\"";
        String text = y.string(e.value(), "engine.loop_threads", expected);
        for (LoopThreads t : LoopThreads.values()) {
            if (t.yamlName().equals(text)) {
                return t;
            }
        }
        throw y.error(e.value(), "engine.loop_threads", expected + ", found " + shown(e.value(), text));
    }

    /** A shaped key the schema has no code for: a declaration added without its reader. */
    private static IllegalStateException unread(Setting s) {
        return new IllegalStateException("no reader for the shaped key " + s.key());
    }
}

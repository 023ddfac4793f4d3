package dev.siphon.http.config;

import dev.siphon.http.h2.Http2Settings;
import dev.siphon.http.internal.TrustedProxies;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads an http.yaml into an {@link HttpConfig}, or fails with one {@link ConfigException} that
 * names the file, the key path and the line. Runs on the thread that starts the engine; it keeps
 * no state between calls and opens nothing but the configuration file itself (the PEM files a
 * configuration names are read later, by the TLS layer).
 *
 * <p>The file is composed into snakeyaml's node tree, never constructed into objects, so every
 * value keeps its line and no YAML tag can instantiate a class. The schema is walked by hand:
 * keys not in it, duplicate keys and values of the wrong type are errors. Typing is this
 * loader's own, close to YAML 1.2's core schema (so {@code yes}, {@code on} are strings, not
 * booleans), decided after environment expansion for plain (unquoted) scalars; quoted
 * scalars are always strings. Merge keys ({@code <<: *anchor}) work as in YAML 1.1.
 */
public final class ConfigLoader {

    /** Largest configuration accepted: bytes of the file, code points of parsed text. */
    static final int MAX_SIZE = 4 * 1024 * 1024;
    /** Aliases to lists or mappings in one file: enough to share blocks, too few for an alias bomb. */
    static final int MAX_COLLECTION_ALIASES = 32;
    static final int MAX_NESTING = 32;

    private static final List<String> TOP_KEYS = List.of("servers", "clients", "engine");
    private static final List<String> SERVER_KEYS =
            List.of("listen", "tls", "max_body_bytes", "request_timeout_ms", "trusted_proxies");
    private static final List<String> TLS_KEYS = List.of("cert_path", "key_path", "client_ca",
            "handshake_timeout_ms");
    private static final List<String> CLIENT_KEYS = List.of("base_url", "timeout_ms", "verify", "cert", "key",
            "pool_size", "http2_prior_knowledge", "max_response_bytes", "allow_other_origins");
    private static final List<String> ENGINE_KEYS = List.of("io_loops", "loop_threads", "workers",
            "max_header_bytes", "max_header_count", "header_timeout_ms", "idle_timeout_ms", "max_pipelined",
            "buffer_size", "shutdown_grace_ms", "shutdown_hooks_timeout_ms", "http2", "max_buffered_body_bytes",
            "max_connections", "max_connections_per_ip", "max_tls_handshakes");
    private static final List<String> HTTP2_KEYS = List.of("max_concurrent_streams", "initial_window_size",
            "connection_window_size", "max_frame_size", "header_table_size", "max_header_list_size",
            "max_continuation_frames", "max_header_block_bytes", "max_resets", "reset_window_ms",
            "max_empty_data_frames", "max_queued_control_frames", "max_queued_bytes", "max_connection_body_bytes",
            "settings_timeout_ms", "shutdown_ping_timeout_ms", "max_dispatched_streams");

    private static final Pattern NULL = Pattern.compile("|~|null|Null|NULL");
    private static final Pattern BOOL = Pattern.compile("true|True|TRUE|false|False|FALSE");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(0|[1-9][0-9_]*)");
    // At least one digit: "0x_" is text, not an integer with no digits.
    private static final Pattern HEX = Pattern.compile("0x_*[0-9a-fA-F][0-9a-fA-F_]*");
    private static final Pattern OCTAL = Pattern.compile("0o_*[0-7][0-7_]*");
    /** YAML 1.1 read these as octal, YAML 1.2 as decimal; a configuration must not depend on which. */
    private static final Pattern LEADING_ZERO = Pattern.compile("[-+]?0[0-9_]+");
    private static final Pattern FLOAT = Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
    private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private enum Kind { NULL, BOOL, INT, FLOAT, STRING }

    /** A key of a mapping with its value; after merges, the value may come from another mapping. */
    /**
     * Environment values shorter than this are not looked for in error messages (where "1" or "on" would
     * mangle the text); the sites that print a scalar show its expansion only as {@code ${NAME}} anyway.
     */
    private static final int MIN_REDACTED_LENGTH = 4;

    private record Entry(ScalarNode key, Node value) {
    }

    private record ServerEntry(ServerConfig server, Node listen) {
    }

    private final String file;
    private final Path baseDir;
    private final Function<String, String> env;
    private final Resolver resolver = new Resolver();
    /**
     * Each environment variable read so far, by value: an error message shows {@code ${NAME}} where the
     * value would appear, since the environment is where secrets live.
     */
    private final Map<String, String> expandedValues = new LinkedHashMap<>();

    private ConfigLoader(String file, Path baseDir, Function<String, String> env) {
        this.file = file;
        this.baseDir = baseDir;
        this.env = name -> {
            String value = env.apply(name);
            if (value != null && value.length() >= MIN_REDACTED_LENGTH) {
                expandedValues.putIfAbsent(value, name);
            }
            return value;
        };
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
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(name, -1, "", "is a directory; expected an http.yaml file");
            }
            long size = Files.size(file);
            if (size > MAX_SIZE) {
                throw new ConfigException(name, -1, "", "is " + size + " bytes; a configuration file may be at most "
                        + MAX_SIZE + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, -1, "", "file not found (looked for " + file.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(name, -1, "", "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new ConfigException(name, -1, "", "cannot be read: " + e, e);
        }
        String text = decodeUtf8(name, bytes);
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
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setCodePointLimit(MAX_SIZE);
        DumperOptions dumper = new DumperOptions();
        Yaml yamlParser = new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        Node root;
        try {
            root = yamlParser.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getContext() != null ? e.getContext() + ": " + e.getProblem() : e.getProblem();
            throw new ConfigException(sourceName, mark == null ? -1 : mark.getLine() + 1, "",
                    "invalid YAML: " + what, e);
        } catch (YAMLException e) {
            throw new ConfigException(sourceName, -1, "", "invalid YAML: " + e.getMessage(), e);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // snakeyaml's scanner lets a few malformed inputs escape as these (in a double-quoted
            // scalar, a 4-hex-digit escape cut short by the end of the file: NumberFormatException).
            throw new ConfigException(sourceName, -1, "", "invalid YAML: " + e.getMessage(), e);
        }
        return new ConfigLoader(sourceName, baseDir.toAbsolutePath().normalize(), env).read(root);
    }

    private static String decodeUtf8(String name, byte[] bytes) throws ConfigException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ConfigException(name, line, "", "is not valid UTF-8 (bad byte at offset " + in.position() + ")");
        }
        return out.flip().toString();
    }

    // ---- the schema ------------------------------------------------------------------------

    private HttpConfig read(Node root) throws ConfigException {
        if (root == null || (root instanceof ScalarNode s && s.isPlain() && kind(s.getValue()) == Kind.NULL)) {
            return HttpConfig.defaults();
        }
        if (!(root instanceof MappingNode)) {
            throw error(root, "", "expected a mapping with the sections servers, clients, engine at the top level, found "
                    + shape(root));
        }
        Map<String, Entry> top = mapping(root, "", TOP_KEYS);
        List<ServerConfig> servers = servers(top.get("servers"));
        Map<String, ClientConfig> clients = clients(top.get("clients"));
        EngineSettings engine = engine(top.get("engine"));
        return new HttpConfig(servers, clients, engine);
    }

    private List<ServerConfig> servers(Entry e) throws ConfigException {
        if (isNull(e)) {
            return List.of();
        }
        SequenceNode list = list(e.value(), "servers", "expected a list of servers, each like \"- listen: 0.0.0.0:8080\"");
        List<ServerConfig> servers = new ArrayList<>();
        Map<String, Integer> byAddress = new HashMap<>();
        List<Node> listenNodes = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String path = "servers[" + i + "]";
            if (!(item instanceof MappingNode)) {
                throw error(item, path, "expected a mapping with at least listen, found " + shape(item));
            }
            ServerEntry read = server(item, path);
            ServerConfig s = read.server();
            if (s.port() != 0) { // port 0 asks the OS for a fresh port each time, so it never collides
                Integer earlier = byAddress.putIfAbsent(HostPort.canonical(s.host(), s.port()), i);
                if (earlier != null) {
                    throw error(read.listen(), path + ".listen", Texts.quote(s.listen()) + " is already used by servers["
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
        Map<String, Entry> f = mapping(node, path, SERVER_KEYS);
        Entry listen = f.get("listen");
        String listenPath = path + ".listen";
        if (isNull(listen)) {
            throw missing(node, listen, listenPath, "expected \"host:port\", like \"0.0.0.0:8080\"");
        }
        String listenText = string(listen.value(), listenPath, HostPort.EXPECTED);
        HostPort hp;
        try {
            hp = HostPort.parse(listenText);
        } catch (IllegalArgumentException x) {
            throw error(listen.value(), listenPath, x.getMessage());
        }
        TlsConfig tls = tls(f.get("tls"), path + ".tls");
        long maxBody = integer(f.get("max_body_bytes"), path + ".max_body_bytes", 0, ServerConfig.MAX_BODY_BYTES,
                ServerConfig.DEFAULT_MAX_BODY_BYTES);
        long timeout = integer(f.get("request_timeout_ms"), path + ".request_timeout_ms", 1, Bounds.MAX_TIMEOUT_MS,
                ServerConfig.DEFAULT_REQUEST_TIMEOUT_MS);
        List<String> proxies = trustedProxies(f.get("trusted_proxies"), path + ".trusted_proxies");
        ServerConfig server = build(node, path,
                () -> new ServerConfig(hp.host(), hp.port(), tls, maxBody, timeout, proxies));
        return new ServerEntry(server, listen.value());
    }

    private TlsConfig tls(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return null;
        }
        Node node = requireMapping(e.value(), path, "expected a mapping with cert_path and key_path");
        Map<String, Entry> f = mapping(node, path, TLS_KEYS);
        Entry cert = f.get("cert_path");
        if (isNull(cert)) {
            throw missing(node, cert, path + ".cert_path", "a TLS listener needs a PEM certificate chain");
        }
        Entry key = f.get("key_path");
        if (isNull(key)) {
            throw missing(node, key, path + ".key_path", "a TLS listener needs the PEM private key of its certificate");
        }
        Path certPath = path(cert, path + ".cert_path");
        Path keyPath = path(key, path + ".key_path");
        Path clientCa = path(f.get("client_ca"), path + ".client_ca");
        long handshakeMs = integer(f.get("handshake_timeout_ms"), path + ".handshake_timeout_ms", 1,
                Bounds.MAX_TIMEOUT_MS, TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS);
        return new TlsConfig(certPath, keyPath, clientCa, handshakeMs);
    }

    private List<String> trustedProxies(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return List.of();
        }
        SequenceNode list = list(e.value(), path,
                "expected a list of IP addresses and CIDR ranges, like [10.0.0.1, \"::1\", 10.0.0.0/8]");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String itemPath = path + "[" + i + "]";
            String entry = string(item, itemPath, "expected an IP address or a CIDR range");
            String expected = TrustedProxies.check(entry);
            if (expected != null) {
                throw error(item, itemPath, expected + ", found " + shown(item, entry));
            }
            out.add(entry);
        }
        return out;
    }

    private Map<String, ClientConfig> clients(Entry e) throws ConfigException {
        if (isNull(e)) {
            return Map.of();
        }
        Node node = requireMapping(e.value(), "clients", "expected a mapping from client names to their settings");
        Map<String, ClientConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> named : mapping(node, "clients", null).entrySet()) {
            String name = named.getKey();
            String path = child("clients", name, true);
            if (name.isEmpty()) {
                throw error(named.getValue().key(), path, "a client name must not be empty");
            }
            out.put(name, client(name, named.getValue(), path));
        }
        return out;
    }

    private ClientConfig client(String name, Entry e, String path) throws ConfigException {
        Map<String, Entry> f = isNull(e) ? Map.of()
                : mapping(requireMapping(e.value(), path, "expected a mapping of client settings"), path, CLIENT_KEYS);
        String baseUrl = null;
        Entry base = f.get("base_url");
        if (!isNull(base)) {
            baseUrl = string(base.value(), path + ".base_url", "expected an absolute http:// or https:// URL");
            String bad = ClientConfig.checkBaseUrl(baseUrl);
            if (bad != null) {
                throw error(base.value(), path + ".base_url", bad);
            }
        }
        long timeout = integer(f.get("timeout_ms"), path + ".timeout_ms", 1, Bounds.MAX_TIMEOUT_MS,
                ClientConfig.DEFAULT_TIMEOUT_MS);
        Path verify = path(f.get("verify"), path + ".verify");
        Path cert = path(f.get("cert"), path + ".cert");
        Path key = path(f.get("key"), path + ".key");
        if (key != null && cert == null) {
            throw error(f.get("key").key(), path + ".key", "key is set but cert is not; key is only valid together"
                    + " with cert (cert alone may be a combined PEM holding both)");
        }
        int poolSize = (int) integer(f.get("pool_size"), path + ".pool_size", 1, ClientConfig.MAX_POOL_SIZE,
                ClientConfig.DEFAULT_POOL_SIZE);
        boolean h2 = bool(f.get("http2_prior_knowledge"), path + ".http2_prior_knowledge", false);
        long maxResponse = integer(f.get("max_response_bytes"), path + ".max_response_bytes", 1,
                ClientConfig.MAX_MAX_RESPONSE_BYTES, ClientConfig.DEFAULT_MAX_RESPONSE_BYTES);
        boolean otherOrigins = bool(f.get("allow_other_origins"), path + ".allow_other_origins", false);
        String url = baseUrl;
        return build(e.key(), path, () -> new ClientConfig(name, url, timeout, verify, cert, key, poolSize, h2,
                maxResponse, otherOrigins));
    }

    private EngineSettings engine(Entry e) throws ConfigException {
        EngineSettings d = EngineSettings.defaults();
        if (isNull(e)) {
            return d;
        }
        Node node = requireMapping(e.value(), "engine", "expected a mapping of engine settings");
        Map<String, Entry> f = mapping(node, "engine", ENGINE_KEYS);
        long time = Bounds.MAX_TIMEOUT_MS;
        int ioLoops = (int) integer(f.get("io_loops"), "engine.io_loops", 1, EngineSettings.MAX_IO_LOOPS,
                d.ioLoops());
        LoopThreads loopThreads = loopThreads(f.get("loop_threads"), d.loopThreads());
        int workers = (int) integer(f.get("workers"), "engine.workers", 1, EngineSettings.MAX_WORKERS, d.workers());
        int maxHeaderBytes = (int) integer(f.get("max_header_bytes"), "engine.max_header_bytes",
                EngineSettings.MIN_HEADER_BYTES, EngineSettings.MAX_HEADER_BYTES, d.maxHeaderBytes());
        int maxHeaderCount = (int) integer(f.get("max_header_count"), "engine.max_header_count", 1,
                EngineSettings.MAX_HEADER_COUNT, d.maxHeaderCount());
        long headerTimeout = integer(f.get("header_timeout_ms"), "engine.header_timeout_ms", 1, time,
                d.headerTimeoutMs());
        long idleTimeout = integer(f.get("idle_timeout_ms"), "engine.idle_timeout_ms", 1, time, d.idleTimeoutMs());
        int maxPipelined = (int) integer(f.get("max_pipelined"), "engine.max_pipelined", 1,
                EngineSettings.MAX_PIPELINED, d.maxPipelined());
        int bufferSize = (int) integer(f.get("buffer_size"), "engine.buffer_size", 1, EngineSettings.MAX_BUFFER_SIZE,
                d.bufferSize());
        long grace = integer(f.get("shutdown_grace_ms"), "engine.shutdown_grace_ms", 0, time, d.shutdownGraceMs());
        long hooksTimeout = integer(f.get("shutdown_hooks_timeout_ms"), "engine.shutdown_hooks_timeout_ms", 0, time,
                d.shutdownHooksTimeoutMs());
        long bodyBudget = integer(f.get("max_buffered_body_bytes"), "engine.max_buffered_body_bytes", 0,
                EngineSettings.MAX_BUFFERED_BODY_BYTES, d.maxBufferedBodyBytes());
        long need = (long) maxHeaderBytes + EngineSettings.BUFFER_HEADROOM;
        if (bufferSize < need) {
            Entry buffer = f.get("buffer_size");
            Entry header = f.get("max_header_bytes");
            if (!isNull(buffer)) {
                throw error(buffer.value(), "engine.buffer_size", "must be at least max_header_bytes + "
                        + EngineSettings.BUFFER_HEADROOM + " = " + need + " (engine.max_header_bytes is " + maxHeaderBytes
                        + (isNull(header) ? ", the default" : ", line " + lineOf(header.value())) + "), found "
                        + bufferSize);
            }
            throw error(header.value(), "engine.max_header_bytes", maxHeaderBytes + " needs engine.buffer_size of at"
                    + " least max_header_bytes + " + EngineSettings.BUFFER_HEADROOM + " = " + need
                    + ", but buffer_size is " + bufferSize + " (the default); raise engine.buffer_size too");
        }
        Http2Settings http2 = http2(f.get("http2"));
        long needForFrames = (long) http2.maxFrameSize() + Http2Settings.FRAME_HEADER_LENGTH;
        if (bufferSize < needForFrames) {
            Entry buffer = f.get("buffer_size");
            Entry frame = isNull(f.get("http2")) ? null : http2Entry(f.get("http2"), "max_frame_size");
            if (!isNull(buffer)) {
                throw error(buffer.value(), "engine.buffer_size", "must be at least http2.max_frame_size + "
                        + Http2Settings.FRAME_HEADER_LENGTH + " = " + needForFrames + " (engine.http2.max_frame_size is "
                        + http2.maxFrameSize() + (isNull(frame) ? ", the default" : ", line " + lineOf(frame.value()))
                        + "; a whole HTTP/2 frame must fit in one buffer), found " + bufferSize);
            }
            throw error(frame.value(), "engine.http2.max_frame_size", http2.maxFrameSize() + " needs engine.buffer_size"
                    + " of at least max_frame_size + " + Http2Settings.FRAME_HEADER_LENGTH + " = " + needForFrames
                    + ", but buffer_size is " + bufferSize + " (the default); raise engine.buffer_size too");
        }
        ConnectionLimits dc = d.connections();
        int most = ConnectionLimits.MAX_CONNECTIONS;
        ConnectionLimits connections = new ConnectionLimits(
                (int) integer(f.get("max_connections"), "engine.max_connections", 1, most, dc.maxConnections()),
                (int) integer(f.get("max_connections_per_ip"), "engine.max_connections_per_ip", 1, most,
                        dc.maxConnectionsPerIp()),
                (int) integer(f.get("max_tls_handshakes"), "engine.max_tls_handshakes", 1, most,
                        dc.maxTlsHandshakes()));
        return build(node, "engine", () -> new EngineSettings(ioLoops, loopThreads, workers, maxHeaderBytes,
                maxHeaderCount, headerTimeout, idleTimeout, maxPipelined, bufferSize, grace, hooksTimeout, http2,
                bodyBudget, connections));
    }

    /** One key of {@code engine.http2}, already known to be a mapping; null when absent. */
    private Entry http2Entry(Entry http2, String key) throws ConfigException {
        return mapping(http2.value(), "engine.http2", HTTP2_KEYS).get(key);
    }

    private Http2Settings http2(Entry e) throws ConfigException {
        Http2Settings d = Http2Settings.defaults();
        if (isNull(e)) {
            return d;
        }
        String p = "engine.http2";
        Node node = requireMapping(e.value(), p, "expected a mapping of HTTP/2 settings");
        Map<String, Entry> f = mapping(node, p, HTTP2_KEYS);
        long time = Bounds.MAX_TIMEOUT_MS;
        int streams = (int) integer(f.get("max_concurrent_streams"), p + ".max_concurrent_streams", 1,
                Http2Settings.MAX_CONCURRENT_STREAMS, d.maxConcurrentStreams());
        int initialWindow = (int) integer(f.get("initial_window_size"), p + ".initial_window_size", 0,
                Http2Settings.MAX_WINDOW, d.initialWindowSize());
        int connectionWindow = (int) integer(f.get("connection_window_size"), p + ".connection_window_size",
                Http2Settings.DEFAULT_WINDOW, Http2Settings.MAX_WINDOW, d.connectionWindowSize());
        int frameSize = (int) integer(f.get("max_frame_size"), p + ".max_frame_size", Http2Settings.MIN_MAX_FRAME_SIZE,
                Http2Settings.MAX_MAX_FRAME_SIZE, d.maxFrameSize());
        int tableSize = (int) integer(f.get("header_table_size"), p + ".header_table_size", 0,
                Http2Settings.MAX_HEADER_TABLE_SIZE, d.headerTableSize());
        int headerList = (int) integer(f.get("max_header_list_size"), p + ".max_header_list_size", 1,
                Http2Settings.MAX_HEADER_LIST_SIZE, d.maxHeaderListSize());
        int continuations = (int) integer(f.get("max_continuation_frames"), p + ".max_continuation_frames", 0,
                Http2Settings.MAX_CONTINUATION_FRAMES, d.maxContinuationFrames());
        int blockBytes = (int) integer(f.get("max_header_block_bytes"), p + ".max_header_block_bytes", 1,
                Http2Settings.MAX_HEADER_BLOCK_BYTES, d.maxHeaderBlockBytes());
        int resets = (int) integer(f.get("max_resets"), p + ".max_resets", 1, Http2Settings.MAX_EVENTS_PER_WINDOW,
                d.maxResets());
        long resetWindow = integer(f.get("reset_window_ms"), p + ".reset_window_ms", 1, time, d.resetWindowMs());
        int emptyFrames = (int) integer(f.get("max_empty_data_frames"), p + ".max_empty_data_frames", 0,
                Http2Settings.MAX_EVENTS_PER_WINDOW, d.maxEmptyDataFrames());
        int controlFrames = (int) integer(f.get("max_queued_control_frames"), p + ".max_queued_control_frames", 1,
                Http2Settings.MAX_QUEUED_CONTROL_FRAMES, d.maxQueuedControlFrames());
        long queuedBytes = integer(f.get("max_queued_bytes"), p + ".max_queued_bytes", 1,
                Http2Settings.MAX_QUEUED_BYTES, d.maxQueuedBytes());
        long bodyBytes = integer(f.get("max_connection_body_bytes"), p + ".max_connection_body_bytes", 0,
                Http2Settings.MAX_CONNECTION_BODY_BYTES, d.maxConnectionBodyBytes());
        long settingsTimeout = integer(f.get("settings_timeout_ms"), p + ".settings_timeout_ms", 1, time,
                d.settingsTimeoutMs());
        long pingTimeout = integer(f.get("shutdown_ping_timeout_ms"), p + ".shutdown_ping_timeout_ms", 1, time,
                d.shutdownPingTimeoutMs());
        int dispatched = (int) integer(f.get("max_dispatched_streams"), p + ".max_dispatched_streams", 1,
                Http2Settings.MAX_CONCURRENT_STREAMS, d.maxDispatchedStreams());
        return build(node, p, () -> new Http2Settings(tableSize, streams, initialWindow, connectionWindow, frameSize,
                headerList, continuations, blockBytes, resets, resetWindow, emptyFrames, controlFrames, queuedBytes,
                bodyBytes, settingsTimeout, pingTimeout, dispatched));
    }

    private LoopThreads loopThreads(Entry e, LoopThreads fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected \"virtual\" or \"platform\"";
        String text = string(e.value(), "engine.loop_threads", expected);
        for (LoopThreads t : LoopThreads.values()) {
            if (t.yamlName().equals(text)) {
                return t;
            }
        }
        throw error(e.value(), "engine.loop_threads", expected + ", found " + shown(e.value(), text));
    }

    // ---- typed values ----------------------------------------------------------------------

    /** Absent, or written as null ({@code key:}, {@code ~}, {@code null}): the key takes its default. */
    private static boolean isNull(Entry e) {
        return e == null || (e.value() instanceof ScalarNode s && s.isPlain() && kind(s.getValue()) == Kind.NULL);
    }

    private String string(Node value, String path, String expected) throws ConfigException {
        ScalarNode s = scalar(value, path, expected);
        if (s.isPlain()) {
            Kind k = kind(s.getValue()); // typed as written: "${PORT}" is text whatever PORT holds
            if (k != Kind.STRING) {
                throw error(s, path, expected + ", found " + describe(k, s.getValue())
                        + (k == Kind.NULL ? "" : " (put it in quotes to use it as text)"));
            }
        }
        return expand(s, path);
    }

    private long integer(Entry e, String path, long min, long max, long fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected an integer from " + min + " to " + max; // every setting has both bounds (Bounds)
        ScalarNode s = scalar(e.value(), path, expected);
        if (!s.isPlain()) {
            throw error(s, path, expected + ", found the string " + Texts.quote(s.getValue()) + " (write numbers without quotes)");
        }
        String text = expand(s, path);
        boolean expanded = !text.equals(s.getValue());
        Kind k = kind(text);
        if (k == Kind.INT) {
            BigInteger v = integerValue(text);
            boolean low = v.compareTo(BigInteger.valueOf(min)) < 0;
            if (low || v.compareTo(BigInteger.valueOf(max)) > 0) {
                throw error(s, path, expected + ", found " + (expanded ? (low ? "a smaller integer" : "a larger integer")
                        + fromEnvironment(s) : text));
            }
            return v.longValueExact();
        }
        if (LEADING_ZERO.matcher(text).matches()) {
            throw error(s, path, expected + ", found " + (expanded ? "a number with a leading zero" + fromEnvironment(s) : text)
                    + "; a leading zero is ambiguous (octal in YAML 1.1), write the number without it");
        }
        throw error(s, path, expected + ", found " + (expanded ? kindOf(k) + fromEnvironment(s) : describe(k, text)));
    }

    private boolean bool(Entry e, String path, boolean fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected true or false";
        ScalarNode s = scalar(e.value(), path, expected);
        if (!s.isPlain()) {
            throw error(s, path, expected + ", found the string " + Texts.quote(s.getValue()));
        }
        String text = expand(s, path);
        if (kind(text) != Kind.BOOL) {
            throw error(s, path, expected + ", found " + (text.equals(s.getValue()) ? describe(kind(text), text)
                    : kindOf(kind(text)) + fromEnvironment(s)));
        }
        return text.equalsIgnoreCase("true");
    }

    /** A file path, resolved against the configuration's directory; {@code null} when absent. */
    private Path path(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return null;
        }
        String text = string(e.value(), path, "expected a file path");
        if (text.isEmpty()) {
            throw error(e.value(), path, "expected a file path, found an empty string");
        }
        try {
            return baseDir.resolve(Path.of(text)).normalize();
        } catch (InvalidPathException x) {
            throw error(e.value(), path, "expected a file path, found " + shown(e.value(), text) + " (" + x.getReason() + ")");
        }
    }

    private String expand(ScalarNode s, String path) throws ConfigException {
        try {
            return EnvExpander.expand(s.getValue(), env);
        } catch (EnvExpander.Failure f) {
            throw error(s, path, f.getMessage());
        }
    }

    private static Kind kind(String text) {
        if (NULL.matcher(text).matches()) {
            return Kind.NULL;
        }
        if (BOOL.matcher(text).matches()) {
            return Kind.BOOL;
        }
        if (DECIMAL.matcher(text).matches() || HEX.matcher(text).matches() || OCTAL.matcher(text).matches()) {
            return Kind.INT;
        }
        if (FLOAT.matcher(text).matches()) {
            return Kind.FLOAT;
        }
        return Kind.STRING;
    }

    private static BigInteger integerValue(String text) {
        String t = text.replace("_", "");
        if (t.startsWith("0x")) {
            return new BigInteger(t.substring(2), 16);
        }
        if (t.startsWith("0o")) {
            return new BigInteger(t.substring(2), 8);
        }
        return new BigInteger(t.startsWith("+") ? t.substring(1) : t);
    }

    // ---- structure -------------------------------------------------------------------------

    private ScalarNode scalar(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof ScalarNode s)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        checkTag(s, path);
        return s;
    }

    private SequenceNode list(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof SequenceNode s)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        checkTag(s, path);
        return s;
    }

    private Node requireMapping(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof MappingNode)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        return value;
    }

    /**
     * The keys of a mapping, merges applied. {@code allowed} null means any key (a map of names).
     * Keys written in the mapping win over merged ones; among merged mappings the first wins.
     */
    private Map<String, Entry> mapping(Node node, String path, List<String> allowed) throws ConfigException {
        Map<String, Entry> out = new LinkedHashMap<>();
        collect((MappingNode) node, path, allowed, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(MappingNode m, String path, List<String> allowed, Map<String, Entry> out, Set<Node> open)
            throws ConfigException {
        checkTag(m, path);
        open.add(m);
        Map<String, ScalarNode> seen = new HashMap<>();
        List<NodeTuple> merges = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            if (k instanceof ScalarNode ks && ks.isPlain() && ks.getValue().equals("<<")) {
                merges.add(t);
                continue;
            }
            if (!(k instanceof ScalarNode ks)) {
                throw error(k, path, "expected a key name, found " + shape(k) + " used as a key");
            }
            checkTag(ks, path);
            String name = ks.getValue();
            String keyPath = child(path, name, allowed == null);
            ScalarNode first = seen.putIfAbsent(name, ks);
            if (first != null) {
                throw error(ks, keyPath, "duplicate key; it is already set at line " + lineOf(first));
            }
            if (allowed != null && !allowed.contains(name)) {
                throw error(ks, keyPath, "unknown key; expected one of " + String.join(", ", allowed));
            }
            out.putIfAbsent(name, new Entry(ks, t.getValueNode()));
        }
        for (NodeTuple merge : merges) {
            Node merged = merge.getValueNode();
            List<Node> sources = merged instanceof SequenceNode seq ? seq.getValue() : List.of(merged);
            for (Node source : sources) {
                if (!(source instanceof MappingNode sm)) {
                    throw error(source, path, "a merge (<<) takes a mapping or a list of mappings, like \"<<: *defaults\";"
                            + " found " + shape(source));
                }
                if (open.contains(sm)) {
                    throw error(merge.getKeyNode(), path, "a merge (<<) refers back to a mapping that contains it");
                }
                collect(sm, path, allowed, out, open);
            }
        }
        open.remove(m);
    }

    /** Rejects explicit tags ({@code !!int "5"}, {@code !foo}): only the file's own typing applies. */
    private void checkTag(Node n, String path) throws ConfigException {
        Tag implicit = switch (n) {
            case MappingNode m -> Tag.MAP;
            case SequenceNode s -> Tag.SEQ;
            case ScalarNode s -> s.isPlain() ? resolver.resolve(NodeId.scalar, s.getValue(), true) : Tag.STR;
            default -> n.getTag();
        };
        if (!n.getTag().equals(implicit)) {
            String tag = n.getTag().getValue();
            tag = tag.startsWith(Tag.PREFIX) ? "!!" + tag.substring(Tag.PREFIX.length()) : tag;
            throw error(n, path, "YAML tags are not supported, found " + tag + " (quote a value to make it a string)");
        }
    }

    private <T> T build(Node at, String path, Supplier<T> make) throws ConfigException {
        try {
            return make.get();
        } catch (IllegalArgumentException x) {
            throw error(at, path, x.getMessage());
        }
    }

    private static String child(String path, String key, boolean isName) {
        if (isName && !SIMPLE_NAME.matcher(key).matches()) {
            return path + "[" + Texts.quote(key) + "]";
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String shape(Node n) {
        return switch (n) {
            case MappingNode m -> "a mapping";
            case SequenceNode s -> "a list";
            case ScalarNode s -> s.isPlain() ? describe(kind(s.getValue()), s.getValue())
                    : "the string " + Texts.quote(s.getValue());
            default -> "an alias";
        };
    }

    private static String describe(Kind k, String text) {
        return switch (k) {
            case NULL -> "nothing (an empty value)";
            case BOOL -> "the boolean " + text;
            case INT -> "the integer " + text;
            case FLOAT -> "the number " + text;
            case STRING -> "the string " + Texts.quote(text);
        };
    }

    /** How an error names a kind of value it does not show. */
    private static String kindOf(Kind k) {
        return switch (k) {
            case NULL -> "nothing (an empty value)";
            case BOOL -> "a boolean";
            case INT -> "an integer";
            case FLOAT -> "a number";
            case STRING -> "text";
        };
    }

    /** Where a value that is not shown came from. */
    private static String fromEnvironment(ScalarNode s) {
        return " (from " + Texts.quote(s.getValue()) + "; values from the environment are not shown)";
    }

    /** {@code text}, the expansion of scalar {@code n}, as an error may show it: never the environment's part. */
    private static String shown(Node n, String text) {
        return n instanceof ScalarNode s && !text.equals(s.getValue())
                ? "the expansion of " + Texts.quote(s.getValue()) + " (values from the environment are not shown)"
                : Texts.quote(text);
    }

    private ConfigException missing(Node parent, Entry e, String path, String why) {
        return e == null ? error(parent, path, "required key is missing; " + why)
                : error(e.key(), path, "required key is empty; " + why);
    }

    private ConfigException error(Node at, String path, String detail) {
        for (Map.Entry<String, String> v : expandedValues.entrySet()) { // e.g. a base_url in a record's message
            detail = Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(v.getKey()) + "(?![A-Za-z0-9])").matcher(detail)
                    .replaceAll(Matcher.quoteReplacement("${" + v.getValue() + "}"));
        }
        return new ConfigException(file, lineOf(at), path, detail);
    }

    /** 1-based line where {@code n} starts, or -1. */
    private static int lineOf(Node n) {
        return n == null || n.getStartMark() == null ? -1 : n.getStartMark().getLine() + 1;
    }
}

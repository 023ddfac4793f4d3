package dev.siphon.http.config;

import static dev.siphon.http.config.YamlReader.isNull;

import dev.siphon.http.config.YamlReader.Entry;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One named cache of a siphon host's {@code siphon.yaml} ({@code cache:} list): what the scripts'
 * {@code cache} module calls {@code name}. Redis-backed when {@code url} is set (with an optional
 * local LRU tier in front, {@code local_ttl_secs}), else local to the process (bounded by
 * {@code local_max_entries}). Read by {@link #load}, with the same YAML reader as http.yaml (line
 * numbers, {@code ${VAR}} expansion, typing). Immutable.
 *
 * @param name            what scripts pass as {@code name}
 * @param redis           the Redis server, or null for a local-only cache
 * @param localTtlSecs    most seconds an entry lives in the local tier (0: no local tier in front of
 *                        Redis; no limit beyond each store's ttl for a local-only cache)
 * @param localMaxEntries most entries of the local tier (least recently used evicted first)
 * @param timeoutMs       most a Redis command may take, from the call to its reply
 * @param verify          PEM CA bundle a rediss:// server's certificate must chain to, or null for the
 *                        system roots
 */
public record CacheConfig(String name, RedisUrl redis, long localTtlSecs, int localMaxEntries, long timeoutMs,
                          Path verify) {

    public static final int DEFAULT_LOCAL_MAX_ENTRIES = 10_000;
    public static final int MAX_LOCAL_MAX_ENTRIES = 10_000_000;
    public static final long DEFAULT_TIMEOUT_MS = 2_000;
    /** A year. */
    public static final long MAX_LOCAL_TTL_SECS = 31_536_000;

    /** The keys of an entry of {@code cache:}. */
    public static final Section SECTION = Section.of("cache[i]",
            Setting.shaped("name", "name", "string", "required", "what scripts pass as the cache name"),
            Setting.shaped("url", "redis", "string", "none (local only)",
                    "redis://[user:password@]host[:port][/db] or rediss:// (TLS)"),
            Setting.integer("local_ttl_secs", "localTtlSecs", 0, MAX_LOCAL_TTL_SECS, 0,
                    "most seconds an entry lives locally; with url, 0 means no local tier"),
            Setting.integer("local_max_entries", "localMaxEntries", 1, MAX_LOCAL_MAX_ENTRIES, DEFAULT_LOCAL_MAX_ENTRIES,
                    "most entries held locally, least recently used evicted first"),
            Setting.integer("timeout_ms", "timeoutMs", 1, Bounds.MAX_TIMEOUT_MS, DEFAULT_TIMEOUT_MS,
                    "most a Redis command may take"),
            Setting.shaped("verify", "verify", "path", "system roots", "PEM CA bundle a rediss:// server must chain to"));

    public CacheConfig {
        if (Objects.requireNonNull(name, "name").isEmpty()) {
            throw new IllegalArgumentException("a cache name must not be empty");
        }
        SECTION.check("localTtlSecs", localTtlSecs);
        SECTION.check("localMaxEntries", localMaxEntries);
        SECTION.check("timeoutMs", timeoutMs);
        if (verify != null && (redis == null || !redis.tls())) {
            throw new IllegalArgumentException("verify is only valid with a rediss:// url");
        }
    }

    /** A local-only cache with the default bounds: what an undeclared name gets when siphon.yaml declares none. */
    public static CacheConfig local(String name) {
        return new CacheConfig(name, null, 0, DEFAULT_LOCAL_MAX_ENTRIES, DEFAULT_TIMEOUT_MS, null);
    }

    /**
     * A Redis server: {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for TLS.
     *
     * @param user     the ACL user for AUTH, or null (then AUTH takes the password alone)
     * @param password the password for AUTH, or null for no AUTH
     */
    public record RedisUrl(boolean tls, String host, int port, int db, String user, String password) {
        public static final int DEFAULT_PORT = 6379;
        public static final int MAX_DB = 65_535;

        public RedisUrl {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65_535 || db < 0 || db > MAX_DB) {
                throw new IllegalArgumentException("port or db out of range");
            }
        }

        /**
         * Parses {@code url}.
         *
         * @throws IllegalArgumentException saying what is wrong, never showing the password
         */
        public static RedisUrl parse(String url) {
            String expected = "expected redis://[user:password@]host[:port][/db] or rediss://..., found " + redacted(url);
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(expected + " (" + e.getReason() + " at index " + e.getIndex() + ")");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw new IllegalArgumentException(expected + " (the scheme must be redis or rediss)");
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException(expected + " (no host, or a host that is not a valid name)");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException(expected + " (a query or fragment is not supported)");
            }
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(expected + " (port " + port + " is not from 1 to 65535)");
            }
            int db = 0;
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            if (!path.isEmpty() && !path.equals("/")) {
                String d = path.substring(1);
                if (!d.matches("[0-9]{1,5}") || Integer.parseInt(d) > MAX_DB) {
                    throw new IllegalArgumentException(expected + " (the database after the host must be a number from 0 to "
                            + MAX_DB + ", found " + Texts.quote(d) + ")");
                }
                db = Integer.parseInt(d);
            }
            String user = null;
            String password = null;
            String info = uri.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                if (colon < 0) {
                    // redis://secret@host, as redis-cli and most clients read it: the password alone
                    password = decode(info);
                } else {
                    user = colon == 0 ? null : decode(info.substring(0, colon));
                    password = decode(info.substring(colon + 1));
                }
                if (password != null && password.isEmpty()) {
                    password = null;
                }
            }
            return new RedisUrl(scheme.equals("rediss"), host, port, db, user, password);
        }

        private static String decode(String s) {
            try {
                return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a malformed %-escape in the user or password of the url");
            }
        }

        /** {@code url} with any password replaced by {@code ***}, for messages. */
        static String redacted(String url) {
            int scheme = url.indexOf("://");
            int at = url.lastIndexOf('@');
            if (scheme < 0 || at < scheme) {
                return Texts.quote(url);
            }
            String info = url.substring(scheme + 3, at);
            int colon = info.indexOf(':');
            String shown = colon < 0 ? "***" : info.substring(0, colon) + ":***";
            return Texts.quote(url.substring(0, scheme + 3) + shown + url.substring(at));
        }

        /** The address as messages name it: {@code redis://host:port/db}, never the password. */
        @Override
        public String toString() {
            String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            return (tls ? "rediss://" : "redis://") + h + ":" + port + "/" + db;
        }
    }

    /** Reads the {@code cache:} list of {@code siphonYaml}, expanding {@code ${VAR}} from the process environment. */
    public static List<CacheConfig> load(Path siphonYaml) throws ConfigException {
        return load(siphonYaml, System::getenv);
    }

    /**
     * Reads the {@code cache:} list of {@code siphonYaml} (every other top-level key belongs to the
     * host and is not looked at); empty when there is none. Relative paths resolve against the
     * file's directory.
     */
    public static List<CacheConfig> load(Path siphonYaml, Function<String, String> env) throws ConfigException {
        String name = siphonYaml.toString();
        String text = YamlReader.readFile(siphonYaml, name);
        Path parent = siphonYaml.toAbsolutePath().normalize().getParent();
        return parse(text, name, parent != null ? parent : siphonYaml.toAbsolutePath().getRoot(), env);
    }

    /** As {@link #load}, from text. */
    public static List<CacheConfig> parse(String yaml, String sourceName, Path baseDir, Function<String, String> env)
            throws ConfigException {
        Node root = YamlReader.compose(yaml, sourceName);
        YamlReader y = new YamlReader(sourceName, baseDir.toAbsolutePath().normalize(), env);
        if (isNull(root) || !(root instanceof MappingNode)) {
            return List.of();
        }
        Entry section = y.mapping(root, "", null).get("cache");
        if (isNull(section)) {
            return List.of();
        }
        String example = "[{name: sessions, url: \"redis://127.0.0.1:6379/0\"}]";
        if (!(section.value() instanceof SequenceNode)) {
            throw y.error(section.value(), "cache", "expected a list of caches, like " + example + ", found "
                    + YamlReader.shape(section.value()));
        }
        SequenceNode list = y.list(section.value(), "cache", "expected a list of caches");
        List<CacheConfig> out = new ArrayList<>();
        Map<String, Node> seen = new HashMap<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String path = "cache[" + i + "]";
            y.requireMapping(item, path, "expected a mapping with name and optionally url, local_ttl_secs, "
                    + "local_max_entries, like {name: sessions, url: \"redis://127.0.0.1:6379/0\"}");
            Map<String, Entry> f = y.mapping(item, path, SECTION.keys());
            Entry n = f.get("name");
            if (isNull(n)) {
                throw y.missing(item, n, path + ".name", "expected the name scripts use, like sessions");
            }
            String cacheName = y.string(n.value(), path + ".name", "expected a name");
            if (cacheName.isEmpty()) {
                throw y.error(n.value(), path + ".name", "a cache name must not be empty");
            }
            Node first = seen.putIfAbsent(cacheName, n.value());
            if (first != null) {
                throw y.error(n.value(), path + ".name", "cache " + Texts.quote(cacheName)
                        + " is already declared at line " + YamlReader.lineOf(first));
            }
            Map<String, Object> values = y.read(SECTION, f, path, (s, x, v) -> {
                switch (s.key()) {
                    case "name" -> v.put("name", cacheName);
                    case "url" -> {
                        RedisUrl url = null;
                        if (!isNull(x)) {
                            String u = y.string(x.value(), path + ".url", "expected a redis:// or rediss:// URL");
                            try {
                                url = RedisUrl.parse(u);
                            } catch (IllegalArgumentException e) {
                                throw y.error(x.value(), path + ".url", e.getMessage());
                            }
                        }
                        v.put("redis", url);
                    }
                    case "verify" -> v.put("verify", y.path(x, path + ".verify"));
                    default -> throw new IllegalStateException("unread key " + s.key());
                }
            });
            Entry max = f.get("local_max_entries");
            if (values.get("redis") != null && !isNull(max) && (long) values.get("localTtlSecs") == 0) {
                throw y.error(max.key(), path + ".local_max_entries", "bounds the local tier in front of Redis, which "
                        + "only exists with local_ttl_secs > 0; set local_ttl_secs too, or remove local_max_entries");
            }
            if (values.get("verify") != null && (values.get("redis") == null || !((RedisUrl) values.get("redis")).tls())) {
                throw y.error(f.get("verify").key(), path + ".verify", "verify is only valid with a rediss:// url");
            }
            out.add(y.build(item, path, () -> Section.build(CacheConfig.class, values)));
        }
        return List.copyOf(out);
    }
}

package dev.siphon.http.py;

import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.config.Bounds;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.Section;
import dev.siphon.http.config.Setting;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The outbound clients behind {@code http.Client}, shared by every worker context of one
 * server: one {@link HttpClient} (one keep-alive pool per origin) per {@code clients:} entry of
 * http.yaml, made at start-up, and one per distinct set of inline settings, made when a script
 * first asks for it. Python holds a client as its index here.
 *
 * <p>Inline clients are cached by their settings so that a handler constructing
 * {@code http.Client(base_url=...)} per request reuses one pool instead of leaking one per
 * request; at most {@value #MAX_INLINE} distinct inline settings are accepted, beyond which
 * construction fails (a script that varies them per request should use absolute URLs on one
 * client instead).
 *
 * <p>Thread-safe: every worker's thread (and threads a script starts) look clients up; the
 * pool's owner closes them once, after the workers stopped.
 */
final class ClientPools implements AutoCloseable {
    /** Distinct inline client settings one server accepts. */
    static final int MAX_INLINE = 64;
    private static final String INLINE = "(inline)";
    /** How messages name an inline client's settings: {@code http.Client.verify}. */
    private static final String INLINE_NAME = "http.Client";

    private final Map<String, Integer> named;
    private final List<HttpClient> clients = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<ClientConfig, Integer> inline = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Told when an Error ends a thread of one of the clients (see {@link #onFatalError}). */
    private volatile FatalErrorHandler fatal = FatalErrorHandler.NONE;
    /** What every client made here calls: the handler in force when the error happens. */
    private final FatalErrorHandler forward = (thread, error) -> fatal.onFatalError(thread, error);

    private ClientPools(Map<String, Integer> named) {
        this.named = named;
    }

    /** Who hears of an Error on a client's thread (after that client closed itself): the worker pool. */
    void onFatalError(FatalErrorHandler handler) {
        this.fatal = handler;
    }

    /** No named clients. */
    static ClientPools none() {
        return new ClientPools(Map.of());
    }

    /**
     * Starts one client per configured entry.
     *
     * @throws ScriptException naming the entry whose client cannot be made (its files unreadable,
     *     a setting the client refuses); none is left running
     */
    static ClientPools start(Map<String, ClientConfig> configured) throws ScriptException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        ClientPools pools = new ClientPools(ids);
        try {
            for (ClientConfig c : configured.values()) {
                String bad = unreadableFile(c);
                if (bad != null) {
                    throw new IllegalArgumentException(bad);
                }
                ids.put(c.name(), pools.add(HttpClient.builder().config(c).onFatalError(pools.forward).build()));
            }
        } catch (RuntimeException e) {
            pools.close();
            String name = configured.keySet().stream().filter(n -> !ids.containsKey(n)).findFirst().orElse("?");
            throw new ScriptException("http.yaml clients." + name + ": cannot start the client: " + e.getMessage(), e);
        }
        return pools;
    }

    private int add(HttpClient c) {
        synchronized (clients) {
            clients.add(c);
            return clients.size() - 1;
        }
    }

    /** The index of the client configured as {@code clients.<name>}, or -1. */
    int named(String name) {
        Integer id = named.get(name);
        return id == null ? -1 : id;
    }

    /** The configured names, in the order of http.yaml. */
    String[] names() {
        return named.keySet().toArray(String[]::new);
    }

    /**
     * The index of the inline client with these settings, started on first use.
     *
     * @param given values by their http.yaml key (any key of {@code clients.<name>}, as
     *     {@link ClientConfig#SECTION} declares it): a Long for an integer, a Boolean for a
     *     boolean, a String for a URL or a file path; absent keys keep their defaults
     * @throws IllegalArgumentException with a message for the script when a setting is invalid
     */
    int inline(Map<String, Object> given) {
        ClientConfig c = ClientConfig.named(INLINE);
        for (String key : given.keySet()) {
            if (ClientConfig.SECTION.get(key) == null) {
                throw new IllegalArgumentException("unknown setting " + key + " (known: "
                        + String.join(", ", ClientConfig.SECTION.keys()) + ")");
            }
        }
        for (Setting s : ClientConfig.SECTION.settings()) { // declared order: cert before key
            Object v = given.get(s.key());
            if (v != null) {
                c = Section.with(c, s, switch (s.kind()) {
                    case INTEGER -> Bounds.check(s.key(), ((Number) v).longValue(), s.min(), s.max());
                    case BOOLEAN -> (Boolean) v;
                    case SHAPED -> "path".equals(s.typeDoc()) ? file(s.key(), (String) v) : v;
                });
            }
        }
        Integer id = inline.get(c);
        if (id != null) {
            return id;
        }
        String bad = unreadableFile(c);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        synchronized (inline) {
            id = inline.get(c);
            if (id != null) {
                return id;
            }
            if (closed) {
                throw new IllegalStateException("the server is shutting down");
            }
            if (inline.size() >= MAX_INLINE) {
                throw new IllegalArgumentException("too many distinct inline clients (" + MAX_INLINE
                        + "): each set of settings keeps its own connection pool; configure a named client under "
                        + "clients: in http.yaml, or reuse one client with absolute URLs");
            }
            id = add(build(c, forward));
            inline.put(c, id);
            return id;
        }
    }

    /**
     * An inline client: its TLS messages name the settings as the script wrote them
     * ({@code http.Client.verify}), not as a {@code clients:} entry it does not have.
     *
     * @throws IllegalArgumentException for a PEM file the client cannot use, as "verify: FILE:
     *     what is wrong" ("cert key" for the key of a {@code (cert, key)} pair)
     */
    private static HttpClient build(ClientConfig c, FatalErrorHandler onFatal) {
        try {
            return HttpClient.builder().config(c).name(INLINE_NAME).onFatalError(onFatal).build();
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof ConfigException ce && ce.key().startsWith(INLINE_NAME + ".")) {
                String setting = ce.key().substring(INLINE_NAME.length() + 1);
                throw new IllegalArgumentException((setting.equals("key") ? "cert key" : setting) + ": " + ce.file()
                        + ": " + ce.detail(), e);
            }
            throw e;
        }
    }

    /** How metrics label the client at {@code id}: its name under {@code clients:}, or {@value #INLINE} for every inline one. */
    String label(int id) {
        for (Map.Entry<String, Integer> e : named.entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        return INLINE;
    }

    /** The name under {@code clients:} of the client at {@code id}, or null for an inline one. */
    String nameOf(int id) {
        for (Map.Entry<String, Integer> e : named.entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The client at {@code id} (from {@link #named} or {@link #inline}). */
    HttpClient get(int id) {
        return clients.get(id);
    }

    /** The client configured as {@code clients.<name>}, or null; for tests and the embedding API. */
    HttpClient namedClient(String name) {
        int id = named(name);
        return id < 0 ? null : clients.get(id);
    }

    /** Every client started so far: the named ones, then the inline ones. */
    List<HttpClient> all() {
        return new ArrayList<>(clients);
    }

    private static Path file(String what, String path) {
        if (path == null) {
            return null;
        }
        if (path.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a file path, not an empty string");
        }
        try {
            return Path.of(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(what + ": \"" + path + "\" is not a file path (" + e.getReason() + ")");
        }
    }

    /** Why a PEM file of {@code c} cannot be read, or null when all can. */
    private static String unreadableFile(ClientConfig c) {
        String[] what = {"verify", "cert", "key"};
        Path[] files = {c.verify(), c.cert(), c.key()};
        for (int i = 0; i < files.length; i++) {
            Path p = files[i];
            if (p != null && !(Files.isRegularFile(p) && Files.isReadable(p))) {
                return what[i] + ": " + p + " is not a readable file";
            }
        }
        return null;
    }

    /** Closes every client: requests still in flight fail, sockets close, pooled buffers return. */
    @Override
    public void close() {
        synchronized (inline) {
            closed = true;
        }
        for (HttpClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException e) {
                System.getLogger("siphon.python").log(System.Logger.Level.WARNING, "closing an outbound client", e);
            }
        }
    }
}

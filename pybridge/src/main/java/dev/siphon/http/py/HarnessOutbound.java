package dev.siphon.http.py;

import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link ScriptHarness} answers a script's {@code http.Client} calls with, and its record
 * of them. A call takes the first answer queued ({@link #add}), else the one set for its path
 * ({@link #set}), else the default ({@link #setDefault}); with none of them it fails (the script
 * sees {@code http.ClientError} "no canned response for GET https://...") and is kept in {@link
 * #unexpected()}. A call whose URL starts with a prefix given to {@link #passThrough} goes to
 * the network as it would when serving. Every call is recorded in {@link #sent()}. Thread-safe:
 * workers call from their threads, the test from its own.
 */
public final class HarnessOutbound {
    /** A canned answer: a response, or a failure of one of the client's error kinds. */
    public record Canned(int status, Map<String, String> headers, byte[] body, String errorKind, String errorMessage) {
        /** A response; header names are lower-cased, as the client's are. */
        public static Canned response(int status, Map<String, String> headers, byte[] body) {
            Map<String, String> h = new LinkedHashMap<>();
            headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
            return new Canned(status, h, body == null ? new byte[0] : body, null, null);
        }

        /**
         * A failure the script sees as the {@code http} error of {@code kind}: a name of Python's
         * {@code http._ERROR_KINDS} ("connect_timeout", "tls", ...).
         *
         * @throws IllegalArgumentException for an unknown kind
         */
        public static Canned failure(String kind, String message) {
            ClientErrorKind k = kindOf(kind);
            return new Canned(0, Map.of(), new byte[0], k.wire, message);
        }
    }

    /** One call the script made: its method, the path or URL it gave, the absolute URL, client, headers and body. */
    public record Sent(String method, String path, String url, String name, String baseUrl, Map<String, String> headers,
                       byte[] body) {}

    /** How a canned failure reaches the script: {@link ClientErrorKind#of} gives its kind. */
    static final class CannedFailure extends RuntimeException {
        final ClientErrorKind kind;

        CannedFailure(ClientErrorKind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    private final ArrayDeque<Canned> queue = new ArrayDeque<>();
    private final Map<String, Canned> byPath = new HashMap<>();
    private Canned fallback;
    private final List<String> passThrough = new ArrayList<>();
    private boolean passAll;
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();

    public synchronized void add(Canned answer) {
        queue.addLast(answer);
    }

    public synchronized void set(String path, Canned answer) {
        byPath.put(path, answer);
    }

    public synchronized void setDefault(Canned answer) {
        fallback = answer;
    }

    /** Calls to URLs starting with {@code prefix} go to the network; every call when {@code prefix} is null. */
    public synchronized void passThrough(String prefix) {
        if (prefix == null) {
            passAll = true;
        } else {
            passThrough.add(prefix);
        }
    }

    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The queued answers no call took yet. */
    public synchronized List<Canned> pending() {
        return List.copyOf(queue);
    }

    /** "METHOD URL" of each call that found no answer. */
    public synchronized List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Forgets the answers, the pass-through prefixes and what was sent. */
    public synchronized void reset() {
        queue.clear();
        byPath.clear();
        fallback = null;
        passThrough.clear();
        passAll = false;
        sent.clear();
        unexpected.clear();
    }

    /** Forgets the calls that found no answer (a test asserted on them). */
    public synchronized void clearUnexpected() {
        unexpected.clear();
    }

    /** Answers call {@code client} of the script makes (a worker's thread). */
    CompletableFuture<ClientResponse> send(ClientPools clients, int client, String method, String path,
                                           Map<String, String> headers, byte[] body) {
        HttpClient c = clients.get(client);
        String base = c.settings().baseUrl();
        String url = c.resolve(path);
        String m = method.toUpperCase(Locale.ROOT);
        Canned answer;
        synchronized (this) {
            sent.add(new Sent(m, path, url, clients.nameOf(client), base, Map.copyOf(headers),
                    body == null ? new byte[0] : body));
            if (passAll || passThrough.stream().anyMatch(url::startsWith)) {
                answer = null;
            } else {
                answer = queue.pollFirst();
                if (answer == null) {
                    answer = byPath.get(path);
                }
                if (answer == null) {
                    answer = fallback;
                }
                if (answer == null) {
                    unexpected.add(m + " " + url);
                    return CompletableFuture.failedFuture(new CannedFailure(ClientErrorKind.CLIENT_ERROR,
                            "no canned response for " + m + " " + url
                                    + " (add_response, set_response or set_default_response, or pass_through)"));
                }
            }
        }
        if (answer == null) {
            return c.send(method, path, headers, body);
        }
        if (answer.errorKind() != null) {
            return CompletableFuture.failedFuture(new CannedFailure(kindOf(answer.errorKind()), answer.errorMessage()));
        }
        return CompletableFuture.completedFuture(new ClientResponse(answer.status(), answer.headers(), answer.body(),
                "HTTP/1.1"));
    }

    private static ClientErrorKind kindOf(String kind) {
        for (ClientErrorKind k : ClientErrorKind.values()) {
            if (k.wire.equals(kind)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no client error kind " + kind);
    }
}

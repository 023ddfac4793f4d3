package dev.siphon.http.dispatch;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: a client's (or a proxy's) {@code x-request-id} is kept when it is 1 to
 * {@value #MAX_LENGTH} visible ASCII characters (so it can go into a log line and a response
 * field as it is); otherwise one is made: 16 hex digits chosen at random per thread, a dash, and
 * that thread's count in hex ({@code 3f9a0c1d2e4b5a69-1b}). Making one is a counter increment
 * and a short string on the loop thread, no shared state.
 */
public final class RequestIds {
    /** The longest incoming id kept; a longer one is replaced. */
    public static final int MAX_LENGTH = 128;
    /** The field that carries it, in both directions. */
    public static final String FIELD = "x-request-id";

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private static final class State {
        final String prefix = String.format("%016x-", ThreadLocalRandom.current().nextLong());
        long next;
    }

    private RequestIds() {}

    /** {@code incoming} when it is a valid id, else a new one. */
    public static String of(String incoming) {
        return valid(incoming) ? incoming : next();
    }

    /** A new id, unique in practice across threads and processes. */
    public static String next() {
        State s = STATE.get();
        return s.prefix + Long.toHexString(++s.next);
    }

    /** 1 to {@value #MAX_LENGTH} characters, each visible ASCII (0x21 to 0x7E). */
    public static boolean valid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}

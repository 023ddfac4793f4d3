package dev.siphon.http.dispatch;

import dev.siphon.http.Response;
import dev.siphon.http.internal.Status;

/** The engine's own answers: a short plain-text body naming the status, never internals. */
public final class Responses {
    private Responses() {}

    public static Response error(int status) {
        String reason = Status.reason(status);
        return Response.text(status, status + " " + reason + "\n");
    }

    /** The engine's answer to a request it may serve later (a budget is spent for now): 503 with Retry-After. */
    public static Response overloaded() {
        return error(503).header("retry-after", "1");
    }
}

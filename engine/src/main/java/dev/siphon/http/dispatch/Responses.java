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
}

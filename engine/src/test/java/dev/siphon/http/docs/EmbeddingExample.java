package dev.siphon.http.docs;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.util.concurrent.CompletableFuture;

/** The examples of docs/embedding.md, compiled and run by {@link DocsExamplesTest}. */
final class EmbeddingExample {
    private EmbeddingExample() {}

    // --- example: start ---
    static HttpEngine start() throws Exception {
        return HttpEngine.builder()
                .listen("127.0.0.1:0")                       // port 0: the OS picks a free port
                .route("GET", "/hello/{name}",
                        req -> Response.text(200, "hi " + req.pathParam("name")))
                .routeAsync("POST", "/jobs", (req, responder) ->
                        CompletableFuture.supplyAsync(() -> req.body().length)   // any thread
                                .thenAccept(n -> responder.send(
                                        Response.text(202, "queued " + n + " bytes"))))
                .start();
    }
    // --- example: end ---
}

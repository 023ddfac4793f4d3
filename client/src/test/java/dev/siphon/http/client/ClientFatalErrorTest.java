package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.net.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link Error} on the client's loop is fatal to the client: it closes, what is in flight
 * fails with {@link ConnectionClosedException}, later requests fail at once, and its fatal error
 * handler hears of it. Before, the loop thread just ended, and every request of its pools —
 * in flight or sent later — waited for ever: even their timeouts run on that loop.
 */
class ClientFatalErrorTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    private record Fatal(String thread, Throwable error) {}

    /**
     * Throws {@code error} on the client's loop once the response to GET /slow/300 arrives there
     * (a response that comes later than this method returns: the stage runs on the loop).
     */
    private static void crashLoop(HttpClient c, Error error) {
        c.get("/slow/300").thenRun(() -> EventLoop.current().submit(() -> {
            throw error;
        }));
    }

    @Test
    void anErrorOnTheLoopFailsWhatIsInFlightInsteadOfLeavingItHanging() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).timeoutMs(2000));
        CompletableFuture<ClientResponse> held = c.get("/never"); // the upstream never answers
        crashLoop(c, new OutOfMemoryError("test: no heap left on the client's loop"));
        ExecutionException x = assertThrows(ExecutionException.class, () -> held.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, x.getCause(), x::toString);
        ExecutionException later = assertThrows(ExecutionException.class,
                () -> c.get("/hello").get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, later.getCause(), later::toString);
    }

    @Test
    void theFatalErrorHandlerHearsOfIt() throws Exception {
        HttpEngine e = up.engine();
        CompletableFuture<Fatal> handled = new CompletableFuture<>();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e))
                .onFatalError((thread, error) -> handled.complete(new Fatal(thread, error))));
        StackOverflowError soe = new StackOverflowError("test");
        crashLoop(c, soe);
        Fatal f = handled.get(10, TimeUnit.SECONDS);
        assertEquals("siphon-client-loop-0", f.thread());
        assertSame(soe, f.error());
        assertEquals(0, c.openConnections());
    }
}

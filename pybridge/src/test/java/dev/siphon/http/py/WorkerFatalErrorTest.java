package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.EngineFailedException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Java {@link Error} on a Python worker's thread is fatal to the server: the engine closes (new
 * connections are refused), its fatal error handler hears of it, and awaitTermination fails with
 * it — where before the worker's thread just ended and the server went on with one worker fewer
 * (with one worker, answering nothing but 503). The error is raised on the worker's real thread,
 * at the point where it hands events to Python.
 */
class WorkerFatalErrorTest {
    private PythonServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private record Fatal(String thread, Throwable error) {}

    @Test
    void aJavaErrorOnAWorkerThreadClosesTheEngine() throws Exception {
        CompletableFuture<Fatal> handled = new CompletableFuture<>();
        HttpConfig config = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n",
                "fatal.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("one_worker.py"), 16,
                b -> b.onFatalError((thread, error) -> handled.complete(new Fatal(thread, error))));
        int port = server.port();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fast"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("fast", ok.body());

        OutOfMemoryError oom = new OutOfMemoryError("test: no heap left on a worker");
        server.pool().worker(0).runOnWorkerThread(() -> {
            throw oom;
        });

        Fatal f = handled.get(30, TimeUnit.SECONDS);
        assertEquals("siphon-py-0", f.thread());
        assertSame(oom, f.error());
        CompletableFuture<Void> terminated = CompletableFuture.runAsync(() -> {
            try {
                server.engine().awaitTermination();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ExecutionException x = assertThrows(ExecutionException.class, () -> terminated.get(10, TimeUnit.SECONDS));
        assertSame(oom, assertInstanceOf(EngineFailedException.class, x.getCause()).getCause());
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
        });
    }
}

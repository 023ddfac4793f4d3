package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.EngineFailedException;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.net.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link Error} on an I/O loop (out of memory, stack overflow, a handler's own) is fatal to
 * the engine: it closes at once — every listener, so connecting is refused, and every connection
 * — awaitTermination fails with the error, the {@link FatalErrorHandler} runs, and the client of
 * the request that hit it gets no response (nothing of the error reaches a client). Before, the
 * loop thread just ended: the other loops kept accepting and handed connections to the dead one,
 * which never served or closed them.
 */
class FatalErrorTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private record Fatal(String thread, Throwable error) {}

    /** Waits for awaitTermination to end; the failure it ended with, or null when it returned normally. */
    private static Throwable awaitTermination(HttpEngine e) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> { // not the common pool: it may have one thread
            try {
                e.awaitTermination();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException ee) {
            return ee.getCause();
        }
    }

    private static void assertRefused(int port) {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
        }, "something still accepts on port " + port);
    }

    /** Reads until the server closes: what it sent (nothing, for a request that hit a fatal error). */
    private static String readToEnd(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return s;
    }

    @Test
    void anErrorOnOneLoopClosesTheWholeEngineInsteadOfLeavingItHalfAlive() throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("test: no heap left on a loop");
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIoLoops(2), b -> b
                .route("GET", "/hello", req -> Response.text(200, "hello"))
                // the error on the loop's own thread, outside any handler
                .routeAsync("GET", "/crash", (req, out) -> EventLoop.current().submit(() -> {
                    throw oom;
                })));
        int port = e.port();
        // the first connection goes to loop 0, which also accepts; the second to loop 1
        RawConnection first = fx.connect(e);
        first.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(200, first.read().status());
        try (Socket second = open(port)) {
            second.getOutputStream().write("GET /crash HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("", readToEnd(second), "the request that hit the error got an answer");
        }
        Throwable failure = awaitTermination(e);
        assertNotNull(failure, "awaitTermination returned normally");
        assertSame(oom, failure.getCause(), () -> "awaitTermination failed with " + failure);
        assertRefused(port); // loop 0 was healthy; its listener is closed all the same
    }

    @Test
    void anErrorInAHandlerIsFatalAndReachesTheFatalErrorHandlerButNoClient() throws Exception {
        CompletableFuture<Fatal> handled = new CompletableFuture<>();
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .onFatalError((thread, error) -> handled.complete(new Fatal(thread, error)))
                .route("GET", "/overflow", req -> {
                    throw new StackOverflowError("test: thrown by a handler");
                }));
        int port = e.port();
        try (Socket s = open(port)) {
            s.getOutputStream().write("GET /overflow HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("", readToEnd(s), "the error was answered (a 500 keeps a half-trusted loop serving)");
        }
        Fatal f = handled.get(10, TimeUnit.SECONDS);
        assertEquals("siphon-loop-0", f.thread());
        assertInstanceOf(StackOverflowError.class, f.error());
        assertSame(f.error(), e.failure());
        Throwable failure = awaitTermination(e);
        EngineFailedException efe = assertInstanceOf(EngineFailedException.class, failure);
        assertEquals("siphon-loop-0", efe.thread());
        assertSame(f.error(), efe.getCause());
        assertRefused(port);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void aRealStackOverflowOnAPlatformLoopThreadIsFatalToo() throws Exception {
        CompletableFuture<Fatal> handled = new CompletableFuture<>();
        HttpEngine e = fx.start(EngineFixture.server(),
                EngineFixture.settings().withLoopThreads(dev.siphon.http.config.LoopThreads.PLATFORM), b -> b
                .onFatalError((thread, error) -> handled.complete(new Fatal(thread, error)))
                .route("GET", "/deep", req -> Response.text(200, "depth " + recurse(0))));
        int port = e.port();
        try (Socket s = open(port)) {
            s.getOutputStream().write("GET /deep HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("", readToEnd(s));
        }
        assertInstanceOf(StackOverflowError.class, handled.get(10, TimeUnit.SECONDS).error());
        assertInstanceOf(EngineFailedException.class, awaitTermination(e));
        assertRefused(port);
    }

    @Test
    void closingNormallyStillEndsAwaitTerminationWithoutAFailure() throws Exception {
        HttpEngine e = fx.start();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                // close at once
            }
            e.close();
        });
        assertEquals(null, awaitTermination(e));
        assertEquals(null, e.failure());
    }

    /**
     * With {@link FatalErrorHandler#exit()} (what the launcher uses) the process ends with status
     * 70 and the log names the loop and the error: a real JVM, started for this test.
     */
    @Test
    void theExitHandlerEndsTheProcessWithStatus70(@TempDir Path dir) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", cp, FatalExitMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            Matcher m = Pattern.compile("port (\\d+)").matcher("");
            for (int i = 0; i < 300 && p.isAlive() && !m.reset(Files.readString(out)).find(); i++) {
                Thread.sleep(50);
            }
            assertTrue(m.reset(Files.readString(out)).find(),
                    "no port line; stderr:\n" + Files.readString(err));
            int port = Integer.parseInt(m.group(1));
            try (Socket s = open(port)) {
                s.getOutputStream().write("GET /overflow HTTP/1.1\r\nHost: a\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertEquals("", readToEnd(s));
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the process did not exit");
            String log = Files.readString(err);
            assertEquals(FatalErrorHandler.EXIT_STATUS, p.exitValue(), log);
            assertTrue(log.contains("fatal error on event loop 0 (siphon-loop-0): java.lang.StackOverflowError: test"),
                    log);
            assertTrue(log.contains("at dev.siphon.http.it.FatalExitMain"), "no stack trace in the log:\n" + log);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }
}

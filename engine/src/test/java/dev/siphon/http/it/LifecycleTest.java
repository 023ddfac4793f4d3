package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.router.RouteException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Starting and stopping: port 0, releasing the port, stopping loop threads, returning buffers, start-up errors. */
class LifecycleTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private static HttpEngine.Builder hello(HttpEngine.Builder b) {
        return b.route("GET", "/hello/{name}", req -> Response.text(200, "hello " + req.pathParam("name")));
    }

    private static List<Thread> liveLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("siphon-loop-") && t.isAlive()).toList();
    }

    @Test
    void portZeroBindsAFreePort() throws Exception {
        HttpEngine e = fx.start();
        assertTrue(e.port() > 0);
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), e.port()), e.addresses().get(0));
        assertEquals("hello p", fx.connect(e).send("GET /hello/p HTTP/1.1\r\nHost: a\r\n\r\n").read().text());
    }

    @Test
    void closeReleasesPortStopsLoopThreadsAndReturnsBuffers() throws Exception {
        assertEquals(List.of(), liveLoopThreads(), "no loop threads before the test");
        HttpEngine e = HttpEngine.builder().listen("127.0.0.1:0")
                .settings(EngineFixture.settings().withLoopThreads(LoopThreads.PLATFORM).withIoLoops(2))
                .route("GET", "/hello/{name}", req -> Response.text(200, "hello " + req.pathParam("name")))
                .start();
        int port = e.port();
        assertEquals(2, liveLoopThreads().size());
        // an open keep-alive connection and one with a partial head when close() is called
        RawConnection idle = new RawConnection(port);
        RawConnection partial = new RawConnection(port);
        try {
            assertEquals("hello a", idle.send("GET /hello/a HTTP/1.1\r\nHost: a\r\n\r\n").read().text());
            partial.send("GET /hello/b HTTP/1.1\r\nHo");
            Thread.sleep(50);
            e.close();
            idle.assertClosedByServer();
            partial.assertClosedByServer();
        } finally {
            idle.close();
            partial.close();
        }
        assertEquals(0, e.buffersOutstanding());
        assertEquals(List.of(), liveLoopThreads(), "loop threads alive after close()");
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException bindFailed) {
            fail("port " + port + " still in use after close(): " + bindFailed);
        }
        e.close(); // idempotent
    }

    @Test
    void secondEngineOnPortInUseFailsNamingHostAndPort() throws Exception {
        HttpEngine first = fx.start();
        int port = first.port();
        IOException ex = assertThrows(IOException.class, () -> hello(HttpEngine.builder())
                .listen("127.0.0.1:" + port).settings(EngineFixture.settings()).start());
        assertTrue(ex.getMessage().contains("127.0.0.1:" + port), ex.getMessage());
        assertEquals("hello still", fx.connect(first).send("GET /hello/still HTTP/1.1\r\nHost: a\r\n\r\n")
                .read().text(), "the first engine is unaffected");
    }

    @Test
    void failedStartLeavesNoFileDescriptorsOpen() throws Exception {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean unix)) {
            fail("this test counts open file descriptors and needs a Unix JVM");
            return;
        }
        HttpEngine first = fx.start();
        String busy = "127.0.0.1:" + first.port();
        Runnable failOnce = () -> assertThrows(IOException.class, () -> hello(HttpEngine.builder()).listen(busy)
                .settings(EngineFixture.settings().withIoLoops(4)).start());
        failOnce.run(); // warm up class loading before counting
        long before = unix.getOpenFileDescriptorCount();
        for (int i = 0; i < 25; i++) {
            failOnce.run();
        }
        long after = unix.getOpenFileDescriptorCount();
        // Each failed start with 4 loops leaking its selectors would leave 100+ descriptors open.
        assertTrue(after - before < 20, "file descriptors open before " + before + ", after 25 failed starts " + after);
    }

    @Test
    void duplicateRouteFailsNamingBothPatterns() {
        HttpEngine.Builder b = HttpEngine.builder().listen("127.0.0.1:0")
                .route("GET", "/users/{id}", req -> Response.text(200, "a"));
        RouteException ex = assertThrows(RouteException.class,
                () -> b.route("GET", "/users/{name}", req -> Response.text(200, "b")));
        assertTrue(ex.getMessage().contains("/users/{id}"), ex.getMessage());
        assertTrue(ex.getMessage().contains("/users/{name}"), ex.getMessage());
    }

    @Test
    void sameRouteTwiceFailsNamingIt() {
        HttpEngine.Builder b = HttpEngine.builder().listen("127.0.0.1:0")
                .route("POST", "/webhook", req -> Response.text(200, "a"));
        RouteException ex = assertThrows(RouteException.class,
                () -> b.routeAsync("POST", "/webhook", (req, out) -> out.send(Response.text(200, "b"))));
        assertEquals(2, ex.getMessage().split("POST /webhook", -1).length - 1, ex.getMessage());
    }
}

package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ConnectionLimits;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.ConnectionLimiter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code engine.max_connections} and {@code engine.max_connections_per_ip} over real sockets: a
 * connection over either is closed by the server before it answers anything, the counts return
 * to zero on every way a connection can end, and a connection that sent part of a head holds no
 * pooled buffer while it waits for the rest.
 */
class ConnectionLimitsTest {
    private static final String HELLO = "GET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n";

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private HttpEngine start(ConnectionLimits limits) throws Exception {
        return start(EngineFixture.server(), EngineFixture.settings().withConnections(limits));
    }

    private HttpEngine start(ServerConfig server, EngineSettings settings) throws Exception {
        return fx.start(server, settings, EngineFixture::standardRoutes);
    }

    /** A connection from {@code from} that has been answered once, so the server has admitted it. */
    private RawConnection served(HttpEngine e, String from) throws Exception {
        RawConnection c = fx.track(new RawConnection(e.port(), from));
        c.send(HELLO);
        assertEquals(200, c.read().status());
        return c;
    }

    /**
     * The server closes a new connection from {@code from} without answering its request. The
     * reset may reach the client while it still connects, writes or reads: each counts.
     */
    private static void assertRefused(HttpEngine e, String from) throws Exception {
        try (Socket s = new Socket()) {
            if (from != null) {
                s.bind(new InetSocketAddress(from, 0));
            }
            s.setSoTimeout(RawConnection.READ_TIMEOUT_MS);
            s.connect(new InetSocketAddress("127.0.0.1", e.port()), RawConnection.READ_TIMEOUT_MS);
            s.getOutputStream().write(HELLO.getBytes(StandardCharsets.ISO_8859_1));
            int b = s.getInputStream().read();
            assertEquals(-1, b, "the server answered a connection over the limit");
        } catch (SocketTimeoutException timeout) {
            fail("the server kept a connection over the limit open: " + timeout);
        } catch (SocketException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), "unexpected socket error: " + reset);
        }
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    private static InetAddress address(String ip) throws Exception {
        return InetAddress.getByName(ip);
    }

    @Test
    void aConnectionOverMaxConnectionsIsClosedAtOnceAndOneIsAdmittedWhenAnotherCloses() throws Exception {
        HttpEngine e = start(ConnectionLimits.defaults().withMaxConnections(3));
        List<RawConnection> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(served(e, null));
        }
        assertRefused(e, null);
        assertEquals(1, e.counters().count(Limit.MAX_CONNECTIONS));

        open.get(0).close();
        eventually("the closed connection is no longer counted", () -> e.connectionLimiter().open() == 2);
        served(e, null);
        assertEquals(3, e.connectionLimiter().open());
        for (int i = 1; i < 3; i++) {
            open.get(i).send(HELLO);
            assertEquals(200, open.get(i).read().status(), "the admitted connections are still served");
        }
    }

    @Test
    void oneAddressOverMaxConnectionsPerIpIsRefusedWhileAnotherIsServed() throws Exception {
        HttpEngine e = start(ConnectionLimits.defaults().withMaxConnectionsPerIp(2));
        served(e, "127.0.0.1");
        served(e, "127.0.0.1");
        assertRefused(e, "127.0.0.1");
        assertEquals(1, e.counters().count(Limit.MAX_CONNECTIONS_PER_IP));

        served(e, "127.0.0.2");
        served(e, "127.0.0.2");
        ConnectionLimiter l = e.connectionLimiter();
        assertEquals(2, l.openFrom(address("127.0.0.1")));
        assertEquals(2, l.openFrom(address("127.0.0.2")));
        assertEquals(4, l.open());
    }

    @Test
    void aTrustedProxyIsNotHeldToMaxConnectionsPerIpOnlyToMaxConnections() throws Exception {
        ServerConfig behindProxy = EngineFixture.server().withTrustedProxies(List.of("127.0.0.1"));
        HttpEngine e = start(behindProxy, EngineFixture.settings()
                .withConnections(ConnectionLimits.defaults().withMaxConnectionsPerIp(1).withMaxConnections(4)));
        for (int i = 0; i < 3; i++) {
            served(e, "127.0.0.1"); // the proxy: many clients over one address
        }
        served(e, "127.0.0.2");
        assertRefused(e, "127.0.0.3"); // four open: the total holds for the proxy too
        assertEquals(1, e.counters().count(Limit.MAX_CONNECTIONS));
        assertEquals(0, e.connectionLimiter().openFrom(address("127.0.0.1")), "the proxy's are not counted per address");
    }

    @Test
    void theCountsReturnToZeroOnEveryWayAConnectionEnds() throws Exception {
        HttpEngine e = start(EngineFixture.server(), EngineFixture.settings().withIdleTimeoutMs(300)
                .withHeaderTimeoutMs(300).withConnections(ConnectionLimits.defaults().withMaxConnectionsPerIp(6)));
        ConnectionLimiter l = e.connectionLimiter();

        served(e, null).close(); // the client closes an idle keep-alive connection
        RawConnection closeRequested = fx.track(new RawConnection(e.port()));
        closeRequested.send("GET /hello/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(200, closeRequested.read().status());
        closeRequested.assertClosedByServer();
        RawConnection malformed = fx.track(new RawConnection(e.port()));
        malformed.send("GET /hello/x HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
        assertEquals(400, malformed.read().status());
        malformed.assertClosedByServer();
        served(e, null).assertClosedByServer(); // idle timeout
        RawConnection partial = fx.track(new RawConnection(e.port()));
        partial.send("GET /hello/x HT");
        assertEquals(408, partial.read().status()); // header timeout
        RawConnection halfHead = fx.track(new RawConnection(e.port()));
        halfHead.send("GET /hello/x HTTP/1.1\r\nHo");
        halfHead.shutdownOutput(); // end of input inside a head
        halfHead.assertClosedByServer();
        RawConnection h2c = fx.track(new RawConnection(e.port()));
        h2c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        h2c.close(); // an HTTP/2 connection the client drops
        eventually("every connection so far is uncounted", () -> l.open() == 0);

        List<RawConnection> full = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            full.add(served(e, null));
        }
        assertRefused(e, null); // over the per-address limit: never counted
        assertEquals(6, l.open());
        assertEquals(6, l.openFrom(address("127.0.0.1")));
        e.close(); // the engine closes the six it holds
        assertEquals(0, l.open(), "open after the engine closed");
        assertEquals(0, l.addresses(), "addresses still counted after the engine closed");
        assertEquals(0, l.handshakes());
        assertEquals(0, e.counters().connectionsOpen());
    }

    @Test
    void aConnectionThatSentPartOfAHeadHoldsNoPooledBufferWhileItWaits() throws Exception {
        HttpEngine e = start(ConnectionLimits.defaults());
        List<RawConnection> slow = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RawConnection c = fx.track(new RawConnection(e.port()));
            c.send(i % 2 == 0 ? "G" : "GET /hello/x HTTP/1.1\r\nHo");
            slow.add(c);
        }
        eventually("all twenty are open", () -> e.counters().connectionsOpen() == 20);
        for (int i = 0; i < 40 && e.buffersOutstanding() != 0; i++) {
            Thread.sleep(25); // until the last of them has been read
        }
        assertEquals(0, e.buffersOutstanding(), "pooled buffers held by connections waiting for the rest of a head");
        slow.get(0).send("ET /hello/zero HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("hello zero", slow.get(0).read().text(), "the byte kept is still the head's first");
        slow.get(1).send("st: a\r\n\r\n");
        assertEquals("hello x", slow.get(1).read().text());
    }
}

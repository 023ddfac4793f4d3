package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.internal.Counters.Limit;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that never complete a handshake are dropped with every pooled buffer returned, and the
 * listener keeps serving.
 */
class BadClientsTest {
    @RegisterExtension
    final TlsFixture fx = new TlsFixture();

    @TempDir
    Path tmp;

    private final TestPki pki;

    BadClientsTest() throws Exception {
        pki = TestPki.get();
    }

    /** Reads until the server closes; returns the millis it took, or fails after {@code limitMs}. */
    private static long awaitClose(Socket s, long limitMs) throws Exception {
        long start = System.nanoTime();
        s.setSoTimeout((int) limitMs);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an alert may come first
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + limitMs + " ms");
        } catch (java.net.SocketException e) {
            // reset: closed too
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private void assertStillServingAndIdle(HttpEngine e) throws Exception {
        Cmd.Result r = Cmd.curl(tmp, "--cacert", pki.file("ca.pem").toString(), "https://localhost:" + e.port() + "/hello");
        assertEquals("hello", r.out(), r::toString);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (e.buffersOutstanding() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, e.buffersOutstanding(), "pooled buffers held with no connection open");
    }

    @Test
    void garbageInsteadOfClientHelloIsDropped() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        for (String garbage : new String[] {"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                "\u0015\u0003\u0003\u0000\u0002\u0002\u0028", "\u0016\u0003\u0001\u0000\u0004\u0002\u0000\u0000\u0000"}) {
            try (Socket s = new Socket("127.0.0.1", e.port())) {
                s.getOutputStream().write(garbage.getBytes(StandardCharsets.ISO_8859_1));
                awaitClose(s, 5000);
            }
        }
        assertTrue(e.counters().count(Limit.TLS_HANDSHAKE) >= 2);
        assertEquals(0, e.counters().requests());
        assertStillServingAndIdle(e);
    }

    @Test
    void stalledHandshakeIsClosedAfterTheHandshakeTimeout() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki).withHandshakeTimeoutMs(300));
        try (Socket s = new Socket("127.0.0.1", e.port())) {
            // a ClientHello record header announcing 512 bytes, then only 10 of them
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03,
                    1, 2, 3, 4});
            long took = awaitClose(s, 5000);
            assertTrue(took >= 250, "closed after " + took + " ms, before the handshake timeout");
        }
        try (Socket idle = new Socket("127.0.0.1", e.port())) {
            awaitClose(idle, 5000); // a client that sends nothing at all
        }
        assertEquals(2, e.counters().count(Limit.TLS_HANDSHAKE_TIMEOUT));
        assertStillServingAndIdle(e);
    }

    @Test
    void clientOfferingOnlyTls10IsDropped() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        Cmd.Result r = Cmd.sClient(tmp, e.port(), "", "-tls1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertTrue(r.exit() != 0, r::toString);
        assertTrue(r.stderr().contains("alert protocol version") || r.stderr().contains("protocol version"), r::toString);
        assertTrue(e.counters().count(Limit.TLS_HANDSHAKE) >= 1);
        assertStillServingAndIdle(e);
    }

    @Test
    void clientClosingMidHandshakeReleasesEverything() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", e.port())) {
                s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
            }
        }
        assertStillServingAndIdle(e);
    }
}

package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ConnectionLimits;
import dev.siphon.http.internal.Counters.Limit;
import dev.siphon.http.internal.ConnectionLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code engine.max_tls_handshakes} over real sockets: TLS connections past it are closed as
 * they are accepted, a slot is free again as soon as a handshake ends (not when its connection
 * closes), the counts return to zero on every way a handshake ends, and a peer that sent part of
 * a TLS record holds no pooled buffer while it waits.
 */
class TlsConnectionLimitsTest {
    /** A ClientHello record header announcing 512 bytes, and the first of them. */
    private static final byte[] PART_OF_A_RECORD = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03};

    @RegisterExtension
    final TlsFixture fx = new TlsFixture();

    private final TestPki pki;

    TlsConnectionLimitsTest() throws Exception {
        pki = TestPki.get();
    }

    private HttpEngine start(ConnectionLimits limits) throws Exception {
        return fx.start(TlsFixture.tls(pki).withHandshakeTimeoutMs(2000), UnaryOperator.identity(),
                s -> s.withConnections(limits));
    }

    /** A TLS connection through its handshake and one request, left open. */
    private SSLSocket served(HttpEngine e) throws Exception {
        SSLSocket s = (SSLSocket) pki.clientContext(null).getSocketFactory().createSocket("127.0.0.1", e.port());
        s.setSoTimeout(5000);
        s.startHandshake();
        s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] head = s.getInputStream().readNBytes(12);
        assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
        return s;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    private static void closeAll(List<? extends Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Test
    void handshakesOverMaxTlsHandshakesAreRefusedAndASlotIsFreeOnceAHandshakeEnds() throws Exception {
        HttpEngine e = start(ConnectionLimits.defaults().withMaxTlsHandshakes(2));
        ConnectionLimiter l = e.connectionLimiter();
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            silent.add(new Socket("127.0.0.1", e.port())); // accepted, and never a ClientHello
        }
        eventually("two handshakes in progress", () -> l.handshakes() == 2);
        assertThrows(IOException.class, () -> served(e).close(), "a third handshake was let through");
        assertEquals(1, e.counters().count(Limit.MAX_TLS_HANDSHAKES));

        closeAll(silent);
        eventually("the silent connections' slots are free", () -> l.handshakes() == 0);
        List<SSLSocket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(served(e)); // each handshake gives its slot back when it ends
        }
        assertEquals(0, l.handshakes());
        assertEquals(3, l.open());
        closeAll(open);
        eventually("the connections are no longer counted", () -> l.open() == 0);
    }

    @Test
    void theCountsReturnToZeroOnEveryWayAHandshakeEnds() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki).withHandshakeTimeoutMs(1500));
        ConnectionLimiter l = e.connectionLimiter();
        served(e).close(); // through the handshake, then closed by the client
        try (Socket garbage = new Socket("127.0.0.1", e.port());
             Socket stalled = new Socket("127.0.0.1", e.port());
             Socket dropped = new Socket("127.0.0.1", e.port())) {
            garbage.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // fails
            stalled.getOutputStream().write(PART_OF_A_RECORD); // times out
            dropped.getOutputStream().write(PART_OF_A_RECORD);
            dropped.close(); // closed by the client mid-handshake
            awaitClose(garbage);
            awaitClose(stalled);
        }
        eventually("every connection uncounted", () -> l.open() == 0 && l.handshakes() == 0 && l.addresses() == 0);
        assertEquals(1, e.counters().count(Limit.TLS_HANDSHAKE_TIMEOUT));
    }

    @Test
    void aPeerThatSentPartOfATlsRecordHoldsNoPooledBufferWhileItWaits() throws Exception {
        HttpEngine e = start(ConnectionLimits.defaults());
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket("127.0.0.1", e.port());
                s.getOutputStream().write(PART_OF_A_RECORD);
                slow.add(s);
            }
            eventually("all ten are open", () -> e.counters().connectionsOpen() == 10);
            for (int i = 0; i < 40 && e.buffersOutstanding() != 0; i++) {
                Thread.sleep(25); // until the last of them has been read
            }
            assertEquals(0, e.buffersOutstanding(), "pooled buffers held by handshakes waiting for the rest of a record");
            served(e).close(); // and handshakes still complete
        } finally {
            closeAll(slow);
        }
    }

    private static void awaitClose(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an alert may come first
            }
        } catch (java.net.SocketException reset) {
            // closed too
        }
    }
}

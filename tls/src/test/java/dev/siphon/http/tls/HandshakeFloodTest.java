package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/**
 * A flood of TLS handshakes does not hold up the cleartext requests of the same loop. One loop
 * serves a TLS and a cleartext listener; forty ClientHellos arrive at once, then one cleartext
 * request. Each ClientHello costs the server a key exchange and a signature. The selector reports
 * ready sockets in the order they became ready, so a loop that answers every ready handshake
 * before anything else answers the request after all forty; one that runs a few handshake steps
 * per pass answers it within its first passes. Counted, not timed: how many of the forty have
 * had their ServerHello when the request's answer arrives.
 */
class HandshakeFloodTest {
    private static final int HANDSHAKES = 40;

    @Test
    void aHandshakeFloodDoesNotHoldUpTheCleartextRequestsOfItsLoop() throws Exception {
        TestPki pki = TestPki.get();
        EngineSettings one = EngineSettings.defaults().withIoLoops(1).withLoopThreads(LoopThreads.PLATFORM)
                .withShutdownGraceMs(200);
        try (HttpEngine e = HttpEngine.builder()
                .settings(one)
                .listen(ServerConfig.listen("127.0.0.1:0").withTls(TlsFixture.tls(pki)))
                .listen("127.0.0.1:0")
                .route("GET", "/hello", req -> Response.text(200, "hello"))
                .start()) {
            SSLContext client = pki.clientContext(null);
            for (int i = 0; i < 5; i++) {
                try (Socket warm = client.getSocketFactory().createSocket("127.0.0.1", e.port(0))) {
                    ((javax.net.ssl.SSLSocket) warm).startHandshake(); // the server's crypto code is compiled
                }
            }
            List<byte[]> hellos = new ArrayList<>();
            for (int i = 0; i < HANDSHAKES; i++) {
                hellos.add(clientHello(client, e.port(0)));
            }
            List<Socket> flood = new ArrayList<>();
            try (Socket plain = new Socket("127.0.0.1", e.port(1))) {
                plain.setSoTimeout(10_000);
                for (int i = 0; i < HANDSHAKES; i++) {
                    flood.add(new Socket("127.0.0.1", e.port(0)));
                }
                Thread.sleep(200); // every connection accepted and idle
                for (int i = 0; i < HANDSHAKES; i++) {
                    flood.get(i).getOutputStream().write(hellos.get(i));
                }
                OutputStream out = plain.getOutputStream();
                out.write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = plain.getInputStream();
                byte[] status = in.readNBytes(12);
                int answered = 0;
                for (Socket s : flood) {
                    answered += s.getInputStream().available() > 0 ? 1 : 0;
                }
                assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));
                assertTrue(answered < HANDSHAKES / 2, answered + " of " + HANDSHAKES
                        + " handshakes were answered before the cleartext request queued behind them");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
        }
    }

    /** The first flight of a TLS client: its ClientHello record(s). */
    private static byte[] clientHello(SSLContext ctx, int port) throws Exception {
        SSLEngine c = ctx.createSSLEngine("localhost", port);
        c.setUseClientMode(true);
        c.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(c.getSession().getPacketBufferSize());
        c.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }
}

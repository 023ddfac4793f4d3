package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code req.client} behind trusted proxies, as a client that forges {@code X-Forwarded-For}
 * would try it over a real socket: the header is read right to left, skipping
 * {@code trusted_proxies} (addresses and CIDR ranges), and what is not an address is never
 * reported. The test's own socket (127.0.0.1) plays the nearest proxy.
 */
class ForwardedForTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    @TempDir
    Path dir;

    private HttpEngine start(String... trusted) throws Exception {
        return fx.start(EngineFixture.server().withTrustedProxies(List.of(trusted)), EngineFixture.settings(),
                EngineFixture::standardRoutes);
    }

    private static String get(String... headers) {
        StringBuilder sb = new StringBuilder("GET /client HTTP/1.1\r\nHost: a\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private static String client(RawConnection c, String... headers) throws Exception {
        RawResponse r = c.send(get(headers)).read();
        assertEquals(200, r.status(), r::toString);
        return r.text();
    }

    @Test
    void aForgedLeftMostAddressIsNotTheClient() throws Exception {
        RawConnection c = fx.connect(start("127.0.0.1"));
        // the client wrote 6.6.6.6 itself; the proxy appended the address it saw
        assertEquals("203.0.113.7", client(c, "X-Forwarded-For: 6.6.6.6, 203.0.113.7"));
    }

    @Test
    void somethingThatIsNoAddressIsNeverTheClient() throws Exception {
        RawConnection c = fx.connect(start("127.0.0.1"));
        String peer = "127.0.0.1:" + c.localPort();
        assertEquals(peer, client(c, "X-Forwarded-For: <svg onload=alert(1)>"),
                "the nearest address that could be verified: the peer");
        assertEquals(peer, client(c, "X-Forwarded-For: 203.0.113.7, unknown"));
        assertEquals(peer, client(c, "X-Forwarded-For: 203.0.113.7:99999"), "not a port");
    }

    @Test
    void trustedCidrRangesAreSkipped() throws Exception {
        RawConnection c = fx.connect(start("127.0.0.1", "10.0.0.0/8", "fd00::/8"));
        assertEquals("203.0.113.7", client(c, "X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.20.30.40, fd00::1"));
        assertEquals("2001:db8::7", client(c, "X-Forwarded-For: [2001:db8::7]:4711, 10.0.0.1"));
        assertEquals("203.0.113.7", client(c, "X-Forwarded-For: 203.0.113.7:4711"));
        // stops at the garbage, reports the trusted hop right of it
        assertEquals("10.0.0.5", client(c, "X-Forwarded-For: 198.51.100.1, <script>, 10.0.0.5"));
        // every hop trusted: the left-most
        assertEquals("10.0.0.1", client(c, "X-Forwarded-For: 10.0.0.1, 10.0.0.2"));
    }

    @Test
    void everyFieldLineIsOneList() throws Exception {
        RawConnection c = fx.connect(start("127.0.0.1", "10.0.0.0/8"));
        assertEquals("203.0.113.9", client(c, "X-Forwarded-For: 6.6.6.6", "X-Forwarded-For: 203.0.113.9, 10.0.0.2"));
        assertEquals("10.0.0.3", client(c, "X-Forwarded-For: 203.0.113.9, nonsense", "x-forwarded-for: 10.0.0.3"));
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() throws Exception {
        RawConnection c = fx.connect(start("10.0.0.0/8"));
        assertEquals("127.0.0.1:" + c.localPort(), client(c, "X-Forwarded-For: 203.0.113.7"));
    }

    @Test
    void http2FieldLinesAreReadTheSameWay() throws Exception {
        HttpEngine e = start("127.0.0.1", "10.0.0.0/8");
        Curl.Result r = Curl.ok(dir, "--http2-prior-knowledge", "-H", "X-Forwarded-For: 6.6.6.6",
                "-H", "X-Forwarded-For: 203.0.113.9, 10.1.1.1", "http://127.0.0.1:" + e.port() + "/client");
        assertEquals("203.0.113.9", r.out(), r::toString);
    }
}

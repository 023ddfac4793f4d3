package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.codec.IpLiteral;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The trusted_proxies ranges and the right-to-left reading of X-Forwarded-For, without a socket. */
class TrustedProxiesTest {
    private static final TrustedProxies PROXIES = TrustedProxies.of(List.of("10.0.0.0/8", "fd00::/8", "192.0.2.1"));

    private static byte[] ip(String s) {
        return IpLiteral.parse(s);
    }

    @Test
    void rangesMatchByPrefix() {
        assertTrue(PROXIES.contains(ip("10.0.0.0")));
        assertTrue(PROXIES.contains(ip("10.255.255.255")));
        assertFalse(PROXIES.contains(ip("11.0.0.0")));
        assertFalse(PROXIES.contains(ip("9.255.255.255")));
        assertTrue(PROXIES.contains(ip("fdff:1::2")));
        assertFalse(PROXIES.contains(ip("fe00::1")));
        assertTrue(PROXIES.contains(ip("192.0.2.1")), "a single address is a range of one");
        assertFalse(PROXIES.contains(ip("192.0.2.2")));
        TrustedProxies odd = TrustedProxies.of(List.of("172.16.0.0/12", "2001:db8:80::/41"));
        assertTrue(odd.contains(ip("172.31.255.255")));
        assertFalse(odd.contains(ip("172.32.0.0")));
        assertTrue(odd.contains(ip("2001:db8:ff::1")));
        assertFalse(odd.contains(ip("2001:db8:7f::1")));
    }

    @Test
    void ipv4MappedAddressesMatchAsIpv4() {
        assertTrue(PROXIES.contains(ip("::ffff:10.1.2.3")));
        assertTrue(TrustedProxies.of(List.of("::ffff:10.0.0.0/104")).contains(ip("10.1.2.3")));
        assertTrue(TrustedProxies.of(List.of("::ffff:192.0.2.1")).contains(ip("192.0.2.1")));
    }

    @Test
    void noProxiesTrustsNothing() {
        assertTrue(TrustedProxies.NONE.isEmpty());
        assertFalse(TrustedProxies.NONE.contains(ip("10.0.0.1")));
        assertTrue(TrustedProxies.of(List.of()).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8", "0.0.0.0/0", "::/0", "10.1.2.3/32",
            "2001:db8::1/128"})
    void acceptsAddressesAndRanges(String entry) {
        assertNull(TrustedProxies.check(entry), entry);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "proxy.local", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/08", "10.0.0.1/8",
            "fd00::1/8", "fe80::1%eth0", "10.0.0.0/8/8", "[::1]", "10.0.0.1:80", "\u0661\u0660::1"})
    void refusesWhatIsNeither(String entry) {
        assertNotNull(TrustedProxies.check(entry), entry);
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of(entry)));
    }

    @Test
    void theFirstUntrustedAddressFromTheRightIsTheClient() {
        assertEquals("203.0.113.7", PROXIES.forwardedClient("203.0.113.7"));
        assertEquals("203.0.113.7", PROXIES.forwardedClient("198.51.100.66, 203.0.113.7"),
                "what the client wrote on the left is not believed");
        assertEquals("203.0.113.7", PROXIES.forwardedClient("198.51.100.66, 203.0.113.7, 10.9.8.7, fd00::5"));
        assertEquals("2001:db8::7", PROXIES.forwardedClient("2001:db8::7,10.0.0.1"));
    }

    @Test
    void anEntryThatIsNoAddressStopsAtTheNearestTrustedHop() {
        assertNull(PROXIES.forwardedClient("<svg onload=alert(1)>"), "the peer itself");
        assertNull(PROXIES.forwardedClient("203.0.113.7, unknown"));
        assertEquals("10.0.0.5", PROXIES.forwardedClient("198.51.100.1, garbage, 10.0.0.5"));
        assertEquals("10.0.0.5", PROXIES.forwardedClient("198.51.100.1, 10.0.0.9 10.0.0.8, 10.0.0.5"));
        assertNull(PROXIES.forwardedClient("fe80::1%eth0"), "a zone id is not an address here");
    }

    @Test
    void everyAddressTrustedGivesTheLeftMost() {
        assertEquals("10.0.0.1", PROXIES.forwardedClient("10.0.0.1, 10.0.0.2, fd00::3"));
        assertEquals("10.0.0.1", PROXIES.forwardedClient("10.0.0.1"));
    }

    @Test
    void portsAreStrippedOnlyWhereUnambiguous() {
        assertEquals("203.0.113.7", PROXIES.forwardedClient("203.0.113.7:4711"));
        assertEquals("2001:db8::7", PROXIES.forwardedClient("[2001:db8::7]:4711"));
        assertEquals("2001:db8::7", PROXIES.forwardedClient("[2001:db8::7]"));
        // a bare IPv6 address keeps its last group: it is never read as a port
        assertEquals("2001:db8::7:4711", PROXIES.forwardedClient("2001:db8::7:4711"));
        assertEquals("2001:db8::7", PROXIES.forwardedClient("198.51.100.1, [2001:db8::7]:1, [fd00::1]:2"));
        for (String bad : new String[] {"203.0.113.7:", "203.0.113.7:65536", "203.0.113.7:x", "[2001:db8::7",
                "[2001:db8::7]4711", "[203.0.113.7]", "[2001:db8::7]:", "host.example:80"}) {
            assertNull(PROXIES.forwardedClient(bad), bad);
        }
    }

    @Test
    void emptyListElementsAndWhitespaceAreSkipped() {
        assertEquals("203.0.113.7", PROXIES.forwardedClient(" ,203.0.113.7 ,\t, 10.0.0.1,"));
        assertNull(PROXIES.forwardedClient(""));
        assertNull(PROXIES.forwardedClient(" , ,"));
    }
}

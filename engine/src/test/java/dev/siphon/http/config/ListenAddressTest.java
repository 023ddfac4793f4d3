package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.codec.IpLiteral;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressTest {

    @Test
    void listenRoundTripsForEveryHostForm() {
        for (String s : new String[] {"127.0.0.1:8080", "0.0.0.0:0", "localhost:65535", "[::1]:8080", "[::]:443",
                "[2001:db8::1]:1", "api-gw.internal_svc:80"}) {
            assertEquals(s, ServerConfig.listen(s).listen(), s);
        }
        ServerConfig v6 = ServerConfig.listen("[fe80::1]:9000");
        assertEquals("fe80::1", v6.host());
        assertEquals(9000, v6.port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", ":80", "h:", "h:-1", "h:65536", "h:8o", "::1:80", "[::1]", "[::1]:",
            "[::1]x80", "[host]:80", "[::1:80", "a b:80", "-h:80", "h..x:80", "1.2.3.256:80"})
    void listenRejects(String bad) {
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.listen(bad));
    }

    @Test
    void ipv4LiteralsAreStrictDottedQuads() {
        assertArrayEquals(new byte[] {10, 0, 0, 1}, IpLiteral.parse("10.0.0.1"));
        assertArrayEquals(new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255}, IpLiteral.parse("255.255.255.255"));
        for (String bad : new String[] {"10.0.0", "10.0.0.1.2", "256.0.0.1", "010.0.0.1", "1..2.3", "a.b.c.d", "1.2.3.4 ",
                "localhost", "10.0.0.0/8"}) {
            assertNull(IpLiteral.parse(bad), bad);
        }
    }

    @Test
    void ipv6LiteralsFollowRfc4291TextForms() {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, IpLiteral.parse("::1"));
        assertArrayEquals(loopback, IpLiteral.parse("0:0:0:0:0:0:0:1"));
        assertArrayEquals(new byte[16], IpLiteral.parse("::"));
        byte[] mapped = IpLiteral.parse("::ffff:192.0.2.1");
        assertEquals((byte) 0xff, mapped[10]);
        assertEquals((byte) 192, mapped[12]);
        assertEquals(1, mapped[15]);
        byte[] doc = IpLiteral.parse("2001:DB8::8:800:200C:417A");
        assertEquals((byte) 0x20, doc[0]);
        assertEquals((byte) 0x7a, doc[15]);
        for (String bad : new String[] {":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "::g",
                "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7::8:9", "::1.2.3", "1.2.3.4::", ":1::", "1::2:",
                "\u0661\u0660::1", "::\uff11"}) { // digits of other scripts are not hex digits
            assertNull(IpLiteral.parse(bad), bad);
        }
    }

    @Test
    void canonicalAddressEqualsAcrossSpellings() {
        assertEquals(HostPort.canonical("::1", 80), HostPort.canonical("0:0:0::1", 80));
        assertEquals(HostPort.canonical("Example.COM", 80), HostPort.canonical("example.com", 80));
    }
}

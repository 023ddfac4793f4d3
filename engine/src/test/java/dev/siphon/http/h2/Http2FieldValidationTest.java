package dev.siphon.http.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Field values sent over a real socket, frame by frame: a request whose pseudo-header or regular
 * field values break RFC 9110 §5.5 / RFC 9113 §8.2.1 (CR, LF, NUL, other controls, whitespace at
 * an end), or whose {@code :path}, {@code :scheme}, {@code :authority} or {@code host} is not
 * what its syntax allows, is malformed (RFC 9113 §8.1.1): its stream is reset with
 * PROTOCOL_ERROR, before any handler sees it, and the connection serves on. Legitimate values
 * (obs-text, IPv6 authorities, sub-delims) still pass.
 */
@Timeout(30)
class Http2FieldValidationTest {
    private Http2TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new Http2TestServer();
    }

    @AfterEach
    void stop() {
        for (var r : server.parked) {
            r.send(Response.text(200, "late"));
        }
        server.engine.close();
        assertEquals(0, server.engine.buffersOutstanding(), "pooled buffers outstanding after close");
    }

    private static String[] with(String name, String value) {
        List<String> fields = new ArrayList<>(List.of(":method", "GET", ":scheme", "http", ":path", "/echo",
                ":authority", "localhost"));
        int at = fields.indexOf(name);
        if (at >= 0) {
            fields.set(at + 1, value);
        } else {
            fields.add(name);
            fields.add(value);
        }
        return fields.toArray(String[]::new);
    }

    /** Sends each request on its own stream; each must be reset with PROTOCOL_ERROR, the connection must go on. */
    private void assertEachReset(List<String[]> requests) throws Exception {
        try (RawH2Client c = RawH2Client.connect(server.port())) {
            int id = 1;
            for (String[] fields : requests) {
                c.headers(id, true, fields);
                String shown = String.join(" ", fields).replace("\r", "\\r").replace("\n", "\\n")
                        .replace("\u0000", "\\0");
                assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(id), shown);
                id += 2;
            }
            c.headers(id, true, RawH2Client.get("/hello"));
            assertEquals(200, c.response(id).status(), "a stream error, not a connection error");
        }
    }

    @Test
    void crLfOrNulInPseudoHeaderValuesResetsTheStream() throws Exception {
        assertEachReset(List.of(
                with(":path", "/echo\r\nx-injected: 1"),
                with(":path", "/echo\nx"),
                with(":path", "/ec\u0000ho"),
                with(":authority", "localhost\r\nx-injected: 1"),
                with(":authority", "local\u0000host"),
                with(":scheme", "http\r\nx-injected: 1"),
                with(":scheme", "ht\u0000tp"),
                with(":method", "GET\r\n")));
    }

    @Test
    void pseudoHeaderValuesWithWhitespaceAtAnEndResetTheStream() throws Exception {
        assertEachReset(List.of(
                with(":path", " /echo"),
                with(":path", "/echo "),
                with(":authority", "localhost\t"),
                with(":scheme", " http")));
    }

    @Test
    void pathMustBeVisibleAsciiStartingWithSlash() throws Exception {
        assertEachReset(List.of(
                with(":path", "/echo x"),
                with(":path", "/echo\tx"),
                with(":path", "/echo\u0001"),
                with(":path", "/echo\u007F"),
                with(":path", "/caf\u00e9"),
                with(":path", "echo"),
                with(":path", ""),
                with(":path", "*")));
    }

    @Test
    void schemeMustBeAUriScheme() throws Exception {
        assertEachReset(List.of(
                with(":scheme", ""),
                with(":scheme", "ht tp"),
                with(":scheme", "1http"),
                with(":scheme", "http:"),
                with(":scheme", "http/1.1")));
    }

    @Test
    void authorityMustBeHostAndPort() throws Exception {
        assertEachReset(List.of(
                with(":authority", ""),
                with(":authority", "user@localhost"),
                with(":authority", "user:pass@localhost:80"),
                with(":authority", "local host"),
                with(":authority", "localhost/evil"),
                with(":authority", "localhost?x"),
                with(":authority", "localhost:99999"),
                with(":authority", "localhost:http"),
                with(":authority", ":80"),
                with(":authority", "[::1"),
                with(":authority", "[localhost]:80"),
                with(":authority", "[fe80::1%25eth0]"),
                with(":authority", "caf\u00e9.example"),
                with(":authority", "a%zz")));
    }

    @Test
    void hostFieldIsCheckedLikeAuthority() throws Exception {
        String[] noAuthority = {":method", "GET", ":scheme", "http", ":path", "/echo"};
        List<String[]> bad = new ArrayList<>();
        bad.add(concat(noAuthority, "host", "user@evil.example"));
        bad.add(concat(noAuthority, "host", "evil.example/x"));
        bad.add(concat(noAuthority, "host", "a", "host", "b")); // RFC 9112 §3.2: at most one
        bad.add(with("host", "evil.example")); // RFC 9113 §8.3.1: differs from :authority
        assertEachReset(bad);
    }

    @Test
    void controlCharactersInRegularFieldValuesResetTheStream() throws Exception {
        // RFC 9110 §5.5: every CTL but HTAB is invalid in a field value, DEL too, on HTTP/2 as on HTTP/1.1
        assertEachReset(List.of(
                with("x-a", "b\rc"),
                with("x-a", "b\nc"),
                with("x-a", "b\u0000c"),
                with("x-a", "b\u0001c"),
                with("x-a", "b\u001Bc"),
                with("x-a", "b\u007Fc"),
                with("x-a", " b"),
                with("x-a", "b\t")));
    }

    @Test
    void legitimateValuesStillReachTheHandler() throws Exception {
        try (RawH2Client c = RawH2Client.connect(server.port())) {
            int id = 1;
            for (String authority : new String[] {"localhost", "127.0.0.1:8080", "[::1]", "[::1]:8443",
                    "[2001:db8::8:800:200c:417a]:0", "xn--bcher-kva.example", "a-b_c~d.e", "a%2Db", "h:",
                    "sub!$&'()*+,;=delims:443"}) {
                c.headers(id, true, with(":authority", authority));
                RawH2Client.Reply r = c.response(id);
                assertEquals(200, r.status(), authority);
                assertEquals(authority, r.headers().get("x-echo-host"), ":authority becomes host");
                id += 2;
            }
            c.headers(id, true, RawH2Client.request("GET", "/echo?q=%20a/b:c@d!$'()*+,;=&x=~", "x-multi", "",
                    "x-multi", "caf\u00e9", "x-multi", "a\tb", "host", "LOCALHOST"));
            RawH2Client.Reply r = c.response(id);
            assertEquals(200, r.status());
            // the handler got the octet 0xE9 as the char U+00E9; its response header goes out in UTF-8
            String cafe = new String("caf\u00e9".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            assertEquals(", " + cafe + ", a\tb", r.headers().get("x-echo-x-multi"), "empty, obs-text and inner HTAB are kept");
            assertEquals("LOCALHOST", r.headers().get("x-echo-host"), "host equal to :authority but for case");
            id += 2;
            c.headers(id, true, concat(new String[] {":method", "GET", ":scheme", "https", ":path", "/hello"},
                    "host", "[::1]:443"));
            assertEquals("hello HTTP/2", new String(c.response(id).body(), StandardCharsets.UTF_8),
                    "host without :authority; another scheme token");
        }
    }

    private static String[] concat(String[] head, String... more) {
        String[] all = new String[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }
}

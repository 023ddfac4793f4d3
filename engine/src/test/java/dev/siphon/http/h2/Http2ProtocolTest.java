package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.siphon.http.Response;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.internal.Counters.Limit;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RFC 9113 behaviour and abuse protections, driven frame by frame by {@link RawH2Client}. */
@Timeout(20)
class Http2ProtocolTest {
    private Http2TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new Http2TestServer();
    }

    @AfterEach
    void stop() throws Exception {
        for (var r : server.parked) {
            r.send(Response.text(200, "late"));
        }
        server.engine.close();
        assertEquals(0, server.engine.buffersOutstanding(), "pooled buffers outstanding after close");
    }

    private RawH2Client client() throws Exception {
        return RawH2Client.connect(server.port());
    }

    private long count(Limit l) {
        return server.engine.counters().count(l);
    }

    // ------------------------------------------------------------ connection set-up

    @Test
    void sendsSettingsFirstAndAcknowledgesClientSettings() throws Exception {
        try (RawH2Client c = client()) {
            RawH2Client.Frame first = c.read();
            assertEquals(SETTINGS, first.type());
            assertEquals(0, first.flags() & FLAG_ACK);
            ByteBuffer p = ByteBuffer.wrap(first.payload());
            boolean maxStreams = false;
            while (p.hasRemaining()) {
                int id = p.getShort();
                int v = p.getInt();
                if (id == SETTINGS_MAX_CONCURRENT_STREAMS) {
                    maxStreams = v == 100;
                }
            }
            assertTrue(maxStreams, "advertises SETTINGS_MAX_CONCURRENT_STREAMS 100");
            RawH2Client.Frame ack = c.await(SETTINGS, 0);
            while (ack != null && (ack.flags() & FLAG_ACK) == 0) {
                ack = c.await(SETTINGS, 0);
            }
            assertNotNull(ack, "our SETTINGS acknowledged");
            c.headers(1, true, RawH2Client.get("/hello"));
            assertEquals("hello HTTP/2", new String(c.response(1).body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void answersPing() throws Exception {
        try (RawH2Client c = client()) {
            byte[] opaque = "pingpong".getBytes(StandardCharsets.US_ASCII);
            c.frame(PING, 0, 0, opaque);
            RawH2Client.Frame f = c.await(PING, 0);
            assertEquals(FLAG_ACK, f.flags());
            assertArrayEquals(opaque, f.payload());
        }
    }

    @Test
    void rejectsClientPrefaceWithoutSettings() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            c.raw(FrameType.PREFACE);
            c.frame(PING, 0, 0, new byte[8]);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void aPrefaceWrongAfterItsRequestLineIsProtocolError() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            c.raw("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // RFC 9113 §3.4
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
        try (RawH2Client c = new RawH2Client(server.port())) {
            c.raw("PRI * HTTP/2.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void prefaceSplitAcrossReadsIsDetected() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            for (byte b : FrameType.PREFACE) {
                c.raw(new byte[] {b});
                Thread.sleep(1);
            }
            c.frame(SETTINGS, 0, 0, new byte[0]);
            c.headers(1, true, RawH2Client.get("/hello"));
            assertEquals(200, c.response(1).status());
        }
    }

    @Test
    void http1StillWorksOnTheSameListener() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
            assertTrue(reply.endsWith("hello HTTP/1.1"), reply);
        }
    }

    // ------------------------------------------------------------ requests reach handlers as in HTTP/1.1

    @Test
    void requestReachesHandlerLikeHttp1() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.request("GET", "/echo?x=1", "cookie", "a=1", "x-multi", "one", "cookie", "b=2",
                    "x-multi", "two"));
            RawH2Client.Reply r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("HTTP/2", r.headers().get("x-version"));
            assertEquals("a=1; b=2", r.headers().get("x-echo-cookie"), "RFC 9113 §8.2.3 cookie join");
            assertEquals("one, two", r.headers().get("x-echo-x-multi"));
            assertEquals("localhost", r.headers().get("x-echo-host"), ":authority is the host");
            assertNull(r.headers().get("connection"), "connection-specific response fields dropped");
            assertEquals("0", r.headers().get("content-length"));
            assertNotNull(r.headers().get("date"));
        }
    }

    @Test
    void headDropsTheBodyButKeepsItsLength() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.request("HEAD", "/hello"));
            RawH2Client.Reply r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("12", r.headers().get("content-length"));
            assertEquals(0, r.body().length);
        }
    }

    @Test
    void unknownRoutesAnswer404And405() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/nope"));
            assertEquals(404, c.response(1).status());
            c.headers(3, true, RawH2Client.request("DELETE", "/hello"));
            RawH2Client.Reply r = c.response(3);
            assertEquals(405, r.status());
            assertTrue(r.headers().get("allow").contains("GET"));
        }
    }

    @Test
    void trailersOnRequestsAreAccepted() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, false, RawH2Client.request("POST", "/echo", "te", "trailers"));
            c.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false);
            c.headers(1, true, "x-trailer", "done");
            RawH2Client.Reply r = c.response(1);
            assertEquals("abc", new String(r.body(), StandardCharsets.US_ASCII));
            assertEquals("done", r.headers().get("x-echo-x-trailer"));
        }
    }

    @Test
    void headersAfterEndStreamDoNotChangeTheRequestAHandlerHas() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            awaitSlowCalls(1);
            // RFC 9113 §5.1: half-closed (remote), so STREAM_CLOSED; the handler's request is untouched
            c.headers(1, true, "x-injected", "late", "host", "evil.example");
            assertEquals(ErrorCode.STREAM_CLOSED.code(), c.awaitRst(1));
            dev.siphon.http.Headers seen = server.parkedRequests.get(0).headers();
            assertNull(seen.get("x-injected"));
            assertEquals("localhost", seen.get("host"));
        }
    }

    /** RFC 9110 §6.5.1: fields for framing, routing, modifiers, authentication and content format are not trailers. */
    @Test
    void trailersNamingFramingOrRoutingFieldsResetTheStream() throws Exception {
        String[][] bad = {{"content-length", "999"}, {"host", "evil.example"}, {"authorization", "Basic eA=="},
            {"cookie", "session=forged"}, {"x-forwarded-for", "10.0.0.1"}, {"content-type", "text/html"},
            {"expect", "100-continue"}};
        try (RawH2Client c = client()) {
            int id = 1;
            for (String[] field : bad) {
                c.headers(id, false, RawH2Client.request("POST", "/echo", "content-length", "3", "te", "trailers"));
                c.data(id, "abc".getBytes(StandardCharsets.US_ASCII), false);
                c.headers(id, true, field);
                assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(id), field[0] + " in trailers");
                id += 2;
            }
            c.headers(id, false, RawH2Client.request("POST", "/echo", "te", "trailers"));
            c.data(id, "abc".getBytes(StandardCharsets.US_ASCII), false);
            c.headers(id, true, "x-trailer", "done");
            assertEquals("done", c.response(id).headers().get("x-echo-x-trailer"), "other trailers are merged");
        }
    }

    @Test
    void reassemblesHeadersAndContinuation() throws Exception {
        try (RawH2Client c = client()) {
            byte[] block = c.block(RawH2Client.request("GET", "/echo", "x-multi", "v".repeat(100)));
            int cut = block.length / 3;
            c.frame(HEADERS, FLAG_END_STREAM, 1, java.util.Arrays.copyOfRange(block, 0, cut));
            c.frame(CONTINUATION, 0, 1, java.util.Arrays.copyOfRange(block, cut, 2 * cut));
            c.frame(CONTINUATION, FLAG_END_HEADERS, 1, java.util.Arrays.copyOfRange(block, 2 * cut, block.length));
            assertEquals("v".repeat(100), c.response(1).headers().get("x-echo-x-multi"));
        }
    }

    @Test
    void priorityIsAcceptedAndIgnored() throws Exception {
        try (RawH2Client c = client()) {
            c.frame(PRIORITY, 0, 3, new byte[] {0, 0, 0, 0, 16});
            c.frame(PRIORITY, 0, 1, new byte[] {0, 0, 0, 0, 16});
            c.headers(1, true, RawH2Client.get("/hello"));
            assertEquals(200, c.response(1).status());
        }
    }

    // ------------------------------------------------------------ flow control

    @Test
    void requestBodyLargerThanInitialWindowGetsWindowUpdates() throws Exception {
        try (RawH2Client c = client()) {
            int size = 300_000;
            byte[] body = Http2TestServer.pattern(size);
            c.headers(1, false, RawH2Client.request("POST", "/echo", "content-length", Integer.toString(size)));
            // Never more than the windows allow: 65,535 on the stream until it is raised.
            long streamWindow = 65_535;
            int sent = 0;
            while (sent < size) {
                while (streamWindow <= 0) {
                    RawH2Client.Frame f = c.await(WINDOW_UPDATE, 1);
                    assertNotNull(f, "stream window updated as the body is consumed");
                    streamWindow += f.int32(0);
                }
                int n = (int) Math.min(Math.min(16_384, size - sent), streamWindow);
                c.data(1, java.util.Arrays.copyOfRange(body, sent, sent + n), sent + n == size);
                sent += n;
                streamWindow -= n;
            }
            RawH2Client.Reply r = c.response(1);
            assertTrue(Http2TestServer.isPattern(r.body(), size));
        }
    }

    @Test
    void responseLargerThanPeerWindowWaitsForWindowUpdate() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            c.raw(FrameType.PREFACE);
            c.settings(SETTINGS_INITIAL_WINDOW_SIZE, 1000);
            c.headers(1, true, RawH2Client.get("/big/5000"));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int window = 1000;
            while (got.size() < 5000) {
                RawH2Client.Frame f = c.read();
                assertNotNull(f);
                if (f.type() == DATA) {
                    got.write(f.payload());
                    window -= f.payload().length;
                    assertTrue(window >= 0, "DATA within the peer's stream window");
                    if (window == 0 && got.size() < 5000) {
                        c.windowUpdate(1, 1500);
                        window += 1500;
                    }
                }
            }
            assertTrue(Http2TestServer.isPattern(got.toByteArray(), 5000));
        }
    }

    @Test
    void initialWindowSizeChangeAdjustsOpenStreams() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            c.raw(FrameType.PREFACE);
            c.settings(SETTINGS_INITIAL_WINDOW_SIZE, 0);
            c.headers(1, true, RawH2Client.get("/big/3000"));
            RawH2Client.Frame h = c.await(HEADERS, 1);
            assertNotNull(h);
            c.settings(SETTINGS_INITIAL_WINDOW_SIZE, 3000); // +3000 to the open stream (RFC 9113 §6.9.2)
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < 3000) {
                RawH2Client.Frame f = c.await(DATA, 1);
                assertNotNull(f);
                got.write(f.payload());
            }
            assertTrue(Http2TestServer.isPattern(got.toByteArray(), 3000));
        }
    }

    @Test
    void dataFramesRespectPeerMaxFrameSize() throws Exception {
        try (RawH2Client c = client()) {
            c.windowUpdate(0, 1 << 20);
            c.settings(SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20, SETTINGS_MAX_FRAME_SIZE, 20_000);
            c.headers(1, true, RawH2Client.get("/big/100000"));
            int total = 0;
            int largest = 0;
            while (total < 100_000) {
                RawH2Client.Frame f = c.await(DATA, 1);
                total += f.payload().length;
                largest = Math.max(largest, f.payload().length);
            }
            assertEquals(20_000, largest);
        }
    }

    @Test
    void headerTableSizeSettingIsApplied() throws Exception {
        try (RawH2Client c = client()) {
            c.settings(SETTINGS_HEADER_TABLE_SIZE, 0);
            c.await(SETTINGS, 0);
            c.headers(1, true, RawH2Client.get("/hello"));
            RawH2Client.Frame h = c.await(HEADERS, 1);
            // RFC 7541 §4.2: the next block starts with a dynamic table size update to 0
            assertEquals(0x20, h.payload()[0] & 0xFF);
        }
    }

    /**
     * RFC 7541 §4.2: once the client acknowledged our lower SETTINGS_HEADER_TABLE_SIZE, its next
     * header block must start with a table size update, even an empty block; without it the
     * tables are out of step: COMPRESSION_ERROR (found by HpackDecoderFuzzTest).
     */
    @Test
    void emptyHeaderBlockWithoutTheSizeUpdateOurSettingRequiresIsCompressionError() throws Exception {
        Http2TestServer s = new Http2TestServer(1 << 20, Http2Settings.defaults().withHeaderTableSize(1024));
        try (RawH2Client c = RawH2Client.connect(s.port())) { // acknowledges our SETTINGS
            c.await(SETTINGS, 0);
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, new byte[0]);
            assertEquals(ErrorCode.COMPRESSION_ERROR.code(), c.awaitGoAway());
        } finally {
            s.engine.close();
        }
    }

    @Test
    void windowUpdateOfZeroIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            c.windowUpdate(1, 0);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(1));
            c.windowUpdate(0, 0);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void windowOverflowIsFlowControlError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            c.windowUpdate(1, Integer.MAX_VALUE);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code(), c.awaitRst(1));
            c.windowUpdate(0, Integer.MAX_VALUE);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code(), c.awaitGoAway());
            assertTrue(count(Limit.H2_FLOW_CONTROL) >= 2);
        }
    }

    @Test
    void bodyOverMaxBodyBytesAnswers413() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, false, RawH2Client.request("POST", "/echo", "content-length", "2000000"));
            assertEquals(413, c.response(1).status());
            // the rest of the request is drained: its DATA is accepted and ignored
            c.data(1, new byte[16_384], false);
            // without a length: refused once the buffered body crosses the cap
            c.headers(3, false, RawH2Client.request("POST", "/echo"));
            byte[] chunk = new byte[16_384];
            for (int i = 0; i < 3; i++) {
                c.data(3, chunk, false);
            }
            c.windowUpdate(0, 1); // keep reading going
            RawH2Client.Reply small = null;
            c.headers(5, true, RawH2Client.get("/hello"));
            small = c.response(5);
            assertEquals(200, small.status(), "the connection goes on");
        }
        assertTrue(count(Limit.BODY_BYTES) >= 1);
    }

    @Test
    void bodyCrossingTheCapWithoutLengthAnswers413() throws Exception {
        server.engine.close();
        server = new Http2TestServer();
        try (RawH2Client c = client()) {
            c.windowUpdate(0, 1 << 24);
            c.headers(1, false, RawH2Client.request("POST", "/echo"));
            byte[] chunk = new byte[16_000];
            int sent = 0;
            long window = 65_535;
            RawH2Client.Reply r = null;
            // send until refused, honouring the stream window
            while (sent <= (1 << 20)) {
                if (window < chunk.length) {
                    RawH2Client.Frame f = c.read();
                    if (f.type() == WINDOW_UPDATE && f.stream() == 1) {
                        window += f.int32(0);
                    } else if (f.type() == HEADERS && f.stream() == 1) {
                        break;
                    }
                    continue;
                }
                c.data(1, chunk, false);
                sent += chunk.length;
                window -= chunk.length;
            }
            RawH2Client.Frame h = c.seen.stream().filter(f -> f.type() == HEADERS && f.stream() == 1).findFirst()
                    .orElseGet(() -> {
                        try {
                            return c.await(HEADERS, 1);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    });
            assertNotNull(h);
            assertTrue(sent > (1 << 20) - chunk.length, "refused only after the cap");
        }
        assertTrue(count(Limit.BODY_BYTES) >= 1);
    }

    // ------------------------------------------------------------ stream states and errors

    @Test
    void dataOnIdleStreamIsConnectionProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.data(5, new byte[1], true);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void dataOnClosedStreamIsStreamClosed() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/hello"));
            c.response(1);
            c.data(1, new byte[1], false);
            assertEquals(ErrorCode.STREAM_CLOSED.code(), c.awaitRst(1));
        }
    }

    @Test
    void dataAfterEndStreamIsStreamClosed() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            c.data(1, new byte[1], false);
            assertEquals(ErrorCode.STREAM_CLOSED.code(), c.awaitRst(1));
        }
        assertEquals(server.slowCalls.get(), server.slowCancelled.get(), "the reset stream's exchange is cancelled");
    }

    @Test
    void headersOnEvenStreamIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(2, true, RawH2Client.get("/hello"));
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void headersOnALowerStreamNeverOpenedIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(5, true, RawH2Client.get("/hello"));
            c.response(5);
            c.headers(3, true, RawH2Client.get("/hello")); // RFC 9113 §5.1.1: ids only grow
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void headersOnAStreamOpenedBeforeIsStreamClosed() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/hello"));
            c.response(1);
            c.headers(3, true, RawH2Client.get("/hello"));
            c.response(3);
            c.headers(201, true, RawH2Client.get("/hello")); // 1 and 3 now lie outside the remembered window
            c.response(201);
            c.headers(203, true, RawH2Client.get("/hello"));
            c.response(203);
            c.headers(201, true, RawH2Client.get("/hello")); // §5.1: a frame on a closed stream
            assertEquals(ErrorCode.STREAM_CLOSED.code(), c.awaitGoAway());
        }
        try (RawH2Client c = client()) {
            c.headers(7, true, RawH2Client.get("/hello"));
            c.response(7);
            c.headers(135, true, RawH2Client.get("/hello")); // 7 is exactly 64 ids below 135
            c.response(135);
            c.headers(7, true, RawH2Client.get("/hello"));
            assertEquals(ErrorCode.STREAM_CLOSED.code(), c.awaitGoAway());
        }
        try (RawH2Client c = client()) {
            c.headers(7, true, RawH2Client.get("/hello"));
            c.response(7);
            c.headers(135, true, RawH2Client.get("/hello"));
            c.response(135);
            c.headers(9, true, RawH2Client.get("/hello")); // skipped, inside the window
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void rstStreamOnIdleStreamIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.rst(7, ErrorCode.CANCEL.code());
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void rstStreamCancelsTheExchange() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (server.slowCalls.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            c.rst(1, ErrorCode.CANCEL.code());
            c.frame(PING, 0, 0, new byte[8]);
            c.await(PING, 0);
            assertEquals(1, server.slowCancelled.get());
        }
    }

    @Test
    void interleavedFrameDuringHeaderBlockIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            byte[] block = c.block(RawH2Client.get("/hello"));
            c.frame(HEADERS, FLAG_END_STREAM, 1, java.util.Arrays.copyOf(block, 3));
            c.headers(3, true, RawH2Client.get("/hello"));
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void frameLargerThanAdvertisedMaxIsFrameSizeError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, false, RawH2Client.request("POST", "/echo"));
            c.data(1, new byte[16_385], true);
            assertEquals(ErrorCode.FRAME_SIZE_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void settingsWithInvalidValuesAreConnectionErrors() throws Exception {
        try (RawH2Client c = client()) {
            c.settings(SETTINGS_MAX_FRAME_SIZE, 100);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitGoAway());
        }
        try (RawH2Client c = client()) {
            c.settings(SETTINGS_INITIAL_WINDOW_SIZE, -1);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code(), c.awaitGoAway());
        }
    }

    @Test
    void malformedPseudoHeadersResetTheStream() throws Exception {
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {":method", "GET", ":scheme", "http", ":authority", "x"}); // no :path
        bad.add(new String[] {":method", "GET", ":method", "GET", ":scheme", "http", ":path", "/hello"}); // duplicate
        bad.add(RawH2Client.request("GET", "/hello", ":foo", "bar")); // unknown pseudo (after regular? no: after pseudo)
        bad.add(new String[] {":method", "GET", "x-a", "1", ":scheme", "http", ":path", "/hello"}); // pseudo after regular
        bad.add(RawH2Client.request("GET", "/hello", "X-Upper", "1")); // upper-case name
        bad.add(RawH2Client.request("GET", "/hello", "connection", "keep-alive"));
        bad.add(RawH2Client.request("GET", "/hello", "transfer-encoding", "chunked"));
        bad.add(RawH2Client.request("GET", "/hello", "te", "gzip"));
        bad.add(new String[] {":method", "GET", ":scheme", "http", ":path", "/hello", ":status", "200"}); // response pseudo
        try (RawH2Client c = client()) {
            int id = 1;
            for (String[] fields : bad) {
                c.headers(id, true, fields);
                assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(id), String.join(" ", fields));
                id += 2;
            }
            c.headers(id, true, RawH2Client.request("GET", "/hello", "te", "trailers"));
            assertEquals(200, c.response(id).status(), "te: trailers is allowed and the connection goes on");
        }
    }

    @Test
    void contentLengthMismatchIsProtocolError() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, false, RawH2Client.request("POST", "/echo", "content-length", "5"));
            c.data(1, new byte[3], true);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(1));
            c.headers(3, false, RawH2Client.request("POST", "/echo", "content-length", "2"));
            c.data(3, new byte[3], true);
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(3));
        }
    }

    @Test
    void refusesStreamsOverMaxConcurrentStreams() throws Exception {
        try (RawH2Client c = client()) {
            for (int i = 0; i < 100; i++) {
                c.headers(1 + 2 * i, true, RawH2Client.get("/slow"));
            }
            c.headers(201, true, RawH2Client.get("/slow"));
            assertEquals(ErrorCode.REFUSED_STREAM.code(), c.awaitRst(201));
        }
        assertEquals(1, count(Limit.H2_CONCURRENT_STREAMS));
    }

    @Test
    void gracefulShutdownSendsTwoGoAwaysAndFinishesInFlightStreams() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, true, RawH2Client.get("/slow"));
            c.headers(3, true, RawH2Client.get("/slow"));
            awaitSlowCalls(2);
            Thread closer = Thread.ofPlatform().start(server.engine::close);
            // RFC 9113 §6.8: the first GOAWAY names 2^31-1, so streams already on their way still count
            RawH2Client.Frame first = c.await(GOAWAY, 0);
            assertEquals(Integer.MAX_VALUE, first.int32(0), "first GOAWAY: last-stream-id 2^31-1");
            assertEquals(ErrorCode.NO_ERROR.code(), first.int32(4));
            RawH2Client.Frame ping = c.await(PING, 0);
            assertEquals(0, ping.flags() & FLAG_ACK, "a PING follows the first GOAWAY");
            // a stream the client sent before it read the first GOAWAY is still served
            c.headers(5, true, RawH2Client.get("/hello"));
            assertEquals(200, c.response(5).status());
            c.frame(PING, FLAG_ACK, 0, ping.payload());
            RawH2Client.Frame last = c.await(GOAWAY, 0);
            assertEquals(5, last.int32(0), "final GOAWAY: the last stream processed");
            assertEquals(ErrorCode.NO_ERROR.code(), last.int32(4));
            c.headers(7, true, RawH2Client.get("/hello")); // after the final GOAWAY: ignored
            for (var r : server.parked) {
                r.send(Response.text(200, "finished"));
            }
            server.parked.clear();
            assertEquals("finished", new String(c.response(1).body(), StandardCharsets.UTF_8));
            assertEquals("finished", new String(c.response(3).body(), StandardCharsets.UTF_8));
            assertTrue(c.awaitEof(), "closed once in-flight streams are done");
            for (RawH2Client.Frame f : c.seen) {
                assertNotEquals(7, f.stream(), "stream 7 came after the final GOAWAY and is not answered");
            }
            closer.join();
        }
        assertEquals(0, count(Limit.H2_SHUTDOWN_PING_TIMEOUT));
    }

    @Test
    void gracefulShutdownSendsTheFinalGoAwayWhenThePingIsNotAnswered() throws Exception {
        Http2TestServer s = new Http2TestServer(1 << 20, Http2Settings.defaults().withShutdownPingTimeoutMs(200));
        try (RawH2Client c = RawH2Client.connect(s.port())) {
            c.headers(1, true, RawH2Client.get("/slow"));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (s.slowCalls.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread closer = Thread.ofPlatform().start(s.engine::close);
            assertEquals(Integer.MAX_VALUE, c.await(GOAWAY, 0).int32(0));
            RawH2Client.Frame last = c.await(GOAWAY, 0); // the PING is never answered
            assertEquals(1, last.int32(0));
            s.parked.getFirst().send(Response.text(200, "finished"));
            assertEquals("finished", new String(c.response(1).body(), StandardCharsets.UTF_8));
            closer.join();
        }
        assertEquals(1, s.engine.counters().count(Limit.H2_SHUTDOWN_PING_TIMEOUT));
        assertEquals(0, s.engine.buffersOutstanding());
    }

    @Test
    void settingsNotAcknowledgedInTimeIsSettingsTimeout() throws Exception {
        Http2TestServer s = new Http2TestServer(1 << 20, Http2Settings.defaults().withSettingsTimeoutMs(200));
        try (RawH2Client silent = new RawH2Client(s.port()); RawH2Client polite = RawH2Client.connect(s.port())) {
            silent.raw(FrameType.PREFACE);
            silent.frame(SETTINGS, 0, 0, new byte[0]); // its own SETTINGS, but never an ack of ours
            // RFC 9113 §6.5.3: "it MAY issue a connection error of type SETTINGS_TIMEOUT"
            assertEquals(ErrorCode.SETTINGS_TIMEOUT.code(), silent.awaitGoAway());
            assertTrue(silent.awaitEof());
            Thread.sleep(300);
            polite.headers(1, true, RawH2Client.get("/hello"));
            assertEquals(200, polite.response(1).status(), "a client that acknowledged is not cut off");
        } finally {
            s.engine.close();
        }
        assertEquals(1, s.engine.counters().count(Limit.H2_SETTINGS_TIMEOUT));
        assertEquals(0, s.engine.buffersOutstanding());
    }

    private void awaitSlowCalls(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (server.slowCalls.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /**
     * RFC 9113 §5.3.1: a stream that depends on itself is a stream error, but its header block
     * still changes the HPACK table; the next request, encoded against that table, must decode.
     */
    @Test
    void aSelfDependentStreamIsResetAndTheHpackTableStaysInStep() throws Exception {
        try (RawH2Client c = client()) {
            String[] fields = RawH2Client.request("GET", "/hello", "x-table-entry", "added-by-stream-1");
            byte[] block = c.block(fields); // literals with incremental indexing: the dynamic table grows
            ByteBuffer p = ByteBuffer.allocate(5 + block.length).putInt(1).put((byte) 15).put(block);
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM | FLAG_PRIORITY, 1, p.array());
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), c.awaitRst(1));
            c.headers(3, true, fields); // the same fields, now indexed from the dynamic table
            assertEquals(200, c.response(3).status(), "the server decoded stream 1's block");
        }
    }

    // ------------------------------------------------------------ protections

    @Test
    void survivesRapidReset() throws Exception {
        try (RawH2Client c = client()) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 400; i++) {
                int id = 1 + 2 * i;
                byte[] block = c.block(RawH2Client.get("/slow"));
                burst.write(frameBytes(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id, block));
                burst.write(frameBytes(RST_STREAM, 0, id, ByteBuffer.allocate(4).putInt(8).array()));
            }
            c.raw(burst.toByteArray());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
        }
        assertTrue(count(Limit.H2_RAPID_RESET) >= 1);
        assertTrue(server.slowCalls.get() < 400, "reset streams are not dispatched");
        assertEquals(server.slowCalls.get(), server.slowCancelled.get(), "dispatched ones are cancelled");
    }

    @Test
    void survivesMadeYouReset() throws Exception {
        try (RawH2Client c = client()) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 400; i++) {
                // a malformed request the server must reset (upper-case field name)
                burst.write(frameBytes(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1 + 2 * i,
                        c.block(RawH2Client.request("GET", "/slow", "X-Bad", "1"))));
            }
            c.raw(burst.toByteArray());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
        }
        assertTrue(count(Limit.H2_RAPID_RESET) >= 1);
        assertEquals(0, server.slowCalls.get());
    }

    @Test
    void survivesContinuationFlood() throws Exception {
        try (RawH2Client c = client()) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            burst.write(frameBytes(HEADERS, FLAG_END_STREAM, 1, c.block(RawH2Client.get("/hello"))));
            for (int i = 0; i < 33; i++) { // the 33rd is one too many: refused there, nothing left unread
                burst.write(frameBytes(CONTINUATION, 0, 1, c.block("x-a", "b")));
            }
            c.raw(burst.toByteArray());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
        }
        try (RawH2Client c = client()) {
            c.frame(HEADERS, FLAG_END_STREAM, 1, new byte[16_000]);
            for (int i = 0; i < 4; i++) {
                c.frame(CONTINUATION, 0, 1, new byte[16_000]); // octets per block capped as well: the 4th crosses 64 KiB
            }
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
        }
        assertEquals(2, count(Limit.H2_CONTINUATION));
    }

    @Test
    void survivesHpackBomb() throws Exception {
        try (RawH2Client c = client()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84}); // GET http /
            // literal with incremental indexing, new name "x-bomb", a 4000-octet value
            b.write(new byte[] {0x40, 6});
            b.write("x-bomb".getBytes(StandardCharsets.US_ASCII));
            b.write(new byte[] {0x7F, (byte) 0xA1, 0x1E});
            b.write("a".repeat(4000).getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1000; i++) {
                b.write(0xBE); // indexed: dynamic entry 62, the bomb again
            }
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, b.toByteArray());
            assertEquals(431, c.response(1).status());
            // the connection and its HPACK state survive: a literal :path "/hello"
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3,
                    new byte[] {(byte) 0x82, (byte) 0x86, 0x04, 6, '/', 'h', 'e', 'l', 'l', 'o'});
            assertEquals(200, c.response(3).status());
        }
        assertEquals(1, count(Limit.H2_HEADER_LIST));
    }

    @Test
    void survivesControlFrameFlood() throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
        try (s) {
            OutputStream o = s.getOutputStream();
            o.write(FrameType.PREFACE);
            o.write(frameBytes(SETTINGS, 0, 0, new byte[0]));
            byte[] ping = frameBytes(PING, 0, 0, new byte[8]);
            byte[] burst = new byte[ping.length * 4096];
            for (int i = 0; i < 4096; i++) {
                System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
            }
            try {
                for (int i = 0; i < 1000; i++) { // up to 4M PINGs, never reading an ack
                    o.write(burst);
                }
                fail("the server should have closed the connection");
            } catch (java.io.IOException expected) {
                // closed under us
            }
        }
        assertEquals(1, count(Limit.H2_CONTROL_FLOOD));
    }

    @Test
    void survivesEmptyDataFlood() throws Exception {
        try (RawH2Client c = client()) {
            c.headers(1, false, RawH2Client.request("POST", "/echo"));
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                burst.write(frameBytes(DATA, 0, 1, new byte[0]));
            }
            c.raw(burst.toByteArray());
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
        }
        assertEquals(1, count(Limit.H2_EMPTY_FRAMES));
    }

    @Test
    void refusesStreamsOverTheConnectionBodyBudget() throws Exception {
        // 64 KiB per request, 128 KiB per connection: two declared 60,000-octet bodies fit, a third does not
        Http2TestServer s = new Http2TestServer(65_536, Http2Settings.defaults().withMaxConnectionBodyBytes(131_072));
        try (RawH2Client c = RawH2Client.connect(s.port())) {
            c.headers(1, false, RawH2Client.request("POST", "/echo", "content-length", "60000"));
            c.headers(3, false, RawH2Client.request("POST", "/echo", "content-length", "60000"));
            c.headers(5, false, RawH2Client.request("POST", "/echo", "content-length", "60000"));
            assertEquals(ErrorCode.REFUSED_STREAM.code(), c.awaitRst(5), "refused before any body is buffered");
            // without content-length the budget is checked as the body grows: 10,000 fit, 2,000 more do not
            c.headers(7, false, RawH2Client.request("POST", "/echo"));
            c.data(7, new byte[10_000], false);
            c.data(7, new byte[2_000], false);
            assertEquals(ErrorCode.REFUSED_STREAM.code(), c.awaitRst(7));
            // the streams within the budget complete, and once handed to their handler free it again
            sendBody(c, 1, 60_000);
            assertEquals(60_000, c.response(1).body().length);
            c.headers(9, false, RawH2Client.request("POST", "/echo", "content-length", "60000"));
            sendBody(c, 9, 60_000);
            assertEquals(60_000, c.response(9).body().length);
            sendBody(c, 3, 60_000);
            assertEquals(60_000, c.response(3).body().length);
        } finally {
            s.engine.close();
        }
        assertEquals(2, s.engine.counters().count(Limit.H2_CONNECTION_BODY_BYTES));
        assertEquals(0, s.engine.buffersOutstanding());
    }

    @Test
    void connectionBodyBudgetNeverRefusesOneRequestAtTheListenersCap() throws Exception {
        // a budget below max_body_bytes is raised to it: one full-size request always fits
        Http2TestServer s = new Http2TestServer(100_000, Http2Settings.defaults().withMaxConnectionBodyBytes(1_000));
        try (RawH2Client c = RawH2Client.connect(s.port())) {
            c.headers(1, false, RawH2Client.request("POST", "/echo", "content-length", "100000"));
            sendBody(c, 1, 100_000);
            assertEquals(100_000, c.response(1).body().length);
        } finally {
            s.engine.close();
        }
        assertEquals(0, s.engine.counters().count(Limit.H2_CONNECTION_BODY_BYTES));
    }

    /** Sends {@code n} octets on {@code stream} in frames of the default maximum size, the last with END_STREAM. */
    private static void sendBody(RawH2Client c, int stream, int n) throws Exception {
        for (int sent = 0; sent < n; ) {
            int len = Math.min(16_384, n - sent);
            sent += len;
            c.data(stream, new byte[len], sent == n);
        }
    }

    private static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        FrameWriter.header(b, payload.length, type, flags, stream);
        return b.put(payload).array();
    }

    @SuppressWarnings("unused")
    private static byte[] readAll(InputStream in) throws Exception {
        return in.readAllBytes();
    }
}

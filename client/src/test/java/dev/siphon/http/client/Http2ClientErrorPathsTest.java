package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.client.RawH2Server.Frame;
import dev.siphon.http.client.RawH2Server.Peer;
import dev.siphon.http.h2.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's HTTP/2 error paths at the frame level, against {@link RawH2Server}: an origin that
 * sends GOAWAY mid-stream, refuses or resets streams, breaks HPACK, frame sizes, header-block
 * rules or SETTINGS, and answers with malformed responses. Each test says how the request's future
 * fails (type and exact message), whether the request went out again and on which connection, and
 * what frames the client sent back (RFC 9113 §5.4: a stream error is RST_STREAM on that stream and
 * the connection goes on; a connection error ends the connection and every stream on it).
 */
class Http2ClientErrorPathsTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    private RawH2Server server() throws IOException {
        RawH2Server s = new RawH2Server();
        up.closeLater(s);
        return s;
    }

    private HttpClient client(RawH2Server s) {
        // a request timeout far above the test's own waits, so it never decides an outcome here
        return up.client(HttpClient.builder().baseUrl(s.url()).http2PriorKnowledge(true).timeoutMs(30_000));
    }

    private static ClientResponse ok(CompletableFuture<ClientResponse> f) throws Exception {
        return f.get(RawH2Server.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static <T extends Throwable> T failure(CompletableFuture<ClientResponse> f, Class<T> type) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> f.get(RawH2Server.TIMEOUT_MS, TimeUnit.MILLISECONDS));
        return assertInstanceOf(type, e.getCause(), e::toString);
    }

    /** The client's SETTINGS parameters as identifier → value. */
    private static Map<Integer, Long> parameters(Frame settings) {
        Map<Integer, Long> m = new LinkedHashMap<>();
        ByteBuffer b = ByteBuffer.wrap(settings.payload());
        while (b.hasRemaining()) {
            m.put(b.getShort() & 0xFFFF, b.getInt() & 0xFFFF_FFFFL);
        }
        return m;
    }

    // ---- the baseline the error paths depart from

    @Test
    void thePrefaceRefusesPushAndOpensBothReceiveWindows() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        assertEquals(Map.of(SETTINGS_ENABLE_PUSH, 0L, SETTINGS_INITIAL_WINDOW_SIZE, 1L << 20,
                SETTINGS_MAX_HEADER_LIST_SIZE, (long) c.settings().maxResponseHeadBytes()),
                parameters(p.clientSettings()));
        Frame credit = p.read();
        assertEquals(WINDOW_UPDATE, credit.type());
        assertEquals(0, credit.stream());
        assertEquals((16 << 20) - 65_535, credit.int32(0)); // the connection window raised to 16 MiB
        p.settings();
        p.frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
        Frame ack = p.read();
        assertEquals(SETTINGS, ack.type());
        assertTrue(ack.has(FLAG_ACK));
        Frame headers = p.expect(HEADERS, 1); // only once the origin's SETTINGS came
        assertEquals(FLAG_END_HEADERS | FLAG_END_STREAM, headers.flags());
        p.respond(1, "a");
        assertEquals("a", ok(f).text());
    }

    @Test
    void aHeaderBlockSplitAcrossContinuationFramesIsOneBlock() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        byte[] block = Peer.block(":status", "200", "x-split", "across three frames");
        p.frame(HEADERS, FLAG_END_STREAM, 1, Arrays.copyOfRange(block, 0, 5)); // cut inside ":status"
        p.frame(CONTINUATION, 0, 1, Arrays.copyOfRange(block, 5, 15));
        p.frame(CONTINUATION, FLAG_END_HEADERS, 1, Arrays.copyOfRange(block, 15, block.length));
        ClientResponse r = ok(f);
        assertEquals(200, r.status());
        assertEquals("across three frames", r.header("x-split"));
        assertEquals(0, r.body().length);
    }

    @Test
    void aDataFrameOfTheAdvertisedMaximumSizeIsRead() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        p.headers(1, false, ":status", "200", "content-length", "16384");
        p.data(1, true, new byte[16_384]); // RFC 9113 §4.2: SETTINGS_MAX_FRAME_SIZE, 16384 unless raised
        assertEquals(16_384, ok(f).body().length);
    }

    // ---- 1. GOAWAY mid-stream (RFC 9113 §6.8)

    @Test
    void goAwayRetriesTheStreamsAboveItsLastStreamIdOnANewConnectionAndFinishesTheOthers() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> a = c.get("/a");
        Peer first = s.accept();
        first.handshake();
        first.expect(HEADERS, 1);
        CompletableFuture<ClientResponse> b = c.get("/b");
        first.expect(HEADERS, 3);
        first.goAway(1, ErrorCode.NO_ERROR); // stream 3 was not processed; stream 1 goes on
        Peer second = s.accept();
        second.handshake();
        second.expect(HEADERS, 1); // GET /b again, on a connection of its own
        second.respond(1, "b");
        assertEquals("b", ok(b).text());
        first.respond(1, "a");
        assertEquals("a", ok(a).text());
        // its last stream done, the client closes the connection the origin is leaving, without a GOAWAY of its own
        assertEquals(List.of(), first.untilClosed());
        CompletableFuture<ClientResponse> next = c.get("/c");
        second.expect(HEADERS, 3);
        second.respond(3, "c");
        assertEquals("c", ok(next).text());
        assertEquals(2, s.accepted());
        assertEquals(2, c.connectionsOpened());
    }

    @Test
    void goAwayMetAgainByTheRetryFailsTheRequest() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> a = c.get("/a");
        Peer first = s.accept();
        first.handshake();
        first.expect(HEADERS, 1);
        first.goAway(0, ErrorCode.NO_ERROR);
        assertEquals(List.of(), first.untilClosed()); // nothing left on it: closed at once
        Peer second = s.accept();
        second.handshake();
        second.expect(HEADERS, 1);
        second.goAway(0, ErrorCode.ENHANCE_YOUR_CALM);
        ConnectionClosedException e = failure(a, ConnectionClosedException.class);
        assertEquals("HTTP/2 connection to " + s.url() + " went away before the stream was processed: "
                + "ENHANCE_YOUR_CALM", e.getMessage());
        assertEquals(List.of(), second.untilClosed());
        assertEquals(2, s.accepted());
        assertEquals(2, c.connectionsOpened());
        assertEquals(0, c.openConnections());
    }

    // ---- 2, 3. RST_STREAM from the origin (RFC 9113 §6.4, §8.7)

    @Test
    void refusedStreamIsSentAgainWithItsBodyOnTheSameConnection() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        byte[] body = "not processed".getBytes();
        CompletableFuture<ClientResponse> f = c.post("/p", body); // not idempotent: refused means not processed
        Peer p = s.accept();
        p.handshake();
        assertEquals(FLAG_END_HEADERS, p.expect(HEADERS, 1).flags());
        Frame data = p.expect(DATA, 1);
        assertArrayEquals(body, data.payload());
        assertTrue(data.has(FLAG_END_STREAM));
        p.rst(1, ErrorCode.REFUSED_STREAM);
        p.expect(HEADERS, 3);
        assertArrayEquals(body, p.expect(DATA, 3).payload());
        p.respond(3, "done");
        assertEquals("done", ok(f).text());
        assertEquals(1, s.accepted());
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void aSecondRefusedStreamFailsTheRequestAndKeepsTheConnection() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        p.rst(1, ErrorCode.REFUSED_STREAM);
        p.expect(HEADERS, 3);
        p.rst(3, ErrorCode.REFUSED_STREAM);
        ConnectionClosedException e = failure(f, ConnectionClosedException.class);
        assertEquals("HTTP/2 stream to " + s.url() + " reset by the origin: REFUSED_STREAM", e.getMessage());
        CompletableFuture<ClientResponse> next = c.get("/b");
        p.expect(HEADERS, 5);
        p.respond(5, "b");
        assertEquals("b", ok(next).text());
        assertEquals(1, s.accepted());
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void aResetWithAnotherCodeFailsTheRequestWithTheCodesNameAndIsNotRetried() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> a = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        p.rst(1, ErrorCode.INTERNAL_ERROR);
        ConnectionClosedException e = failure(a, ConnectionClosedException.class);
        assertEquals("HTTP/2 stream to " + s.url() + " reset by the origin: INTERNAL_ERROR", e.getMessage());
        CompletableFuture<ClientResponse> b = c.get("/b");
        p.expect(HEADERS, 3); // the next stream is the next request's: GET /a was not sent again
        p.rst(3, 0xFF); // RFC 9113 §7: an unknown code is not special
        e = failure(b, ConnectionClosedException.class);
        assertEquals("HTTP/2 stream to " + s.url() + " reset by the origin: 0xff", e.getMessage());
        CompletableFuture<ClientResponse> next = c.get("/c");
        p.expect(HEADERS, 5);
        p.respond(5, "c");
        assertEquals("c", ok(next).text());
        assertEquals(1, s.accepted());
    }

    // ---- 4 - 7, 11. Connection errors (RFC 9113 §5.4.1)

    /** What the origin does wrong once the client has two streams open. */
    @FunctionalInterface
    private interface Misbehaviour {
        void on(Peer p) throws IOException;
    }

    /**
     * Opens one connection with GET /a and GET /b in flight (streams 1 and 3), lets the origin
     * misbehave, and checks the connection error: both requests fail as malformed with {@code
     * message} and {@code code}, neither is sent again, and the client closes the connection.
     */
    private void assertConnectionError(Misbehaviour m, ErrorCode code, String message) throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> a = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        CompletableFuture<ClientResponse> b = c.get("/b");
        p.expect(HEADERS, 3);
        m.on(p);
        for (CompletableFuture<ClientResponse> f : List.of(a, b)) {
            MalformedResponseException e = failure(f, MalformedResponseException.class);
            assertEquals("malformed HTTP/2 from " + s.url() + ": " + message + " (" + code + ")", e.getMessage());
        }
        assertNothingButGoAway(p.untilClosed(), code);
        assertEquals(1, s.accepted());
        assertEquals(1, c.connectionsOpened());
        assertEquals(0, c.openConnections());
    }

    /**
     * What the client sent before it closed after a connection error. RFC 9113 §5.4.1: it SHOULD
     * first send GOAWAY with the error's code. Today it queues that GOAWAY and closes the socket
     * in the same read, which drops what is queued: so at most one GOAWAY, of that code, and
     * nothing else.
     */
    private static void assertNothingButGoAway(List<Frame> sent, ErrorCode code) {
        assertTrue(sent.size() <= 1, sent::toString);
        for (Frame f : sent) {
            assertEquals(GOAWAY, f.type(), sent::toString);
            assertEquals(code, f.errorCode());
        }
    }

    @Test
    void anHpackIndexBeyondBothTablesIsACompressionErrorForEveryStream() throws Exception {
        // RFC 7541 §6.1: indexed field 70; the static table has 61 entries, the dynamic table none
        assertConnectionError(p -> p.frame(HEADERS, FLAG_END_HEADERS, 1, new byte[] {(byte) (0x80 | 70)}),
                ErrorCode.COMPRESSION_ERROR, "index 70 beyond static table and 0 dynamic entries (RFC 7541 §2.3.3)");
    }

    @Test
    void aTruncatedHpackBlockIsACompressionErrorForEveryStream() throws Exception {
        // RFC 7541 §6.2.2: a literal whose new name claims 5 octets and has 1
        assertConnectionError(p -> p.frame(HEADERS, FLAG_END_HEADERS, 1, new byte[] {0x00, 0x05, 'x'}),
                ErrorCode.COMPRESSION_ERROR, "string literal of 5 octets exceeds the 1 left in the block");
    }

    @Test
    void aFrameLongerThanTheAdvertisedMaximumIsAFrameSizeErrorFromItsHeaderAlone() throws Exception {
        // RFC 9113 §4.2: 16385 > the 16384 the client allows; no payload follows the header
        assertConnectionError(p -> p.raw(Peer.header(16_385, DATA, 0, 1)),
                ErrorCode.FRAME_SIZE_ERROR, "frame of 16385 octets exceeds 16384");
    }

    @Test
    void aFrameOtherThanContinuationInsideAHeaderBlockIsAProtocolError() throws Exception {
        assertConnectionError(p -> {
            p.frame(HEADERS, 0, 1, Peer.block(":status", "200")); // no END_HEADERS: CONTINUATION must follow
            p.ping();
        }, ErrorCode.PROTOCOL_ERROR, "header block interrupted by another frame"); // RFC 9113 §6.10
    }

    @Test
    void aContinuationOfAnotherStreamInsideAHeaderBlockIsAProtocolError() throws Exception {
        assertConnectionError(p -> {
            p.frame(HEADERS, 0, 1, Peer.block(":status", "200"));
            p.frame(CONTINUATION, FLAG_END_HEADERS, 3, new byte[0]);
        }, ErrorCode.PROTOCOL_ERROR, "header block interrupted by another frame"); // RFC 9113 §6.10
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 5})
    void headersOnAStreamTheClientNeverOpenedIsAProtocolError(int stream) throws Exception {
        // RFC 9113 §5.1.1: 2 is server-initiated (and push is off); 5 is odd but not opened yet
        assertConnectionError(p -> p.headers(stream, true, ":status", "200"),
                ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + stream + ", which we never opened");
    }

    @Test
    void aPushPromiseIsAProtocolError() throws Exception {
        // RFC 9113 §8.4: the client sent SETTINGS_ENABLE_PUSH 0. The message is the shared
        // frame reader's, written for the server's side.
        assertConnectionError(p -> p.frame(PUSH_PROMISE, FLAG_END_HEADERS, 1, new byte[] {0, 0, 0, 2}),
                ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
    }

    @Test
    void anInvalidSettingOnAnOpenConnectionFailsEveryStream() throws Exception {
        assertConnectionError(p -> p.settings(SETTINGS_MAX_FRAME_SIZE, 16_383),
                ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE 16383 out of range");
    }

    @Test
    void anOriginWhoseFirstFrameIsNotSettingsFailsTheRequestBeforeItIsSent() throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.clientSettings();
        p.ping(); // RFC 9113 §3.4: the server's preface is a SETTINGS frame
        MalformedResponseException e = failure(f, MalformedResponseException.class);
        assertEquals("malformed HTTP/2 from " + s.url() + ": the origin's first frame is not SETTINGS "
                + "(PROTOCOL_ERROR)", e.getMessage());
        assertNothingButGoAway(p.untilClosed(), ErrorCode.PROTOCOL_ERROR); // no HEADERS, no PING ack
        assertEquals(1, s.accepted());
        assertEquals(0, c.openConnections());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2 | 1          | PROTOCOL_ERROR     | server sent SETTINGS_ENABLE_PUSH 1
            2 | 2          | PROTOCOL_ERROR     | 'SETTINGS_ENABLE_PUSH of 2: must be 0 or 1'
            4 | 2147483648 | FLOW_CONTROL_ERROR | SETTINGS_INITIAL_WINDOW_SIZE 2147483648 above 2^31-1
            5 | 16383      | PROTOCOL_ERROR     | SETTINGS_MAX_FRAME_SIZE 16383 out of range
            5 | 16777216   | PROTOCOL_ERROR     | SETTINGS_MAX_FRAME_SIZE 16777216 out of range
            """)
    void anInvalidValueInTheOriginsFirstSettingsFailsTheRequestBeforeItIsSent(int id, long value, ErrorCode code,
                                                                              String message) throws Exception {
        // RFC 9113 §6.5.2: ENABLE_PUSH is 0 or 1 and a server never sends 1; the initial window is
        // at most 2^31-1 (§6.9.2); the max frame size within 2^14 .. 2^24-1
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.clientSettings();
        p.settings(id, value);
        MalformedResponseException e = failure(f, MalformedResponseException.class);
        assertEquals("malformed HTTP/2 from " + s.url() + ": " + message + " (" + code + ")", e.getMessage());
        assertNothingButGoAway(p.untilClosed(), code); // no SETTINGS ack, no HEADERS
        assertEquals(1, s.accepted());
        assertEquals(0, c.openConnections());
    }

    // ---- 8, 9. Malformed responses: stream errors (RFC 9113 §8.1.1)

    /**
     * Sends GET requests one at a time on one connection, each answered by one of {@code answers}
     * (given the stream id), and checks each stream error: RST_STREAM PROTOCOL_ERROR on that stream,
     * the request failed as malformed with the matching {@code messages} entry, and the connection
     * serving the next request; a well-formed response at the end.
     */
    private void assertStreamErrors(List<Answer> answers, List<String> messages) throws Exception {
        RawH2Server s = server();
        HttpClient c = client(s);
        Peer p = null;
        int stream = 1;
        for (int i = 0; i < answers.size(); i++, stream += 2) {
            CompletableFuture<ClientResponse> f = c.get("/" + i);
            if (p == null) {
                p = s.accept();
                p.handshake();
            }
            p.expect(HEADERS, stream);
            answers.get(i).on(p, stream);
            assertEquals(ErrorCode.PROTOCOL_ERROR, p.expect(RST_STREAM, stream).errorCode());
            MalformedResponseException e = failure(f, MalformedResponseException.class);
            assertEquals("malformed HTTP/2 response from " + s.url() + " on stream " + stream + ": "
                    + messages.get(i), e.getMessage());
        }
        CompletableFuture<ClientResponse> next = c.get("/ok");
        p.expect(HEADERS, stream);
        p.respond(stream, "ok");
        assertEquals("ok", ok(next).text());
        assertEquals(1, s.accepted());
        assertEquals(1, c.connectionsOpened());
    }

    /** An answer to the request on {@code stream}. */
    @FunctionalInterface
    private interface Answer {
        void on(Peer p, int stream) throws IOException;
    }

    @Test
    void aResponseHeadWithoutAValidStatusResetsItsStreamAndKeepsTheConnection() throws Exception {
        // RFC 9113 §8.3.2: :status is required; §8.6: no 101 in HTTP/2
        assertStreamErrors(List.of(
                (p, id) -> p.headers(id, true, "content-type", "text/plain"),
                (p, id) -> p.headers(id, true, "x-before", "status", ":status", "200"),
                (p, id) -> p.headers(id, true, ":status", "2x0"),
                (p, id) -> p.headers(id, false, ":status", "101")), List.of(
                "response head without a valid :status",
                "response head without a valid :status",
                "non-numeric :status 2x0",
                "interim :status 101 ends the stream"));
    }

    @Test
    void aContentLengthThatDisagreesWithTheDataResetsItsStreamAndKeepsTheConnection() throws Exception {
        assertStreamErrors(List.of(
                (p, id) -> {
                    p.headers(id, false, ":status", "200", "content-length", "5");
                    p.data(id, true, "abc".getBytes());
                },
                (p, id) -> {
                    p.headers(id, false, ":status", "200", "content-length", "2");
                    p.data(id, false, "ab".getBytes());
                    p.data(id, true, "c".getBytes());
                },
                (p, id) -> p.headers(id, true, ":status", "200", "content-length", "3")), List.of(
                "content-length 5 but 3 octets of DATA",
                "content-length 2 but 3 octets of DATA",
                "content-length 3 but 0 octets of DATA"));
    }

    // ---- 10. Flow control (RFC 9113 §5.2, §6.9)

    @Test
    void theClientCreditsDataAsItReadsItSoAnOriginCannotOverrunItsWindows() throws Exception {
        // Three times the 1 MiB stream window, written without waiting for any WINDOW_UPDATE: the
        // client credits the stream by half its window every 32 frames of 16 KiB, as it reads, so
        // no frame ever lands beyond a window it granted (the FLOW_CONTROL_ERROR paths cannot be
        // reached from the wire), and the 3 MiB stay under half the 16 MiB connection window.
        RawH2Server s = server();
        HttpClient c = client(s);
        CompletableFuture<ClientResponse> f = c.get("/big");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        int frames = 192;
        p.headers(1, false, ":status", "200", "content-length", Integer.toString(frames * 16_384));
        byte[] chunk = new byte[16_384];
        for (int i = 0; i < frames; i++) {
            p.data(1, i == frames - 1, chunk);
        }
        assertEquals(frames * 16_384, ok(f).body().length);
        c.close(); // sends GOAWAY NO_ERROR: a last frame to read up to
        List<String> sent = new ArrayList<>();
        for (Frame x; (x = p.read()) != null; ) {
            sent.add(x.type() == WINDOW_UPDATE ? "WINDOW_UPDATE " + x.stream() + " " + x.int32(0)
                    : x.type() == GOAWAY ? "GOAWAY " + x.errorCode() : x.toString());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // after frames 32, 64 .. 160; the stream ends with the 192nd
            expected.add("WINDOW_UPDATE 1 524288");
        }
        expected.add("GOAWAY NO_ERROR");
        assertEquals(expected, sent);
    }
}

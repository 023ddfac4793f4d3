package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.siphon.http.client.RawH2Server.Frame;
import dev.siphon.http.client.RawH2Server.Peer;
import dev.siphon.http.h2.ErrorCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RFC 9113 §5.4.1: a connection error is answered with GOAWAY carrying its code before the close. */
class Http2ClientGoAwayOnErrorTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    @Test
    void aConnectionErrorFoundWhileReadingSendsGoAwayWithItsCodeBeforeClosing() throws Exception {
        RawH2Server s = new RawH2Server();
        up.closeLater(s);
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()).http2PriorKnowledge(true).timeoutMs(30_000));
        CompletableFuture<ClientResponse> f = c.get("/a");
        Peer p = s.accept();
        p.handshake();
        p.expect(HEADERS, 1);
        p.frame(HEADERS, FLAG_END_HEADERS, 1, new byte[] {(byte) (0x80 | 70)}); // HPACK index 70: no such entry
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertInstanceOf(MalformedResponseException.class, e.getCause());
        List<Frame> sent = p.untilClosed();
        assertEquals(1, sent.size(), "frames before the close: " + sent);
        assertEquals(GOAWAY, sent.get(0).type());
        assertEquals(ErrorCode.COMPRESSION_ERROR, sent.get(0).errorCode());
        assertEquals(0, sent.get(0).int32(0)); // last-stream-id: the client processed no server-initiated stream
    }
}

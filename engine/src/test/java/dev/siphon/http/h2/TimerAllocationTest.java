package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.siphon.http.LoopAllocation;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop's timer visits every connection 20 times a second. Held open by clients that wait (an
 * HTTP/2 connection with requests in its handlers, an HTTP/1.1 connection in the middle of its
 * head: what slow and abusive clients do by the thousand), a connection must cost the timer no
 * allocation while none of its deadlines has come: under 2,000 such connections the timer's
 * garbage alone used to be 1.3 MB a second, and the collections it caused, the latency of every
 * other client. Read from the loop thread's allocation counter over real sockets.
 */
@Timeout(60)
class TimerAllocationTest {
    private static final int CONNECTIONS = 100;
    private static final int STREAMS = 4;
    private Http2TestServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (server != null) {
            for (var r : server.parked) {
                r.send(Response.text(200, "late"));
            }
            server.engine.close();
        }
    }

    @Test
    void waitingConnectionsCostTheTimerNoAllocation() throws Exception {
        server = new Http2TestServer(EngineSettings.defaults().withIoLoops(1).withLoopThreads(LoopThreads.PLATFORM),
                ServerConfig.listen("127.0.0.1:0"));
        for (int i = 0; i < CONNECTIONS; i++) {
            RawH2Client c = RawH2Client.connect(server.port());
            clients.add(c);
            for (int k = 0; k < STREAMS; k++) {
                c.headers(1 + 2 * k, true, RawH2Client.request("GET", "/slow"));
            }
            Socket h1 = new Socket("127.0.0.1", server.port());
            clients.add(h1);
            OutputStream out = h1.getOutputStream();
            out.write("GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.slowCalls.get() < CONNECTIONS * STREAMS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(CONNECTIONS * STREAMS, server.slowCalls.get(), "handlers parked");
        Thread.sleep(200); // the last heads arrive and the loop settles

        var before = LoopAllocation.mark();
        Thread.sleep(2_000); // 40 ticks over 200 connections, no byte from any client
        long allocated = LoopAllocation.since(before);
        assertTrue(allocated < 64 * 1024, "the loop allocated " + allocated + " bytes in 2 s of timer ticks over "
                + 2 * CONNECTIONS + " waiting connections");
    }
}

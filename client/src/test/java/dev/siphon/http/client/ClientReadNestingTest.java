package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A TLS transport can hold whole records the selector does not report; the socket reads them
 * again by itself. That read must come on a later turn of the loop, not nested inside the read
 * that found them: nested, a fast download keeps the loop inside one connection (the others on
 * the loop wait) and its stack grows with every batch of buffered records. Seen from another
 * thread that samples the client loop's stack during large downloads over TLS, over h2 and
 * HTTP/1.1.
 */
class ClientReadNestingTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    @Test
    void bufferedTlsRecordsAreReadOnALaterTurnNotInsideTheReadThatFoundThem() throws Exception {
        TestPki pki = TestPki.get();
        HttpEngine e = up.engine(ServerConfig.listen("127.0.0.1:0")
                .withTls(new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null)), Upstreams.settings());
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger deepest = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        for (boolean h2 : new boolean[] {true, false}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl("https://127.0.0.1:" + e.port())
                    .verify(pki.file("ca.pem")).http2OverTls(h2).timeoutMs(60_000).ioLoops(1).loopThreads(LoopThreads.PLATFORM));
            assertEquals(200, c.get("/hello").join().status());
            Thread loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("siphon-client-loop-0") && !t.isVirtual()).findFirst().orElseThrow();
            sampling.set(true);
            Thread sampler = Thread.ofPlatform().start(() -> {
                while (sampling.get()) {
                    int reads = 0;
                    for (StackTraceElement f : loop.getStackTrace()) {
                        if (f.getClassName().equals(ClientSocket.class.getName()) && f.getMethodName().equals("read")) {
                            reads++;
                        }
                    }
                    samples.incrementAndGet();
                    deepest.accumulateAndGet(reads, Math::max);
                    Thread.onSpinWait();
                }
            });
            for (int i = 0; i < 6; i++) {
                assertEquals(30_000_000, c.get("/big/30000000").join().body().length);
            }
            sampling.set(false);
            sampler.join();
        }
        assertTrue(samples.get() > 100, "the sampler saw the loop " + samples.get() + " times");
        assertTrue(deepest.get() <= 1, "ClientSocket.read nested " + deepest.get() + " deep on the client loop's stack");
    }
}

package dev.siphon.http.bench;

import dev.siphon.http.h1.Http1HeadParser;
import dev.siphon.http.h1.RequestHead;
import dev.siphon.http.internal.RequestError;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP/1.1 head parser on a typical browser request (~300 bytes, 8 fields): request line,
 * field lines with names lower-cased and values as strings, and the framing decision.
 * Target (issue 2): under 300 ns. Also a pipelined pair split mid-head, parsed in two calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class Http1ParseBench {
    static final String BROWSER_REQUEST = "GET /users/12345/orders?page=2&sort=desc HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
            + "Accept-Language: en-US\r\n"
            + "Accept-Encoding: gzip, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: sid=4f2a\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "\r\n";

    byte[] request;
    int half;
    Http1HeadParser parser;
    RequestHead head;

    @Setup(Level.Trial)
    public void setUp() throws RequestError {
        request = BROWSER_REQUEST.getBytes(StandardCharsets.US_ASCII);
        half = request.length / 2;
        parser = new Http1HeadParser(16384, 100);
        head = new RequestHead();
        int n = parser.parse(request, 0, request.length, head);
        if (n != request.length || !"/users/12345/orders".equals(head.path) || head.headers.size() != 8
                || !"gzip, br".equals(head.headers.get("accept-encoding"))) {
            throw new IllegalStateException("unexpected parse: consumed " + n + ", path " + head.path);
        }
        if (request.length < 280 || request.length > 360) {
            throw new IllegalStateException("not a ~300-byte request: " + request.length);
        }
    }

    @Benchmark
    public RequestHead typicalBrowserRequest() throws RequestError {
        parser.parse(request, 0, request.length, head);
        return head;
    }

    /** The same request arriving in two reads: the second call resumes the scan. */
    @Benchmark
    public RequestHead splitInTwoReads() throws RequestError {
        if (parser.parse(request, 0, half, head) != 0) {
            throw new IllegalStateException("half a head parsed as complete");
        }
        parser.parse(request, 0, request.length, head);
        return head;
    }
}

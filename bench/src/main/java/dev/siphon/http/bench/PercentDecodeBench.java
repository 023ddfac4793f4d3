package dev.siphon.http.bench;

import dev.siphon.http.router.PathDecoder;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Path-segment percent-decoding: the fast path (nothing to decode, the common
 * case) and a segment whose escapes spell UTF-8 sequences of one to four bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class PercentDecodeBench {

    String plain = "user-profile-settings";
    /** "café €😀": U+00E9 (2 bytes), space (1), U+20AC (3), U+1F600 (4). */
    String escaped = "caf%C3%A9%20%E2%82%AC%F0%9F%98%80";

    @Setup(Level.Trial)
    public void setUp() {
        check(plain, plain);
        check(escaped, "caf\u00e9 \u20ac\ud83d\ude00");
    }

    private static void check(String in, String expected) {
        Object out = PathDecoder.decodePath(in);
        if (!expected.equals(String.valueOf(out))) {
            throw new IllegalStateException("decodePath(" + in + ") gave " + out);
        }
    }

    @Benchmark
    public void plainSegment(Blackhole bh) {
        bh.consume(PathDecoder.decodePath(plain));
    }

    @Benchmark
    public void multiByteEscapes(Blackhole bh) {
        bh.consume(PathDecoder.decodePath(escaped));
    }
}

package dev.siphon.http.bench;

import dev.siphon.http.router.QueryParser;
import java.util.Map;
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

/** Query-string parsing: four parameters, one of them with a {@code %XX}, one with a {@code +}. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class QueryBench {

    String query = "page=2&per_page=50&q=red+shoes&filter=price%3E10";

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, String> m = QueryParser.parse(query);
        if (m.size() != 4 || !"red shoes".equals(m.get("q")) || !"price>10".equals(m.get("filter"))) {
            throw new IllegalStateException("unexpected parse of " + query + ": " + m);
        }
    }

    @Benchmark
    public void fourParams(Blackhole bh) {
        bh.consume(QueryParser.parse(query));
    }
}

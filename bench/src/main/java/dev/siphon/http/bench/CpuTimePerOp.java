package dev.siphon.http.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The router and head-parser benchmarks timed in the calling thread's CPU time instead of wall
 * time: a companion to their JMH figures on a shared host, where JMH's wall-clock averages swing
 * by ±30% between forks with the neighbours' load. Thread CPU time leaves out the time the
 * thread is descheduled (not the cache and memory-bandwidth contention of a busy neighbour, so
 * it is still a little noisy). It runs the JMH benchmark methods themselves, with a JMH
 * {@link Blackhole}, in rounds of {@value #OPS} operations after {@value #WARM_ROUNDS} warm-up
 * rounds, and prints the minimum, the 25th percentile and the median per operation.
 *
 * <pre>
 * java -XX:+UseParallelGC -cp bench/target/siphon-bench.jar dev.siphon.http.bench.CpuTimePerOp [ROUNDS] [BENCH...]
 *   BENCH: twoParams staticRoute parse split (default: twoParams parse)
 * </pre>
 */
public final class CpuTimePerOp {
    private static final int OPS = 200_000;
    private static final int WARM_ROUNDS = 40;

    private CpuTimePerOp() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String[] which = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new String[] {"twoParams", "parse"};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Blackhole bh = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        RouterBench router = new RouterBench();
        router.setUp();
        Http1ParseBench parser = new Http1ParseBench();
        parser.setUp();
        for (String w : which) {
            double[] perOp = new double[rounds];
            for (int k = 0; k < WARM_ROUNDS + rounds; k++) {
                long t0 = mx.getCurrentThreadCpuTime();
                switch (w) {
                    case "twoParams" -> { for (int i = 0; i < OPS; i++) router.twoParams(bh); }
                    case "staticRoute" -> { for (int i = 0; i < OPS; i++) router.staticRoute(bh); }
                    case "parse" -> { for (int i = 0; i < OPS; i++) bh.consume(parser.typicalBrowserRequest()); }
                    case "split" -> { for (int i = 0; i < OPS; i++) bh.consume(parser.splitInTwoReads()); }
                    default -> throw new IllegalArgumentException("unknown benchmark " + w
                            + " (twoParams, staticRoute, parse, split)");
                }
                long t1 = mx.getCurrentThreadCpuTime();
                if (k >= WARM_ROUNDS) {
                    perOp[k - WARM_ROUNDS] = (t1 - t0) / (double) OPS;
                }
            }
            Arrays.sort(perOp);
            System.out.printf("%-12s thread CPU ns/op: min %.1f  p25 %.1f  median %.1f  (%d rounds of %d)%n", w,
                    perOp[0], perOp[rounds / 4], perOp[rounds / 2], rounds, OPS);
        }
    }
}

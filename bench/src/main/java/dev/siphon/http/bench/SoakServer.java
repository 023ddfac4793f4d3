package dev.siphon.http.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.py.PythonServer;
import dev.siphon.http.py.WorkerPool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The server of the soak test ({@code bench/soak.py}, {@code make bench-soak}): serves a Python
 * script exactly as the launcher does ({@link PythonServer}, the launcher's fatal-error handler;
 * {@code bin/siphon-http} starts it with {@code SIPHON_MAIN}, so the JVM options and heap are a
 * user's), and prints one JSON line, a sample, every {@code --sample-seconds} and whenever a line
 * {@code sample} arrives on standard input.
 *
 * <p>A sample: uptime; the process's CPU time; its resident memory ({@code VmRSS}, {@code VmHWM}); the heap in
 * use after a full collection ({@link System#gc()} first, then the heap pools' usage after that
 * collection); open file descriptors ({@code /proc/self/fd}); live threads; the buffer pool's
 * outstanding count ({@link HttpEngine#buffersOutstanding()}); the engine's counters
 * (connections open and accepted, requests, every limit that tripped); and the worker pool's
 * (requests dispatched to Python, answered 503 because the queues were full, interrupts). Lines that are samples
 * start with {@code {"soak_sample":}; everything else on standard output is the launcher's.
 *
 * <p>Usage: {@code SoakServer --config http.yaml --script app.py [--sample-seconds 60]}.
 * Threads: main starts the server and waits for it; {@code soak-sampler} takes the periodic
 * samples, {@code soak-stdin} the requested ones (one at a time: {@link #sample} is synchronized).
 * SIGTERM closes the server as it closes the launcher's.
 */
public final class SoakServer {
    private final HttpEngine engine;
    private final WorkerPool pool;
    private final long startNanos = System.nanoTime();
    private long seq;

    private SoakServer(PythonServer server) {
        this.engine = server.engine();
        this.pool = server.pool();
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        Path config = null;
        Path script = null;
        long sampleSeconds = 60;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> config = Path.of(args[i + 1]);
                case "--script" -> script = Path.of(args[i + 1]);
                case "--sample-seconds" -> sampleSeconds = Long.parseLong(args[i + 1]);
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (config == null || script == null || sampleSeconds < 1 || args.length % 2 != 0) {
            usage("--config and --script are required; --sample-seconds is at least 1");
        }
        HttpConfig http = ConfigLoader.load(config);
        PythonServer server = PythonServer.start(http, script, WorkerPool.DEFAULT_QUEUE_CAPACITY,
                b -> b.onFatalError(FatalErrorHandler.exit()));
        server.awaitWorkers();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "soak-shutdown"));
        for (String url : server.engine().urls()) {
            System.out.println("soak-server: listening on " + url);
        }
        System.out.flush();

        SoakServer soak = new SoakServer(server);
        long periodMs = sampleSeconds * 1000;
        Thread.ofPlatform().name("soak-sampler").daemon(true).start(() -> {
            long next = System.currentTimeMillis() + periodMs;
            while (true) {
                try {
                    Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    return;
                }
                next += periodMs;
                soak.print("periodic");
            }
        });
        Thread.ofPlatform().name("soak-stdin").daemon(true).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.strip().equals("sample")) {
                        soak.print("requested");
                    }
                }
            } catch (IOException e) {
                // standard input closed: only the periodic samples remain
            }
        });
        server.engine().awaitTermination();
    }

    private static void usage(String problem) {
        System.err.println("soak-server: " + problem
                + "\nusage: SoakServer --config http.yaml --script app.py [--sample-seconds N]");
        System.exit(2);
    }

    private void print(String kind) {
        String line = sample(kind);
        System.out.println(line);
        if (kind.equals("requested")) {
            // the end of a run asks; a connection still open then is described in the server log
            for (String c : engine.describeConnections()) {
                System.out.println("open connection: " + c);
            }
        }
        System.out.flush();
    }

    /** One sample as a JSON object on one line; runs a full collection first. */
    synchronized String sample(String kind) {
        long gcStart = System.nanoTime();
        System.gc(); // ParallelGC (the launcher's): a full, stop-the-world collection
        long gcMs = (System.nanoTime() - gcStart) / 1_000_000;
        long heapAfterGc = 0;
        long heapCommitted = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                MemoryUsage after = pool.getCollectionUsage(); // as the last collection left it
                heapAfterGc += after != null ? after.getUsed() : pool.getUsage().getUsed();
                heapCommitted += pool.getUsage().getCommitted();
            }
        }
        StringBuilder json = new StringBuilder(512).append("{\"soak_sample\":").append(++seq)
                .append(",\"kind\":\"").append(kind).append('"');
        field(json, "uptime_ms", (System.nanoTime() - startNanos) / 1_000_000);
        field(json, "cpu_ms", ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class).getProcessCpuTime() / 1_000_000);
        field(json, "rss_kib", status("VmRSS"));
        field(json, "rss_peak_kib", status("VmHWM"));
        field(json, "heap_after_gc_bytes", heapAfterGc);
        field(json, "heap_committed_bytes", heapCommitted);
        field(json, "nonheap_used_bytes", ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed());
        field(json, "gc_ms", gcMs);
        field(json, "fds", openFds());
        field(json, "threads", ManagementFactory.getThreadMXBean().getThreadCount());
        field(json, "buffers_outstanding", engine.buffersOutstanding());
        for (Map.Entry<String, Long> e : engine.counters().snapshot().entrySet()) {
            field(json, e.getKey(), e.getValue());
        }
        field(json, "worker_dispatched", pool.dispatched());
        field(json, "worker_rejected", pool.rejected()); // 503: every worker's queue full
        field(json, "worker_interrupts", pool.interrupts());
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, long value) {
        json.append(",\"").append(name).append("\":").append(value);
    }

    /** A /proc/self/status field in KiB, or -1 off Linux. */
    private static long status(String key) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith(key + ":"))
                    .mapToLong(l -> Long.parseLong(l.substring(key.length() + 1).replace("kB", "").strip()))
                    .findFirst().orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Open file descriptors of this process (the listing's own descriptor not counted), or -1 off Linux. */
    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        } catch (IOException e) {
            return -1;
        }
    }
}

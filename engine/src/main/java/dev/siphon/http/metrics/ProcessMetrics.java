package dev.siphon.http.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * The process basics every engine exports: heap, collections, threads, file descriptors, CPU,
 * uptime and the build's version, read from the JVM's MXBeans at scrape time.
 */
public final class ProcessMetrics {
    private ProcessMetrics() {}

    /** Registers the families in {@code r}, once: a second call on the same registry does nothing. */
    public static synchronized void register(MetricsRegistry r) {
        if (r.get("siphon_build_info") != null) {
            return;
        }
        String version = version();
        r.callback("siphon_build_info", "the build serving, always 1", "gauge", List.of("version", "java"),
                s -> s.add(1, version, Runtime.version().toString()));
        var memory = ManagementFactory.getMemoryMXBean();
        r.callback("siphon_process_heap_used_bytes", "Java heap in use", "gauge", List.of(),
                s -> s.add(memory.getHeapMemoryUsage().getUsed()));
        r.callback("siphon_process_heap_committed_bytes", "Java heap committed", "gauge", List.of(),
                s -> s.add(memory.getHeapMemoryUsage().getCommitted()));
        r.callback("siphon_process_heap_max_bytes", "Java heap limit (-Xmx)", "gauge", List.of(), s -> {
            MemoryUsage h = memory.getHeapMemoryUsage();
            s.add(h.getMax());
        });
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        r.callback("siphon_process_gc_seconds", "time spent in garbage collection, by collector", "counter",
                List.of("collector"), s -> {
                    for (GarbageCollectorMXBean gc : collectors) {
                        s.add(Math.max(0, gc.getCollectionTime()) / 1000.0, gc.getName());
                    }
                });
        r.callback("siphon_process_gc_collections", "garbage collections, by collector", "counter",
                List.of("collector"), s -> {
                    for (GarbageCollectorMXBean gc : collectors) {
                        s.add(Math.max(0, gc.getCollectionCount()), gc.getName());
                    }
                });
        var threads = ManagementFactory.getThreadMXBean();
        r.callback("siphon_process_threads", "live platform threads", "gauge", List.of(),
                s -> s.add(threads.getThreadCount()));
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            r.callback("siphon_process_open_fds", "open file descriptors", "gauge", List.of(),
                    s -> s.add(unix.getOpenFileDescriptorCount()));
            r.callback("siphon_process_max_fds", "the file descriptor limit", "gauge", List.of(),
                    s -> s.add(unix.getMaxFileDescriptorCount()));
        }
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            r.callback("siphon_process_cpu_seconds", "CPU time used by the process", "counter", List.of(),
                    s -> s.add(Math.max(0, sun.getProcessCpuTime()) / 1e9));
        }
        var runtime = ManagementFactory.getRuntimeMXBean();
        r.callback("siphon_process_uptime_seconds", "time since the JVM started", "gauge", List.of(),
                s -> s.add(runtime.getUptime() / 1000.0));
        r.callback("siphon_process_start_time_seconds", "when the JVM started, in seconds since the epoch", "gauge",
                List.of(), s -> s.add(runtime.getStartTime() / 1000.0));
    }

    /** The engine jar's Implementation-Version, or "dev" when run from classes. */
    static String version() {
        String v = ProcessMetrics.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

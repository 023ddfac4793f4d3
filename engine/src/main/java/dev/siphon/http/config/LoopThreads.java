package dev.siphon.http.config;

/** What kind of thread runs each I/O selector loop ({@code engine.loop_threads}). */
public enum LoopThreads {
    /** One virtual thread per loop; on JDK 25 a blocked {@code select()} parks instead of pinning. */
    VIRTUAL,
    /** One platform thread per loop. */
    PLATFORM;

    /** The spelling used in http.yaml. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

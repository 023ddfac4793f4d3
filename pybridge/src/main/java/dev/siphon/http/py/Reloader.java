package dev.siphon.http.py;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What starts the launcher's reloads ({@link PythonServer#reload}): SIGHUP, and with {@code
 * --reload} a change to a {@code .py} file in the script's directory tree. Reloads run one after
 * another on the thread {@code siphon-reload}; requests that arrive while one runs are coalesced
 * into one more reload after it (it reads the files as they are then).
 *
 * <p>Threads: the signal's handler thread and the watcher thread {@code siphon-reload-watch}
 * only {@link #request}; {@code siphon-reload} reloads.
 */
final class Reloader {
    private static final System.Logger LOG = System.getLogger("siphon.http");
    /** Changes closer together than this are one reload: an editor's save is several writes. */
    static final long DEBOUNCE_MS = 200;
    /** How deep below the script's directory --reload watches (packages of packages). */
    private static final int WATCH_DEPTH = 4;

    private final PythonServer server;
    private final Object lock = new Object();
    private boolean requested;

    Reloader(PythonServer server) {
        this.server = server;
        Thread.ofPlatform().name("siphon-reload").daemon(true).start(this::run);
    }

    /** Reloads after the one running now, if any; requests until then are the same one. Any thread. */
    void request() {
        synchronized (lock) {
            requested = true;
            lock.notifyAll();
        }
    }

    /** SIGHUP reloads from now on (instead of stopping the JVM, Java's default). */
    @SuppressWarnings("restriction")
    void onSighup() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> request());
        } catch (IllegalArgumentException e) {
            // -Xrs, or a platform without SIGHUP: the JVM keeps its own handling
            LOG.log(System.Logger.Level.WARNING, "SIGHUP cannot be handled here (" + e.getMessage()
                    + "): reload by restarting");
        }
    }

    /**
     * Watches the script's directory and the directories below it (at start) for {@code .py}
     * files written, created or removed, and requests a reload once they have been quiet for
     * {@value #DEBOUNCE_MS} ms.
     */
    void watch(Path script) throws IOException {
        Path dir = script.toAbsolutePath().getParent();
        WatchService ws = FileSystems.getDefault().newWatchService();
        try (Stream<Path> dirs = Files.walk(dir, WATCH_DEPTH)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                String name = d.getFileName() == null ? "" : d.getFileName().toString();
                if (!d.equals(dir) && (name.startsWith(".") || name.equals("__pycache__"))) {
                    continue;
                }
                d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
        LOG.log(System.Logger.Level.INFO, "--reload: watching the .py files under " + dir);
        Thread.ofPlatform().name("siphon-reload-watch").daemon(true).start(() -> {
            try {
                watchLoop(ws);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void watchLoop(WatchService ws) throws InterruptedException {
        while (true) {
            WatchKey k = ws.take();
            boolean changed = python(k);
            while (true) { // debounce: wait until the files are quiet
                WatchKey more = ws.poll(DEBOUNCE_MS, TimeUnit.MILLISECONDS);
                if (more == null) {
                    break;
                }
                changed |= python(more);
            }
            if (changed) {
                request();
            }
        }
    }

    /** Whether the key's events name a .py file; resets the key. */
    private static boolean python(WatchKey k) {
        boolean py = false;
        for (WatchEvent<?> e : k.pollEvents()) {
            if (e.context() instanceof Path p && p.toString().endsWith(".py")) {
                py = true;
            } else if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                py = true;
            }
        }
        k.reset();
        return py;
    }

    private void run() {
        while (true) {
            synchronized (lock) {
                while (!requested) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                requested = false;
            }
            try {
                server.reload(); // logs what it did
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "reload failed", e);
            }
        }
    }
}

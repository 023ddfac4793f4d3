package dev.siphon.http.py;

import dev.siphon.http.EngineFailedException;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code siphon-http} command (run through {@code bin/siphon-http}, which adds the JVM
 * flags for GraalPy's JIT):
 *
 * <pre>
 * siphon-http --config http.yaml --script app.py [--check]
 * siphon-http --siphon-config siphon.yaml [--check]
 * siphon-http test [--workers N] [-k TEXT] PATH...   (ScriptTestRunner: a script's tests)
 * siphon-http --help | --version
 * </pre>
 *
 * Exit status: 0 {@code --check} found no problem (or --help, --version); 1 a problem with
 * the configuration or the script (one message on stderr, with the Python traceback when
 * Python raised); 2 a usage error; {@value FatalErrorHandler#EXIT_STATUS} a fatal {@link Error}
 * (a stack overflow, a Java error) on an engine thread while serving: logged, and the process
 * ends at once, without the graceful shutdown ({@link FatalErrorHandler#exit()}), so that it never
 * stays up half alive. Runs on the main thread; the server then runs on its own
 * threads until a signal stops it (SIGTERM, SIGINT): the shutdown hook drains and
 * closes it, and the JVM exits as any JVM a signal ends, with 128 + the signal's number (143
 * for SIGTERM). SIGHUP, once the server listens, reloads the script and the TLS files
 * ({@link PythonServer#reload}, on the thread of a {@link Reloader}); {@code --reload} also
 * reloads the script when a {@code .py} file in its directory changes. (An OutOfMemoryError ends the JVM before anything else runs, with status 3:
 * {@code bin/siphon-http} passes {@code -XX:+ExitOnOutOfMemoryError}.)
 */
public final class Launcher {
    static final String USAGE = """
            usage: siphon-http --config http.yaml --script app.py [--check | --reload]
                   siphon-http --siphon-config siphon.yaml [--check | --reload]
                   siphon-http test [--workers N] [-k TEXT] PATH...
                   siphon-http --help | --version

              --config FILE          the http.yaml: servers, clients, engine settings
              --script FILE          the Python script (from siphon import http, log, cache)
              --siphon-config FILE   a siphon.yaml naming both: extensions.http and script.path
                                     (paths relative to the siphon.yaml)
              --check                load the configuration and the script, report problems and exit
                                     (0: fine, 1: a problem); on_startup and on_shutdown hooks
                                     are not run
              --reload               (development) reload the script when a .py file in its
                                     directory (or below) changes; SIGHUP reloads it, and the
                                     TLS certificates, in any case
              --help                 this text
              --version              the version of siphon-http and of GraalPy
            """;

    private Launcher() {}

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.manager") == null) {
            // before anything logs: keeps the log working while the shutdown hook runs
            System.setProperty("java.util.logging.manager", "dev.siphon.http.py.ShutdownLogManager");
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit status. Serving returns only when the server was closed (SIGTERM). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("test")) {
            return ScriptTestRunner.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        Path config = null;
        Path script = null;
        Path siphon = null;
        List<CacheConfig> caches = List.of();
        boolean check = false;
        boolean watch = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--version" -> {
                    out.println(versionLine());
                    return 0;
                }
                case "--check" -> check = true;
                case "--reload" -> watch = true;
                case "--config", "--script", "--siphon-config" -> {
                    if (i + 1 >= args.length) {
                        err.println("siphon-http: " + a + " needs a file\n" + USAGE);
                        return 2;
                    }
                    Path p = Path.of(args[++i]);
                    switch (a) {
                        case "--config" -> config = p;
                        case "--script" -> script = p;
                        default -> siphon = p;
                    }
                }
                default -> {
                    err.println("siphon-http: unknown argument " + a + "\n" + USAGE);
                    return 2;
                }
            }
        }
        if (siphon != null && (config != null || script != null)) {
            err.println("siphon-http: give either --siphon-config or --config and --script, not both\n" + USAGE);
            return 2;
        }
        try {
            if (siphon != null) {
                SiphonConfig sc = SiphonConfig.load(siphon);
                config = sc.httpYaml();
                script = sc.script();
                caches = sc.caches();
            }
            if (config == null || script == null) {
                err.println("siphon-http: " + (config == null ? "--config" : "--script") + " is missing\n" + USAGE);
                return 2;
            }
            HttpConfig http = ConfigLoader.load(config);
            if (!Files.isRegularFile(script)) {
                err.println("siphon-http: " + script + ": no such script file");
                return 1;
            }
            String cache = unwritableResourceCache();
            if (cache != null) {
                err.println("siphon-http: GraalPy unpacks its Python home into " + cache + " on its first start,"
                        + " and that directory cannot be written. If start-up fails (\"No module named 'importlib'\"),"
                        + " give this user a writable home, or set SIPHON_JAVA_OPTS=-Dpolyglot.engine.userResourceCache=DIR"
                        + " to a writable directory.");
            }
            return check ? check(http, script, caches, out, err) : serve(http, config, script, caches, watch, out, err);
        } catch (ConfigException e) {
            err.println("siphon-http: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // GraalPy refusing to start (a bad polyglot option, a broken installation), or a bug
            err.println("siphon-http: cannot start: " + e.getMessage());
            e.printStackTrace(err);
            return 1;
        }
    }

    private static int check(HttpConfig http, Path script, List<CacheConfig> caches, PrintStream out, PrintStream err) {
        try (WorkerPool pool = WorkerPool.load(script, 1, 2, http.clients(), caches)) {
            HttpEngine.Builder engine = HttpEngine.builder().config(http);
            PythonServer.register(engine, pool, script);
            engine.validate(); // the listeners' TLS files, as serving would read them
            Registrations r = pool.registrations();
            out.println("siphon-http: " + script + ": ok, " + r.routes().size() + " route(s), " + r.middleware()
                    + " middleware, " + r.startupHooks() + " on_startup hook(s), " + r.shutdownHooks()
                    + " on_shutdown hook(s) (neither run by --check); "
                    + http.servers().size() + " server(s) configured");
            return 0;
        } catch (ScriptException | IOException e) {
            err.println("siphon-http: " + e.getMessage());
            return 1;
        }
    }

    /**
     * GraalPy's resource cache (where it unpacks its Python home) when neither it nor its
     * nearest existing parent is a writable directory and it does not already hold the Python
     * home and Truffle's attach library, else null. The location follows Truffle's rule:
     * {@code polyglot.engine.userResourceCache}, else {@code $XDG_CACHE_HOME/org.graalvm.polyglot},
     * else {@code ~/.cache/org.graalvm.polyglot}. A cache unpacked beforehand and then made
     * read-only (the container image's, on a read-only root) needs no writing.
     */
    static String unwritableResourceCache() {
        String set = System.getProperty("polyglot.engine.userResourceCache");
        Path dir;
        if (set != null && !set.isEmpty()) {
            dir = Path.of(set);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            dir = base.resolve("org.graalvm.polyglot");
        }
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p != null && Files.isDirectory(p) && Files.isWritable(p)) {
            return null;
        }
        return hasEntries(dir.resolve("python/python-home")) && hasEntries(dir.resolve("engine/libtruffleattach"))
                ? null : dir.toString();
    }

    private static boolean hasEntries(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Milliseconds since this process started, or -1 when unknown. On Linux from /proc, to the
     * clock tick (10 ms): {@code ProcessHandle}'s start instant adds the process's start tick to
     * the boot time, which /proc gives in whole seconds, so it is up to a second off.
     */
    static long millisSinceProcessStart() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // the fields after the command name, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(f[19]); // field 22, starttime, in clock ticks (USER_HZ = 100)
            String uptime = Files.readString(Path.of("/proc/uptime"));
            double upSeconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            return Math.max(0, Math.round(upSeconds * 1000 - startTicks * 10));
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().info().startInstant()
                    .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis()).orElse(-1L);
        }
    }

    private static int serve(HttpConfig http, Path config, Path script, List<CacheConfig> caches, boolean watch,
                             PrintStream out, PrintStream err) {
        long t0 = System.nanoTime();
        System.Logger log = System.getLogger("siphon.http");
        long sinceStart = millisSinceProcessStart();
        if (sinceStart >= 0) {
            log.log(System.Logger.Level.INFO, () -> "start-up: process start to main " + sinceStart + " ms");
        }
        PythonServer server;
        try {
            server = PythonServer.start(http, script, caches, WorkerPool.DEFAULT_QUEUE_CAPACITY,
                    b -> b.onFatalError(FatalErrorHandler.exit()));
        } catch (ScriptException e) {
            err.println("siphon-http: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("siphon-http: " + config + ": " + e.getMessage());
            return 1;
        }
        ShutdownLogManager.hold();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close(); // drains, runs the on_shutdown hooks, stops the workers
            } finally {
                ShutdownLogManager.release();
            }
        }, "siphon-shutdown"));
        log.log(System.Logger.Level.INFO, "GraalPy engine: " + server.pool().implementationName() + "; serving after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms with worker 0"
                + (server.pool().size() > 1 ? "; " + (server.pool().size() - 1) + " more worker(s) starting" : ""));
        if (http.servers().isEmpty()) {
            out.println("siphon-http: " + config + " has no servers: nothing listens");
        }
        for (String url : server.engine().urls()) {
            out.println("siphon-http: listening on " + url);
        }
        if (server.engine().adminUrl() != null) {
            out.println("siphon-http: admin listener on " + server.engine().adminUrl() + " (/metrics, /healthz, /readyz)");
        }
        Reloader reloader = new Reloader(server);
        reloader.onSighup();
        if (watch) {
            try {
                reloader.watch(script);
            } catch (IOException e) {
                err.println("siphon-http: --reload: cannot watch " + script.toAbsolutePath().getParent() + ": "
                        + e.getMessage());
            }
        }
        out.flush();
        server.workersReady().whenComplete((ok, failure) -> {
            if (failure != null) {
                // a worker that cannot start the script it shares with the serving one: stop, as a
                // half-started server must not stay up (SPEC: a hook that raises stops start-up with a
                // non-zero exit); the shutdown hook drains and closes
                Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                err.println("siphon-http: " + c.getMessage());
                err.flush();
                System.exit(1);
            }
        });
        try {
            server.engine().awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (EngineFailedException e) {
            return FatalErrorHandler.EXIT_STATUS; // the handler halts the JVM first; this is the fallback
        }
        return 0;
    }

    /** "siphon-http X (GraalPy Y)", from the build's version.properties. */
    static String versionLine() {
        java.util.Properties p = new java.util.Properties();
        try (var in = Launcher.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the defaults below say what is unknown
        }
        return "siphon-http " + p.getProperty("version", "(unknown version)")
                + " (GraalPy " + p.getProperty("graalpy", "(unknown version)") + ")";
    }
}

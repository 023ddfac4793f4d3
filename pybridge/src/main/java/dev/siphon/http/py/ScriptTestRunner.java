package dev.siphon.http.py;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * {@code siphon-http test [--workers N] [-k TEXT] PATH...}: runs pytest-style test files in a
 * GraalPy context of their own, where {@code siphon_testing.HttpTestHarness} serves each script
 * under test through the real engine ({@link ScriptHarness}) and a small {@code pytest} module
 * gives the fixtures and assertions test files use (docs/testing.md). The test context shares
 * nothing with the scripts' worker contexts but Java: each harness starts its own workers.
 *
 * <p>Exit status as pytest's: 0 every test passed, 1 one failed (or a file could not be
 * imported), 4 a usage error, 5 no test was collected.
 */
public final class ScriptTestRunner {
    static final String USAGE = """
            usage: siphon-http test [--workers N] [-k TEXT] PATH...

              PATH          a test file, or a directory searched for test_*.py and *_test.py
              --workers N   worker contexts per harness (default 1)
              -k TEXT       only the tests whose id (file::name) contains TEXT
            """;

    private static final String[] TESTING = {"siphon_testing", "pytest", "runner"};
    private static final String DIR = "dev/siphon/http/py/testing/";

    private ScriptTestRunner() {}

    /** The Java object the test context's siphon_testing calls: it makes one {@link HarnessBridge} per harness. */
    public static final class Host {
        private final int workers;
        private final org.graalvm.polyglot.Engine engine;
        /** The harnesses not closed yet. */
        private final java.util.Set<HarnessBridge> made = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Host(int workers, org.graalvm.polyglot.Engine engine) {
            this.workers = workers;
            this.engine = engine;
        }

        @HostAccess.Export
        public HarnessBridge harness() {
            HarnessBridge b = new HarnessBridge(workers, engine, made::remove);
            made.add(b);
            return b;
        }

        /** Closes what tests left open (a harness they did not close). */
        void closeAll() {
            for (HarnessBridge b : List.copyOf(made)) {
                try {
                    b.close();
                } catch (RuntimeException e) {
                    // closing failed: nothing more to do at the end of the run
                }
            }
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        int workers = 1;
        String keyword = null;
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--workers", "-k" -> {
                    if (i + 1 >= args.length) {
                        err.println("siphon-http test: " + a + " needs a value\n" + USAGE);
                        return 4;
                    }
                    String v = args[++i];
                    if (a.equals("-k")) {
                        keyword = v;
                    } else {
                        try {
                            workers = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            workers = 0;
                        }
                        if (workers < 1 || workers > 64) {
                            err.println("siphon-http test: --workers takes 1 to 64, was " + v);
                            return 4;
                        }
                    }
                }
                default -> {
                    if (a.startsWith("-")) {
                        err.println("siphon-http test: unknown argument " + a + "\n" + USAGE);
                        return 4;
                    }
                    paths.add(a);
                }
            }
        }
        if (paths.isEmpty()) {
            err.println("siphon-http test: give the test files or directories\n" + USAGE);
            return 4;
        }
        // one polyglot engine for the run: the harnesses' worker contexts and the tests' share its code
        org.graalvm.polyglot.Engine engine = WorkerPool.newEngine();
        Host host = new Host(workers, engine);
        try (Context ctx = Context.newBuilder("python")
                .engine(engine)
                .allowHostAccess(WorkerPool.HOST_ACCESS)
                .allowIO(IOAccess.ALL)
                .allowCreateThread(true)
                .allowEnvironmentAccess(org.graalvm.polyglot.EnvironmentAccess.INHERIT)
                .out(out)
                .err(err)
                .build()) {
            List<String> names = new ArrayList<>(List.of(WorkerPool.MODULES));
            List<String> sources = new ArrayList<>(List.of(WorkerPool.moduleSources()));
            for (String m : TESTING) {
                names.add(m);
                sources.add(WorkerPool.resource(DIR + m + ".py"));
            }
            String[] n = names.toArray(String[]::new);
            String[] src = sources.toArray(String[]::new);
            ctx.eval(WorkerPool.importer()).execute(n, src, null); // no Bridge: the importer only
            Source start = Source.newBuilder("python", WorkerPool.resource(DIR + "boot.py"), "testing/boot.py")
                    .buildLiteral();
            Value main = ctx.eval(start).execute(host, n, src);
            Value status = main.execute(paths.toArray(String[]::new), keyword);
            return status.asInt();
        } catch (PolyglotException e) {
            err.println("siphon-http test: " + e.getMessage());
            return 1;
        } finally {
            host.closeAll();
            engine.close(true);
        }
    }
}

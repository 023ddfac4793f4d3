package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The type stubs of the {@code siphon} namespace (python/siphon-testing, docs/python.md "Type
 * stubs"): they declare exactly the runtime's public API (check_parity.py, which parses both
 * sides with {@code ast}), and Debian's mypy (python3-mypy, installed by bin/ensure-tools)
 * passes {@code --strict} with them on the example scripts. A missing mypy fails the test.
 *
 * <p>Our examples (examples/*.py) pass plain {@code --strict}, except examples/original.py, a
 * script of the original kept unchanged on purpose. It and the original's examples
 * (src/test/resources/original, never edited) have unannotated functions and bare
 * {@code dict}s, so they run with {@code --allow-untyped-defs --allow-untyped-calls
 * --allow-any-generics} on top of {@code --strict} (their bodies are still checked against the
 * stubs: {@code --check-untyped-defs} stays on); whatsapp_cloud_api.py also has partly
 * annotated functions and two type errors of its own (a dict literal mypy infers as
 * {@code dict[str, Collection[str]]} then indexes, an {@code Optional} passed as {@code str}),
 * so it also gets {@code --allow-incomplete-defs} and the {@code index} and {@code arg-type}
 * error codes off.
 */
class StubsTest {
    static final Path ROOT = LauncherTest.ROOT;
    static final Path STUBS = ROOT.resolve("python/siphon-testing");
    static final Path RUNTIME = ROOT.resolve("pybridge/src/main/resources/siphon");
    static final Path ORIGINAL = ROOT.resolve("pybridge/src/test/resources/original");
    static final String PYTHON = "/usr/bin/python3"; // Debian's, with python3-mypy
    static final List<String> RELAXED = List.of("--allow-untyped-defs", "--allow-untyped-calls", "--allow-any-generics");
    static final List<String> WHATSAPP = List.of("--allow-untyped-defs", "--allow-untyped-calls", "--allow-any-generics",
            "--allow-incomplete-defs", "--disable-error-code=index", "--disable-error-code=arg-type");
    /** Our examples that are the original's scripts, unchanged on purpose. */
    static final List<String> UNTYPED_EXAMPLES = List.of("original.py");

    record Result(int status, String output) {}

    static Result run(List<String> cmd, Path cacheDir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("MYPYPATH", STUBS.toString());
        pb.environment().remove("PYTHONPATH");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), out);
    }

    static Result mypy(Path cacheDir, List<String> flags, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-m", "mypy", "--strict", "--cache-dir=" + cacheDir));
        cmd.addAll(flags);
        files.forEach(f -> cmd.add(f.startsWith(ROOT) ? ROOT.relativize(f).toString() : f.toString()));
        return run(cmd, cacheDir);
    }

    static List<Path> scripts(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".py")).sorted().toList();
        }
    }

    @Test
    void mypyIsInstalled() throws Exception {
        Result r = run(List.of(PYTHON, "-m", "mypy", "--version"), null);
        assertEquals(0, r.status(), "mypy is missing (bin/ensure-tools installs python3-mypy): " + r.output());
    }

    @Test
    void mypyStrictPassesOnTheExamples(@TempDir Path cache) throws Exception {
        List<Path> typed = new ArrayList<>();
        List<Path> relaxed = new ArrayList<>();
        for (Path p : scripts(ROOT.resolve("examples"))) {
            (UNTYPED_EXAMPLES.contains(p.getFileName().toString()) ? relaxed : typed).add(p);
        }
        assertTrue(typed.size() >= 6, "examples: " + typed);
        Result strict = mypy(cache, List.of(), typed);
        assertEquals(0, strict.status(), "mypy --strict on " + typed + ":\n" + strict.output());
        assertTrue(strict.output().contains("Success: no issues found in " + typed.size() + " source files"),
                strict.output());

        List<Path> originals = scripts(ORIGINAL);
        assertEquals(5, originals.size(), "the original's examples: " + originals);
        Path whatsapp = ORIGINAL.resolve("whatsapp_cloud_api.py");
        for (Path p : originals) {
            if (!p.equals(whatsapp)) {
                relaxed.add(p);
            }
        }
        Result r = mypy(cache, RELAXED, relaxed);
        assertEquals(0, r.status(), "mypy --strict " + RELAXED + " on " + relaxed + ":\n" + r.output());
        Result w = mypy(cache, WHATSAPP, List.of(whatsapp));
        assertEquals(0, w.status(), "mypy --strict " + WHATSAPP + " on " + whatsapp + ":\n" + w.output());
    }

    /**
     * The cookbook's tests (examples/tests, CookbookTestsTest) pass plain {@code --strict} against the
     * stubs of siphon and of siphon_testing (siphon_testing/__init__.pyi) and pytest's own types.
     */
    @Test
    void mypyStrictPassesOnTheCookbookTests(@TempDir Path cache) throws Exception {
        List<Path> tests = scripts(ROOT.resolve("examples/tests"));
        assertEquals(CookbookTestsTest.EXPECTED.size(), tests.size(), "examples/tests: " + tests);
        Result r = mypy(cache, List.of(), tests);
        assertEquals(0, r.status(), "mypy --strict on " + tests + ":\n" + r.output());
        assertTrue(r.output().contains("Success: no issues found in " + tests.size() + " source files"), r.output());
    }

    /** The harness's stubs catch a test's misuse of the harness. */
    @Test
    void mypyFindsMisuseOfTheHarness(@TempDir Path dir) throws Exception {
        Path test = Files.writeString(dir.resolve("test_misuse.py"), """
                from siphon_testing import HttpTestHarness


                def test_misuse() -> None:
                    h = HttpTestHarness(config=["clients"])
                    h.add_response(200)
                    r = h.request("GET", "/x", body=7)
                    sent: str = h.sent_requests[0]["body"]
                    assert r.status == "200"
                """);
        Result r = mypy(dir.resolve("cache"), List.of(), List.of(test));
        assertEquals(1, r.status(), r.output());
        for (String expected : new String[] {
            "Argument \"config\" to \"HttpTestHarness\" has incompatible type \"List[str]\"",
            "Argument 1 to \"add_response\" of \"HttpTestHarness\" has incompatible type \"int\"",
            "Argument \"body\" to \"request\" of \"HttpTestHarness\" has incompatible type \"int\"",
            "Incompatible types in assignment (expression has type \"bytes\", variable has type \"str\")",
            "Non-overlapping equality check (left operand type: \"int\"",
            "Found 5 errors"}) {
            assertTrue(r.output().contains(expected), "expected «" + expected + "» in:\n" + r.output());
        }
    }

    static final Path HARNESS_STUB = STUBS.resolve("siphon_testing/__init__.pyi");
    static final Path CPYTHON_HARNESS = STUBS.resolve("siphon_testing/_harness.py");
    static final Path ENGINE_HARNESS = ROOT.resolve("pybridge/src/main/resources/dev/siphon/http/py/testing/siphon_testing.py");

    static Result checkHarnessApi(Path stub, Path cpython, Path engine) throws Exception {
        return run(List.of(PYTHON, STUBS.resolve("check_harness_api.py").toString(), "--strict-engine", stub.toString(),
                cpython.toString(), engine.toString()), null);
    }

    /**
     * siphon_testing's stub declares HttpTestHarness as the CPython harness has it (members and
     * signatures) and every member of the in-engine one (check_harness_api.py).
     */
    @Test
    void theHarnessStubMatchesBothHarnesses() throws Exception {
        Result r = checkHarnessApi(HARNESS_STUB, CPYTHON_HARNESS, ENGINE_HARNESS);
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("0 difference(s)"), r.output());
        assertTrue(Files.exists(STUBS.resolve("siphon_testing/py.typed")));
    }

    @Test
    void theHarnessCheckCatchesADrift(@TempDir Path dir) throws Exception {
        Path stub = Files.copy(HARNESS_STUB, dir.resolve("stub.pyi"));
        Path cpython = Files.copy(CPYTHON_HARNESS, dir.resolve("harness.py"));
        Path engine = Files.copy(ENGINE_HARNESS, dir.resolve("engine.py"));
        edit(stub, "    def reset(self) -> None: ...\n", "");
        edit(cpython, "def pass_through(self, prefix=None):", "def pass_through(self, prefix):");
        edit(engine, "    def close(self):", "    def flush(self):\n        pass\n\n    def close(self):");
        Result r = checkHarnessApi(stub, cpython, engine);
        assertEquals(1, r.status(), r.output());
        for (String expected : new String[] {
            "HttpTestHarness.reset: in the CPython harness (self) but not in the stub",
            "HttpTestHarness.pass_through: differs: stub (self, prefix=None), CPython harness (self, prefix)",
            "HttpTestHarness.flush: in the in-engine harness (self) but not in the stub",
            "HttpTestHarness.reset: in the in-engine harness (self) but not in the stub",
            "4 difference(s)"}) {
            assertTrue(r.output().contains(expected), "expected «" + expected + "» in:\n" + r.output());
        }
    }

    /** The stubs are what mypy reads, and they catch a script's misuse of the API. */
    @Test
    void mypyFindsMisuseThroughTheStubs(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("misuse.py"), """
                from siphon import cache, http, timer


                @http.route("/x", methods=["GET"])
                async def x(req: http.Request) -> http.Response:
                    await cache.store("c", 1, "v")
                    timer.set("k", 10, lambda: None)
                    c = http.Client("api")
                    r = await c.get("/y", "body")
                    return http.Response(status="200")
                """);
        Result r = mypy(dir.resolve("cache"), List.of(), List.of(script));
        assertEquals(1, r.status(), r.output());
        for (String expected : new String[] {
            "Argument 2 to \"store\" has incompatible type \"int\"; expected \"str\"",
            "Argument 3 to \"set\" has incompatible type",
            "Too many positional arguments for \"get\" of \"Client\"",
            "Argument \"status\" to \"Response\" has incompatible type \"str\"; expected \"int\"",
            "Found 6 errors"}) {
            assertTrue(r.output().contains(expected), "expected «" + expected + "» in:\n" + r.output());
        }
    }

    @Test
    void stubsMatchTheRuntime() throws Exception {
        Result r = run(List.of(PYTHON, STUBS.resolve("check_parity.py").toString(), RUNTIME.toString(),
                STUBS.resolve("siphon").toString()), null);
        assertEquals(0, r.status(), r.output());
        for (String m : new String[] {"__init__", "http", "log", "cache", "metrics", "timer"}) {
            assertTrue(Files.exists(STUBS.resolve("siphon/" + m + ".pyi")), m);
        }
        assertTrue(Files.exists(STUBS.resolve("siphon/py.typed")));
    }

    /** The parity check catches a drift: copies of both sides, each changed in one way. */
    @Test
    void parityCheckCatchesADrift(@TempDir Path dir) throws Exception {
        Path rt = copy(RUNTIME, dir.resolve("runtime"), ".py");
        Path st = copy(STUBS.resolve("siphon"), dir.resolve("stubs"), ".pyi");
        edit(rt.resolve("http.py"), "class PoolTimeoutError(TimeoutError):", "class PoolTimeoutError(ClientError):");
        edit(rt.resolve("http.py"), "async def put(self, path, *, body=None, headers=None, stream=False):",
                "async def put(self, path, body=None, *, headers=None, stream=False):");
        Files.writeString(rt.resolve("cache.py"), "\n\nasync def flush(name):\n    pass\n",
                java.nio.file.StandardOpenOption.APPEND);
        edit(st.resolve("cache.pyi"), "async def exists(", "def exists(");
        edit(st.resolve("metrics.pyi"), "    def dec(self, amount: float = 1) -> None: ...\n", "");
        edit(st.resolve("timer.pyi"), "jitter: float = 0)", "jitter: float = 1)");
        Files.delete(st.resolve("log.pyi"));
        Result r = run(List.of(PYTHON, STUBS.resolve("check_parity.py").toString(), rt.toString(), st.toString()), null);
        assertEquals(1, r.status(), r.output());
        for (String expected : new String[] {
            "siphon.http.PoolTimeoutError: differs: runtime class ('ClientError',), stub class ('TimeoutError',)",
            "siphon.http.Client.put: differs: runtime async def(self, path, body=None, (kw-only) headers=None, "
                    + "(kw-only) stream=False)",
            "siphon.cache.flush: in the runtime (async def(name)) but not in the stub",
            "siphon.cache.exists: differs: runtime async def(name, key), stub def(name, key)",
            "siphon.metrics.Gauge.dec: in the runtime (def(self, amount=1)) but not in the stub",
            "siphon.timer.every: differs: runtime def(seconds, name=None, jitter=0), stub def(seconds, name=None, jitter=1)",
            "siphon.log: a runtime module without a stub",
            "7 difference(s)"}) {
            assertTrue(r.output().contains(expected), "expected «" + expected + "» in:\n" + r.output());
        }
    }

    static Path copy(Path from, Path to, String ext) throws IOException {
        return copy(from, to, ext, false);
    }

    /** Copies the files of {@code from} ending in {@code ext} into {@code to}; {@code replace}: over existing ones. */
    static Path copy(Path from, Path to, String ext, boolean replace) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.filter(p -> p.toString().endsWith(ext)).toList()) {
                if (replace) {
                    Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
        return to;
    }

    static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(from), file + " no longer contains " + from);
        Files.writeString(file, text.replace(from, to));
    }
}

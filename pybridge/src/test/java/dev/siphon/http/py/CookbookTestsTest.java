package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cookbook's tests (examples/tests/test_NAME.py, one per example of docs/cookbook.md): the
 * same files pass under the in-engine harness ({@code bin/siphon-http test examples/tests}, the
 * real engine) and under the CPython harness (pytest with python/siphon-testing on PYTHONPATH),
 * each file with the same number of tests; and docs/testing.md's "Tests in your own repository"
 * layout (its app, test file) runs under both as the page shows it. mypy --strict on the test
 * files is StubsTest's.
 */
class CookbookTestsTest {
    static final Path ROOT = LauncherTest.ROOT;
    static final Path TESTS = ROOT.resolve("examples/tests");
    static final String PYTHON = StubsTest.PYTHON;
    /** The tests of each file (a parametrized test counts once per row), as both harnesses run them. */
    static final Map<String, Integer> EXPECTED = new TreeMap<>(Map.of(
            "test_hello.py", 5, "test_jobs.py", 8, "test_original.py", 3, "test_proxy.py", 13,
            "test_registry.py", 13, "test_rest.py", 8, "test_webhook.py", 6, "test_middleware.py", 5,
            "test_sse.py", 5, "test_upload.py", 6));

    record Result(int status, String output) {}

    static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("PYTHONPATH");
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("cookbook-tests", ".txt");
        Process p = pb.redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not exit within 600 s: " + cmd + "\n" + Files.readString(out));
        }
        Result r = new Result(p.exitValue(), Files.readString(out));
        Files.delete(out);
        return r;
    }

    /** The PASSED tests of each test file in a run's output ("...test_x.py::name[params] PASSED"; pytest's ids may hold spaces). */
    static Map<String, Integer> passed(String output) {
        Map<String, Integer> n = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)(test_\\w+\\.py)::[^\\n]*? PASSED").matcher(output);
        while (m.find()) {
            n.merge(m.group(1), 1, Integer::sum);
        }
        return n;
    }

    static int total() {
        return EXPECTED.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void everyCookbookExampleHasATestFileAndTheCookbookNamesIt() throws IOException {
        List<String> examples = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT.resolve("examples"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".py")).sorted().forEach(examples::add);
        }
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(TESTS)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("test_")).sorted().forEach(files::add);
        }
        assertEquals(examples.stream().map(e -> "test_" + e).toList(), files);
        assertEquals(List.copyOf(EXPECTED.keySet()), files);
        String cookbook = Files.readString(ROOT.resolve("docs/cookbook.md"));
        for (String e : examples) {
            assertTrue(cookbook.contains("`examples/" + e + "`"), "docs/cookbook.md does not show examples/" + e);
            assertTrue(cookbook.contains("examples/tests/test_" + e), "docs/cookbook.md does not point to examples/tests/test_" + e);
        }
    }

    @Test
    void theyPassInTheEngine() throws Exception {
        Result r = run(List.of(LauncherTest.LAUNCHER.toString(), "test", TESTS.toString()), Map.of());
        assertEquals(0, r.status(), "bin/siphon-http test examples/tests:\n" + r.output());
        assertEquals(EXPECTED, passed(r.output()), r.output());
        assertTrue(r.output().contains("==== " + total() + " passed in "), r.output());
        assertTrue(!r.output().contains(" FAILED") && !r.output().contains(" ERROR"), r.output());
    }

    @Test
    void theyPassUnderCPython() throws Exception {
        Result r = run(List.of(PYTHON, "-m", "pytest", "-v", "-p", "no:cacheprovider", "examples/tests"),
                Map.of("PYTHONPATH", ROOT.resolve("python/siphon-testing").toString()));
        assertEquals(0, r.status(), "pytest (python3-pytest, from bin/ensure-tools) on examples/tests:\n" + r.output());
        assertEquals(EXPECTED, passed(r.output()), r.output());
        assertTrue(r.output().contains(" " + total() + " passed in "), r.output());
    }

    /** docs/testing.md, "Tests in your own repository": app.py (the page's first script) and tests/test_app.py. */
    @Test
    void theOwnRepositoryLayoutOfTheTestingPageRunsUnderBoth(@TempDir Path dir) throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/testing.md"));
        Matcher blocks = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(blocks.find(), "no python block in docs/testing.md");
        Files.writeString(dir.resolve("app.py"), blocks.group(1));
        int section = doc.indexOf("## Tests in your own repository");
        assertTrue(section > 0, "docs/testing.md has no section \"Tests in your own repository\"");
        Matcher test = Pattern.compile("```python\n(# tests/test_app.py\n.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(test.find(section), "no tests/test_app.py block in the section");
        Path tests = Files.createDirectories(dir.resolve("tests"));
        Files.writeString(tests.resolve("test_app.py"), test.group(1));

        Result cpython = run(List.of(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", dir.resolve("tests").toString()),
                Map.of("PYTHONPATH", ROOT.resolve("python/siphon-testing").toString()));
        assertEquals(0, cpython.status(), cpython.output());
        Matcher n = Pattern.compile("(\\d+) passed").matcher(cpython.output());
        assertTrue(n.find(), cpython.output());
        int count = Integer.parseInt(n.group(1));
        assertTrue(count >= 2, cpython.output());

        Result engine = run(List.of(LauncherTest.LAUNCHER.toString(), "test", tests.toString()), Map.of());
        assertEquals(0, engine.status(), engine.output());
        assertTrue(engine.output().contains("==== " + count + " passed in "), engine.output());

        StubsTest.Result typed = StubsTest.mypy(dir.resolve("mypy-cache"), List.of(), List.of(tests.resolve("test_app.py")));
        assertEquals(0, typed.status(), "mypy --strict on the page's tests/test_app.py:\n" + typed.output());
    }
}

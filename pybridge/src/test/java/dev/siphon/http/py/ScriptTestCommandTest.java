package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/siphon-http test}, the in-engine harness as a user runs it: test files in GraalPy,
 * each harness's script in real worker contexts of the real engine. The harness's own test file
 * (src/test/resources/harness/tests) also runs, unchanged, under the CPython harness with
 * Debian's pytest: one file, both harnesses.
 */
class ScriptTestCommandTest {
    static final Path HARNESS = Scripts.harnessApp().getParent();

    static int count(String out, String outcome) {
        Matcher m = Pattern.compile("::\\S+ " + outcome + "$", Pattern.MULTILINE).matcher(out);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void theHarnessTestsPassInTheEngine() throws Exception {
        LauncherTest.Run r = LauncherTest.run("test", HARNESS.resolve("tests").toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(32, count(r.out(), "PASSED"), r.out());
        assertTrue(r.out().contains("==== 32 passed in "), r.out());
    }

    @Test
    void theSameFilePassesUnderCPythonAndPytest() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(StubsTest.PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "tests").directory(HARNESS.toFile()).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", LauncherTest.ROOT.resolve("python/siphon-testing").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pytest did not exit");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("32 passed"), out);
    }

    /** docs/testing.md's script and test, as the page shows them, pass in the engine too. */
    @Test
    void theTestingPagesExamplePassesInTheEngine(@TempDir Path dir) throws Exception {
        String doc = Files.readString(LauncherTest.ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "no python block in docs/testing.md");
        Files.writeString(dir.resolve("hello.py"), m.group(1));
        assertTrue(m.find(), "no second python block in docs/testing.md");
        Files.writeString(dir.resolve("test_hello.py"), m.group(1));
        LauncherTest.Run r = LauncherTest.run("test", dir.resolve("test_hello.py").toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(4, count(r.out(), "PASSED"), r.out());
    }

    /** docs/testing.md's Java example is the body of ScriptHarnessTest#theTestingPagesJavaExample, word for word. */
    @Test
    void theTestingPagesJavaExampleIsTested() throws Exception {
        String doc = Files.readString(LauncherTest.ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "no java block in docs/testing.md");
        String test = Files.readString(LauncherTest.ROOT.resolve(
                "pybridge/src/test/java/dev/siphon/http/py/ScriptHarnessTest.java"));
        assertTrue(test.replaceAll("\\s+", " ").contains(m.group(1).replaceAll("\\s+", " ").strip()),
                "docs/testing.md's java block is not in ScriptHarnessTest:\n" + m.group(1));
    }

    @Test
    void aFailingTestExitsOneShowingWhere() throws Exception {
        LauncherTest.Run r = LauncherTest.run("test", HARNESS.resolve("failing").toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("failing/test_fails.py::test_passes PASSED"), r.out());
        assertTrue(r.out().contains("failing/test_fails.py::test_wrong_expectation FAILED"), r.out());
        assertTrue(r.out().contains("test_fails.py\", line 21, in test_wrong_expectation")
                && r.out().contains("AssertionError: got 404"), r.out());
        // an assert without a message shows the values of the names in it
        assertTrue(r.out().contains("where:\n  status = 404\n"), r.out());
        assertTrue(r.out().contains("failing/test_fails.py::test_bare_assert FAILED"), r.out());
        assertTrue(r.out().contains("==== 2 failed, 1 passed in "), r.out());
    }

    @Test
    void selectionUsageAndEmptyRuns(@TempDir Path dir) throws Exception {
        LauncherTest.Run k = LauncherTest.run("test", "-k", "wrong", HARNESS.resolve("failing").toString());
        assertEquals(1, k.status(), k.out());
        assertEquals(List.of(0, 1), List.of(count(k.out(), "PASSED"), count(k.out(), "FAILED")), k.out()); // -k wrong

        assertEquals(5, LauncherTest.run("test", dir.toString()).status()); // nothing collected, as pytest
        LauncherTest.Run missing = LauncherTest.run("test", dir.resolve("nope").toString());
        assertEquals(4, missing.status());
        assertTrue(missing.out().contains("file or directory not found"), missing.out());
        LauncherTest.Run none = LauncherTest.run("test");
        assertEquals(4, none.status());
        assertTrue(none.err().contains("usage: siphon-http test"), none.err());
        assertEquals(4, LauncherTest.run("test", "--workers", "0", dir.toString()).status());
    }

    @Test
    void aTestFileThatCannotBeImportedIsAnError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("test_broken.py"), "import os\nraise ImportError('no such helper')\n");
        LauncherTest.Run r = LauncherTest.run("test", dir.toString());
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("test_broken.py ERROR") && r.out().contains("no such helper"), r.out());
    }

    @Test
    void withSeveralWorkersEachRunsItsHooks(@TempDir Path dir) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("app.py"), """
                from siphon import http, log

                @http.on_startup
                def up():
                    log.info("worker up")

                @http.route("/ok")
                def ok(req):
                    return http.Response(body="ok")
                """);
        Files.writeString(dir.resolve("test_workers.py"), """
                import os
                from siphon_testing import HttpTestHarness

                def test_every_worker_starts():
                    h = HttpTestHarness()
                    h.load_script(os.path.join(os.path.dirname(__file__), "app.py"))
                    assert h.log.messages == []
                    h.run_startup()
                    assert h.log.messages == [("info", "worker up")] * 2
                    assert h.request("GET", "/ok").body == b"ok"
                    h.close()
                """);
        LauncherTest.Run r = LauncherTest.run("test", "--workers", "2", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
    }
}

package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ClientConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPython harness, python/siphon-testing (distribution siphon-http-testing, docs/testing.md),
 * under Debian's /usr/bin/python3 with python3-pytest, python3-setuptools, python3-wheel and
 * python3-venv (bin/ensure-tools); a missing one fails the test.
 *
 * <ul>
 *   <li>its pytest suite passes: tests/test_harness.py and the siphon SDK's own
 *       tests/sdk/test_http_mock.py (copied unchanged, see tests/sdk/NOTICE) against the siphon_sdk
 *       compatibility package, without the one test that needs the SDK's SIP and SMPP namespaces
 *       ({@code -k "not coexists"});</li>
 *   <li>build_dist.py builds the sdist and the wheel offline, and the wheel installs into a fresh
 *       venv, where a test runs with nothing on PYTHONPATH;</li>
 *   <li>the stand-in's table of http.Client settings is the engine's declaration of
 *       {@code clients.<name>} (ClientConfig.SECTION), key, kind and type with bounds.</li>
 * </ul>
 */
class CPythonHarnessTest {
    static final Path ROOT = LauncherTest.ROOT;
    static final Path HARNESS = ROOT.resolve("python/siphon-testing");
    static final String PYTHON = StubsTest.PYTHON;

    record Result(int status, String output) {}

    static Result run(List<String> cmd, Path dir, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("PYTHONPATH");
        pb.environment().putAll(env);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), out);
    }

    @Test
    void itsPytestSuitePassesUnderCPython() throws Exception {
        Result r = run(List.of(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not coexists",
                "python/siphon-testing/tests"), ROOT, Map.of("PYTHONPATH", HARNESS.toString()));
        assertEquals(0, r.status(), "pytest (python3-pytest, from bin/ensure-tools) failed:\n" + r.output());
        Matcher m = Pattern.compile("(\\d+) passed, 1 deselected").matcher(r.output());
        assertTrue(m.find(), r.output());
        assertTrue(Integer.parseInt(m.group(1)) >= 45, r.output());
        assertTrue(!r.output().contains("failed") && !r.output().contains("error"), r.output());

        // the SDK's file on its own: all of it but the SIP/SMPP test passes unchanged
        Result sdk = run(List.of(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not coexists",
                "python/siphon-testing/tests/sdk/test_http_mock.py"), ROOT, Map.of("PYTHONPATH", HARNESS.toString()));
        assertEquals(0, sdk.status(), sdk.output());
        assertTrue(sdk.output().contains("21 passed, 1 deselected"), sdk.output());
    }

    @Test
    void theWheelInstallsIntoAFreshVenv(@TempDir Path dir) throws Exception {
        Path dist = dir.resolve("dist");
        Result build = run(List.of(PYTHON, HARNESS.resolve("build_dist.py").toString(), dist.toString()), ROOT, Map.of());
        assertEquals(0, build.status(), build.output());
        Path wheel = dist.resolve("siphon_http_testing-0.1.0-py3-none-any.whl");
        assertTrue(Files.exists(wheel), build.output());
        assertTrue(Files.exists(dist.resolve("siphon-http-testing-0.1.0.tar.gz")), build.output());
        assertTrue(!Files.exists(HARNESS.resolve("build")), "build_dist.py left build/ behind");
        try (ZipFile z = new ZipFile(wheel.toFile())) {
            for (String f : new String[] {"siphon/http.py", "siphon/http.pyi", "siphon/py.typed", "siphon/cache.py",
                "siphon/timer.pyi", "siphon_testing/__init__.py", "siphon_testing/_router.py",
                "siphon_testing/__init__.pyi", "siphon_testing/py.typed",
                "siphon_sdk/http_testing.py", "siphon_sdk/mock_module.py"}) {
                assertTrue(z.getEntry(f) != null, f + " is not in the wheel");
            }
        }

        Path venv = dir.resolve("venv");
        Result mk = run(List.of(PYTHON, "-m", "venv", "--system-site-packages", venv.toString()), dir, Map.of());
        assertEquals(0, mk.status(), "python3 -m venv (python3-venv): " + mk.output());
        String py = venv.resolve("bin/python").toString();
        Result install = run(List.of(py, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir",
                wheel.toString()), dir, Map.of());
        assertEquals(0, install.status(), install.output());
        assertTrue(install.output().contains("Successfully installed siphon-http-testing-0.1.0"), install.output());

        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(work.resolve("test_installed.py"), """
                import siphon
                import siphon_testing
                from siphon import http
                from siphon_testing import HttpTestHarness


                def test_hello_from_the_installed_package():
                    assert siphon.__file__.startswith(%s), siphon.__file__
                    assert siphon_testing.__file__.startswith(%s), siphon_testing.__file__
                    with HttpTestHarness() as h:
                        h.load_script(%s)
                        r = h.request("GET", "/hello/venv")
                        assert r.status == 200 and r.body == b"hi venv"
                        assert h.request("GET", "/nope").status == 404
                        assert isinstance(r, http.Response)
                """.formatted(pyString(venv.toString()), pyString(venv.toString()),
                pyString(ROOT.resolve("examples/hello.py").toString())));
        Result test = run(List.of(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_installed.py"), work, Map.of());
        assertEquals(0, test.status(), test.output());
        assertTrue(test.output().contains("1 passed"), test.output());
    }

    @Test
    void theStandInsClientSettingsAreTheEngines() throws Exception {
        String expected = ClientConfig.SECTION.settings().stream()
                .map(s -> s.key() + " " + s.kind() + " " + s.typeDoc())
                .collect(Collectors.joining("\n"));
        Result r = run(List.of(PYTHON, "-c", """
                import sys
                from siphon import http
                sys.stdout.reconfigure(encoding="utf-8")
                print("\\n".join(f"{k} {kind} {shape}" for k, (kind, shape) in http._CLIENT_SETTINGS.items()))
                """), ROOT, Map.of("PYTHONPATH", HARNESS.toString(), "PYTHONIOENCODING", "utf-8"));
        assertEquals(0, r.status(), r.output());
        assertEquals(expected, r.output().strip(),
                "python/siphon-testing/siphon/http.py's _CLIENT_SETTINGS drifted from ClientConfig.SECTION");
    }

    /** The runtime, the stubs and the stand-ins agree (check_parity.py, all three). */
    @Test
    void theStandInsMatchTheRuntimeAndTheStubs() throws Exception {
        Result r = run(List.of(PYTHON, HARNESS.resolve("check_parity.py").toString(), StubsTest.RUNTIME.toString(),
                HARNESS.resolve("siphon").toString(), HARNESS.resolve("siphon").toString()), ROOT, Map.of());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("the stubs in") && r.output().contains("and the stand-ins in"), r.output());
    }

    static final Path ENGINE_HARNESS = ROOT.resolve("pybridge/src/main/resources/dev/siphon/http/py/testing/siphon_testing.py");

    /**
     * The two siphon_testing implementations offer one API (check_harness_parity.py): this
     * package's and the one siphon-http test gives; a method added to, or a parameter changed
     * in, either one alone is caught.
     */
    @Test
    void theTwoHarnessesOfferOneApi(@TempDir Path dir) throws Exception {
        String check = HARNESS.resolve("check_harness_parity.py").toString();
        Result same = run(List.of(PYTHON, check, HARNESS.resolve("siphon_testing").toString(), ENGINE_HARNESS.toString()),
                ROOT, Map.of());
        assertEquals(0, same.status(), same.output());

        Path engine = dir.resolve("siphon_testing.py");
        String source = Files.readString(ENGINE_HARNESS);
        Files.writeString(engine, source.replace("    def pass_through(self, prefix=None):",
                "    def pass_through(self, prefix=None, strict=False):"));
        Result changed = run(List.of(PYTHON, check, HARNESS.resolve("siphon_testing").toString(), engine.toString()),
                ROOT, Map.of());
        assertEquals(1, changed.status(), changed.output());
        assertTrue(changed.output().contains("HttpTestHarness.pass_through: CPython"), changed.output());

        Files.writeString(engine, source.replace("    def run_timer(self, name):",
                "    def run_all_timers(self):\n        pass\n\n    def run_timer(self, name):"));
        Result added = run(List.of(PYTHON, check, HARNESS.resolve("siphon_testing").toString(), engine.toString()),
                ROOT, Map.of());
        assertEquals(1, added.status(), added.output());
        assertTrue(added.output().contains("HttpTestHarness.run_all_timers: in the engine's harness only"),
                added.output());

        Path cpy = dir.resolve("cpython");
        Files.createDirectories(cpy);
        try (var files = Files.list(HARNESS.resolve("siphon_testing"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".py") || f.toString().endsWith(".pyi")).toList()) {
                String text = Files.readString(f);
                Files.writeString(cpy.resolve(f.getFileName()), text.replace("    def clear(self):\n        \"\"\"Forgets the recorded",
                        "    def reset_all(self):\n        pass\n\n    def clear(self):\n        \"\"\"Forgets the recorded"));
            }
        }
        Result extra = run(List.of(PYTHON, check, cpy.toString(), ENGINE_HARNESS.toString()), ROOT, Map.of());
        assertEquals(1, extra.status(), extra.output());
        assertTrue(extra.output().contains("HttpTestHarness.metrics.reset_all: in the CPython harness only"),
                extra.output());
    }

    /** A member added to, or changed in, any one of the three is caught. */
    @Test
    void parityCatchesAMemberAddedToAnyOfTheThree(@TempDir Path dir) throws Exception {
        Path rt = StubsTest.copy(StubsTest.RUNTIME, dir.resolve("runtime"), ".py");
        Path st = StubsTest.copy(HARNESS.resolve("siphon"), dir.resolve("stubs"), ".pyi");
        Path si = StubsTest.copy(HARNESS.resolve("siphon"), dir.resolve("standins"), ".py");
        List<String> cmd = List.of(PYTHON, HARNESS.resolve("check_parity.py").toString(), rt.toString(), st.toString(),
                si.toString());
        assertEquals(0, run(cmd, ROOT, Map.of()).status());

        // one added to the stand-in only
        Files.writeString(si.resolve("cache.py"), "\n\nasync def flush(name):\n    pass\n",
                java.nio.file.StandardOpenOption.APPEND);
        StubsTest.edit(si.resolve("http.py"), "class PoolTimeoutError(TimeoutError):", "class PoolTimeoutError(ClientError):");
        StubsTest.edit(si.resolve("timer.py"), "def every(seconds, name=None, jitter=0):",
                "def every(seconds, name=None, jitter=1):");
        StubsTest.edit(si.resolve("http.py"), "    def raise_for_status(self):", "    def ok(self):\n        return True\n\n"
                + "    def raise_for_status(self):");
        Result r = run(cmd, ROOT, Map.of());
        assertEquals(1, r.status(), r.output());
        List<String> expected = new ArrayList<>(List.of(
                "siphon.cache.flush: in the stand-in (async def(name)) but not in the runtime",
                "siphon.http.PoolTimeoutError: differs: runtime class ('TimeoutError',), stand-in class ('ClientError',)",
                "siphon.timer.every: differs: runtime def(seconds, name=None, jitter=0), stand-in def(seconds, name=None, jitter=1)",
                "siphon.http.Response.ok: in the stand-in (def(self)) but not in the runtime",
                "4 difference(s)"));
        for (String e : expected) {
            assertTrue(r.output().contains(e), "expected «" + e + "» in:\n" + r.output());
        }

        // one added to the runtime only: both the stub and the stand-in miss it
        Files.delete(si.resolve("cache.py"));
        StubsTest.copy(HARNESS.resolve("siphon"), si, ".py", true);
        Files.writeString(rt.resolve("log.py"), "\n\ndef critical(msg):\n    _write(3, msg)\n",
                java.nio.file.StandardOpenOption.APPEND);
        r = run(cmd, ROOT, Map.of());
        assertEquals(1, r.status(), r.output());
        for (String e : new String[] {
            "siphon.log.critical: in the runtime (def(msg)) but not in the stub",
            "siphon.log.critical: in the runtime (def(msg)) but not in the stand-in",
            "2 difference(s)"}) {
            assertTrue(r.output().contains(e), "expected «" + e + "» in:\n" + r.output());
        }

        // one added to the stub only
        StubsTest.copy(StubsTest.RUNTIME, rt, ".py", true);
        Files.writeString(st.resolve("metrics.pyi"), "\ndef summary(name: str, help: str) -> None: ...\n",
                java.nio.file.StandardOpenOption.APPEND);
        r = run(cmd, ROOT, Map.of());
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("siphon.metrics.summary: in the stub (def(name, help)) but not in the runtime"),
                r.output());
        assertTrue(r.output().contains("1 difference(s)"), r.output());
    }

    /** docs/testing.md's script and test, as the page shows them, pass. */
    @Test
    void theTestingPagesExamplePasses(@TempDir Path dir) throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "no python block in docs/testing.md");
        Files.writeString(dir.resolve("hello.py"), m.group(1));
        assertTrue(m.find(), "no second python block in docs/testing.md");
        Files.writeString(dir.resolve("test_hello.py"), m.group(1));
        Result r = run(List.of(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_hello.py"), dir,
                Map.of("PYTHONPATH", HARNESS.toString()));
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("4 passed"), r.output());
    }

    /** docs/testing.md's streaming example is examples/tests/test_sse.py's, word for word (CookbookTestsTest runs it). */
    @Test
    void theTestingPagesStreamingExampleIsTested() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("## Streaming\n.*?```python\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "no python block in docs/testing.md's section Streaming");
        String test = Files.readString(ROOT.resolve("examples/tests/test_sse.py"));
        assertTrue(test.contains(m.group(1)), "docs/testing.md's streaming block is not in test_sse.py:\n" + m.group(1));
    }

    static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}

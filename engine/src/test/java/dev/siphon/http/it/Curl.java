package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system {@code curl} as a real HTTP/1.1 client. A missing curl fails the test with a
 * clear message (CI installs it); it is never a reason to skip. Test thread only.
 */
final class Curl {
    static final Path CURL = Path.of("/usr/bin/curl");
    private static final int PROCESS_TIMEOUT_S = 20;

    /** What one curl run produced: exit status, stdout bytes, stderr text (the -v trace). */
    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "curl exit " + exit + "\n--- stdout ---\n" + out() + "\n--- stderr ---\n" + stderr;
        }
    }

    private Curl() {}

    /** Runs {@code curl -sS --noproxy * --max-time 10 <args>} and waits for it. */
    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(CURL)) {
            fail("curl is required by this test but " + CURL + " is missing or not executable: install curl");
        }
        List<String> cmd = new ArrayList<>(List.of(CURL.toString(), "-sS", "--noproxy", "*", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "curl", ".out");
        Path err = Files.createTempFile(workDir, "curl", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        for (String v : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
                "CURL_HOME")) {
            pb.environment().remove(v);
        }
        pb.environment().put("HOME", workDir.toString()); // no user ~/.curlrc
        Process p = pb.start();
        if (!p.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("curl did not finish in " + PROCESS_TIMEOUT_S + " s: " + cmd + "\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    /** Like {@link #run} and asserts curl exited 0. */
    static Result ok(Path workDir, String... args) throws IOException, InterruptedException {
        Result r = run(workDir, args);
        assertTrue(r.exit() == 0, () -> "curl failed: " + r);
        return r;
    }
}

package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real client (curl, openssl, h2load) to completion. A missing tool fails the test with a
 * clear message; it is never a reason to skip. Test thread only.
 */
final class Cmd {
    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout ---\n" + out() + "\n--- stderr ---\n" + stderr;
        }
    }

    private Cmd() {}

    static Result run(Path workDir, String stdin, List<String> cmd) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(cmd.get(0)))) {
            fail(cmd.get(0) + " is required by this test but is missing: install it (make ensure-tools)");
        }
        Path in = Files.writeString(Files.createTempFile(workDir, "cmd", ".in"), stdin == null ? "" : stdin);
        Path out = Files.createTempFile(workDir, "cmd", ".out");
        Path err = Files.createTempFile(workDir, "cmd", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectInput(in.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        for (String v : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
                "CURL_HOME", "SSLKEYLOGFILE")) {
            pb.environment().remove(v);
        }
        pb.environment().put("HOME", workDir.toString());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish in 60 s\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    /** {@code curl -sS --max-time 10 args...} */
    static Result curl(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/curl", "-sS", "--noproxy", "*", "--max-time", "10"));
        cmd.addAll(List.of(args));
        return run(workDir, null, cmd);
    }

    /** {@code openssl s_client} connecting to 127.0.0.1:port, sending {@code stdin} then waiting for the server to close. */
    static Result sClient(Path workDir, int port, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/openssl", "s_client", "-connect",
                "127.0.0.1:" + port, "-ign_eof"));
        cmd.addAll(List.of(args));
        return run(workDir, stdin, cmd);
    }
}

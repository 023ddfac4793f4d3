package dev.siphon.http.py;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the curl command line and parses what it printed with {@code -i}. */
final class Curl {
    record Result(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private Curl() {}

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "--max-time", "30"));
        cmd.addAll(List.of(args));
        return exec(cmd, String.join(" ", args));
    }

    /**
     * Runs a curl command line as written in the docs (through bash, so its quoting is the
     * shell's), adding {@code -s -S --max-time 30}; the line must ask for {@code -i}.
     */
    static Result shell(String commandLine) throws IOException, InterruptedException {
        if (!commandLine.startsWith("curl ") || !commandLine.contains(" -i")) {
            throw new IllegalArgumentException("not a curl -i command line: " + commandLine);
        }
        return exec(List.of("bash", "-c", commandLine + " -s -S --max-time 30"), commandLine);
    }

    private static Result exec(List<String> cmd, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(40, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("curl " + what + " failed: " + err);
        }
        String text = new String(out, StandardCharsets.ISO_8859_1);
        while (text.matches("(?s)HTTP/\\S+ 1\\d\\d .*")) { // an interim response (100 Continue) before the final one
            text = text.substring(text.indexOf("\r\n\r\n") + 4);
        }
        int end = text.indexOf("\r\n\r\n");
        String head = text.substring(0, end);
        String body = text.substring(end + 4);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        return new Result(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }
}

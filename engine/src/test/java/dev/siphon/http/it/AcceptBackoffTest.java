package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server out of file descriptors (EMFILE): the demo server runs in its own JVM under
 * {@code ulimit -n 128}, and this test opens more connections than it can take. Accepting then
 * fails with the listening socket still readable; the listener must back off rather than spin
 * its loop and log a line per failure, and accept again once descriptors are free.
 */
class AcceptBackoffTest {
    private static final int CONNECTIONS = 200;

    @Test
    void outOfDescriptorsTheListenerBacksOffAndRecovers(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process server = new ProcessBuilder("bash", "-c", "ulimit -n 128 && exec \"$0\" \"$@\"", java,
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "dev.siphon.http.demo.HelloServer",
                "--io-loops", "1", "127.0.0.1:0")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        List<Socket> held = new ArrayList<>();
        try {
            int port = awaitPort(server, out, err);
            assertEquals(200, status(port), "served before the flood");

            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000); // completes from the backlog
                held.add(s);
            }
            Thread.sleep(500); // the server has taken what it can; the rest wait in the backlog
            long cpu0 = cpuMillis(server.pid());
            Thread.sleep(2000);
            long cpu = cpuMillis(server.pid()) - cpu0;
            String log = Files.readString(err);
            long warnings = log.lines().filter(l -> l.contains("Too many open files")).count();
            assertTrue(warnings >= 1, "accepting never failed, so the limit was not reached:\n" + log);
            assertTrue(cpu < 700, "the server used " + cpu + " ms of CPU in 2 s while out of descriptors (spinning?)");
            assertTrue(warnings <= 60, warnings + " warnings in about 2.5 s:\n" + log.substring(0, Math.min(4000, log.length())));

            for (Socket s : held) {
                s.close();
            }
            held.clear();
            int status = 0;
            for (int i = 0; i < 100 && status != 200; i++) {
                try {
                    status = status(port);
                } catch (IOException e) {
                    Thread.sleep(100); // still draining the closed connections
                }
            }
            assertEquals(200, status, "not serving again after the descriptors were freed:\n" + Files.readString(err));
        } finally {
            for (Socket s : held) {
                s.close();
            }
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static int awaitPort(Process p, Path out, Path err) throws Exception {
        Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)").matcher("");
        for (int i = 0; i < 300 && p.isAlive() && !m.reset(Files.readString(out)).find(); i++) {
            Thread.sleep(100);
        }
        assertTrue(m.reset(Files.readString(out)).find(), "the server did not start:\n" + Files.readString(err));
        return Integer.parseInt(m.group(1));
    }

    /** One GET /hello/x on a new connection; the status code. */
    private static int status(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write("GET /hello/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 200"
            if (head.length() < 12) {
                throw new IOException("closed without an answer: '" + head + "'");
            }
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    /** User + system CPU time of a process, from /proc (clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }
}

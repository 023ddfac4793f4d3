package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real tinyproxy (Debian's; bin/ensure-tools installs it) on a free loopback port, with a
 * generated configuration, logging every request line at Info level. A missing tinyproxy fails
 * the test.
 */
final class Tinyproxy implements AutoCloseable {
    private final Process process;
    private final Path log;
    final int port;

    /** @param extra configuration lines: {@code ConnectPort 8443}, {@code BasicAuth user pass} */
    Tinyproxy(Path dir, String... extra) throws IOException, InterruptedException {
        Path binary = Path.of("/usr/bin/tinyproxy");
        assertTrue(Files.isExecutable(binary), "tinyproxy is missing: run bin/ensure-tools (apt-get install tinyproxy)");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        log = dir.resolve("tinyproxy-" + port + ".log");
        Path conf = dir.resolve("tinyproxy-" + port + ".conf");
        StringBuilder c = new StringBuilder()
                .append("Port ").append(port).append('\n')
                .append("Listen 127.0.0.1\n")
                .append("Timeout 30\n")
                .append("MaxClients 64\n")
                .append("LogFile \"").append(log).append("\"\n")
                .append("LogLevel Info\n")
                .append("ViaProxyName \"siphon-test-proxy\"\n")
                .append("Allow 127.0.0.1\n");
        for (String line : extra) {
            c.append(line).append('\n');
        }
        Files.writeString(conf, c);
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-d", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("tinyproxy-" + port + ".out").toFile());
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new AssertionError("tinyproxy did not start on port " + port + ": "
                            + Files.readString(dir.resolve("tinyproxy-" + port + ".out")) + " / "
                            + (Files.exists(log) ? Files.readString(log) : "no log"));
                }
                Thread.sleep(50);
            }
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The request lines tinyproxy logged, as it read them from its clients. */
    List<String> requestLines() throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains("Request (file descriptor"))
                .map(l -> l.substring(l.indexOf("): ") + 3))
                .toList();
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

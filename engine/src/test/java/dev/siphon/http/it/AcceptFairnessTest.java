package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One address opening connections in a tight loop and holding them must not keep another from
 * being served. The demo server runs with its default settings in its own JVM under
 * {@code ulimit -n 400}: without a per-address limit the flood from 127.0.0.1 takes every
 * descriptor, accepting fails (EMFILE) for everyone, and the client on 127.0.0.2 waits in the
 * backlog for good. With {@code max_connections_per_ip} (256 by default) the flood's connections
 * past it are closed as they are accepted, and the other client's are reached and served.
 */
class AcceptFairnessTest {
    private static final int FLOOD = 500;
    private static final int REQUESTS = 20;

    @Test
    void aClientFloodingConnectionsFromOneAddressDoesNotStarveAnother(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process server = new ProcessBuilder("bash", "-c", "ulimit -n 400 && exec \"$0\" \"$@\"", java,
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "dev.siphon.http.demo.HelloServer",
                "--io-loops", "1", "127.0.0.1:0")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        List<Socket> held = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        Thread flooder = null;
        try {
            int port = awaitPort(server, out, err);
            assertEquals(200, status(port, "127.0.0.2"), "served before the flood");

            flooder = Thread.ofPlatform().name("flooder").start(() -> {
                // Connects as fast as the server's backlog takes them and never sends a byte; a
                // connection the server refused is simply replaced by the next.
                while (flooding.get() && held.size() < FLOOD) {
                    attempts.incrementAndGet();
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                        synchronized (held) {
                            held.add(s);
                        }
                    } catch (IOException refused) {
                        closeQuietly(s);
                    }
                }
            });
            Thread.sleep(1000); // the flood is under way
            for (int i = 0; i < REQUESTS; i++) {
                assertEquals(200, status(port, "127.0.0.2"), "request " + i + " of the other client, after "
                        + attempts.get() + " connections from the flooding one:\n" + tail(err));
            }
        } finally {
            flooding.set(false);
            if (flooder != null) {
                flooder.join(10_000);
            }
            synchronized (held) {
                held.forEach(AcceptFairnessTest::closeQuietly);
            }
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        assertTrue(attempts.get() >= 300, "the flood opened only " + attempts.get() + " connections");
    }

    private static int awaitPort(Process p, Path out, Path err) throws Exception {
        Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)").matcher("");
        for (int i = 0; i < 300 && p.isAlive() && !m.reset(Files.readString(out)).find(); i++) {
            Thread.sleep(100);
        }
        assertTrue(m.reset(Files.readString(out)).find(), "the server did not start:\n" + Files.readString(err));
        return Integer.parseInt(m.group(1));
    }

    /** One GET /hello/x on a new connection from {@code from}; the status code. */
    private static int status(int port, String from) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /hello/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 200"
            if (head.length() < 12) {
                throw new IOException("closed without an answer: '" + head + "'");
            }
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    private static String tail(Path log) throws IOException {
        String s = Files.readString(log);
        return s.substring(Math.max(0, s.length() - 2000));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a flood socket
        }
    }
}

package dev.siphon.http.py;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for a test, on a free loopback port in a temporary directory, persisting
 * nothing ({@code --save "" --appendonly no}). A missing redis-server fails the test (bin/ensure-tools
 * installs it). {@link #stop} and {@link #start} again keep the port, to restart it under load.
 */
final class RedisServer implements AutoCloseable {
    final Path dir;
    final int port;
    private final List<String> extra;
    /** The port is TLS ({@code --tls-port}); {@link #ping} then cannot speak to it in plain text. */
    private final boolean tls;
    private Process process;

    private RedisServer(Path dir, int port, boolean tls, List<String> extra) {
        this.dir = dir;
        this.port = port;
        this.tls = tls;
        this.extra = extra;
    }

    /** A server on a free port, started; {@code extra} are more redis-server options. */
    static RedisServer start(Path dir, String... extra) throws IOException, InterruptedException {
        RedisServer r = new RedisServer(dir, freePort(), false, List.of(extra));
        r.start();
        return r;
    }

    /** A server whose one port is TLS with this certificate and key (clients need not present one). */
    static RedisServer startTls(Path dir, Path cert, Path key, Path ca, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--tls-port", "PORT", "--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(), "--tls-auth-clients", "no"));
        args.addAll(List.of(extra));
        RedisServer r = new RedisServer(dir, freePort(), true, args);
        r.start();
        return r;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    void start() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--port",
                tls ? "0" : Integer.toString(port), "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        for (String e : extra) {
            cmd.add(e.equals("PORT") ? Integer.toString(port) : e);
        }
        Path log = dir.resolve("redis-" + port + ".log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                if (tls || Files.readString(log).contains("Ready to accept connections")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("redis-server did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    /** Stops the server (SIGKILL: as abrupt as a crash) and waits for it. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
            process = null;
        }
    }

    /**
     * Sends one command in plain text (not on a TLS port) and returns the reply's first line;
     * {@code auth} first when not null ("password", or "user password").
     */
    String command(String auth, String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (auth != null) {
                out.write(encode(("AUTH " + auth).split(" ")));
                line(in);
            }
            out.write(encode(args));
            String first = line(in);
            if (first.startsWith("$") && !first.equals("$-1")) {
                return line(in);
            }
            return first;
        }
    }

    private static byte[] encode(String... args) {
        StringBuilder b = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}

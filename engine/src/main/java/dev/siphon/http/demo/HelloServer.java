package dev.siphon.http.demo;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.AccessLogConfig;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The demo served by {@code make run}, and the engine side of the end-to-end benchmark:
 * {@code GET /hello/{name}} answers {@code hi <name>}.
 *
 * <pre>java -cp ... dev.siphon.http.demo.HelloServer [host:port] [--loop-threads virtual|platform] [--io-loops N]
 *         [--idle-timeout-ms MS] [--max-connections N] [--max-connections-per-ip N] [--tls-cert cert.pem --tls-key key.pem]</pre>
 *
 * <p>With {@code --tls-cert} and {@code --tls-key} (a PEM chain, leaf first, and its key) the
 * listener speaks TLS: HTTP/1.1 and h2 chosen by ALPN. That needs the {@code siphon-tls} jar and
 * its BouncyCastle jars on the class path; {@code -Dsiphon.tls.jsse=jdk} swaps in the JDK's own
 * JSSE provider for measurement (see docs/performance.md).
 */
public final class HelloServer {
    private static final String USAGE = "usage: HelloServer [host:port] [--loop-threads virtual|platform]"
            + " [--io-loops N] [--idle-timeout-ms MS] [--max-connections N] [--max-connections-per-ip N]"
            + " [--tls-cert cert.pem --tls-key key.pem] [--access-log FILE|-]";

    private HelloServer() {}

    public static void main(String[] args) throws Exception {
        String listen = "127.0.0.1:8080";
        EngineSettings settings = EngineSettings.defaults();
        Path tlsCert = null;
        Path tlsKey = null;
        AccessLogConfig accessLog = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--loop-threads" -> settings = settings.withLoopThreads(
                        LoopThreads.valueOf(value(args, ++i).toUpperCase(Locale.ROOT)));
                case "--io-loops" -> settings = settings.withIoLoops(Integer.parseInt(value(args, ++i)));
                case "--idle-timeout-ms" -> settings = settings.withIdleTimeoutMs(Long.parseLong(value(args, ++i)));
                case "--max-connections" -> settings = settings.withConnections(
                        settings.connections().withMaxConnections(Integer.parseInt(value(args, ++i))));
                case "--max-connections-per-ip" -> settings = settings.withConnections(
                        settings.connections().withMaxConnectionsPerIp(Integer.parseInt(value(args, ++i))));
                case "--tls-cert" -> tlsCert = Path.of(value(args, ++i));
                case "--tls-key" -> tlsKey = Path.of(value(args, ++i));
                case "--access-log" -> {
                    String to = value(args, ++i);
                    accessLog = AccessLogConfig.to(to.equals("-") ? null : Path.of(to));
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        System.err.println(USAGE);
                        System.exit(2);
                    }
                    listen = args[i];
                }
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            System.err.println("--tls-cert and --tls-key go together\n" + USAGE);
            System.exit(2);
        }
        ServerConfig server = ServerConfig.listen(listen);
        if (tlsCert != null) {
            server = server.withTls(new TlsConfig(tlsCert, tlsKey, null));
        }
        String scheme = tlsCert != null ? "https" : "http";
        HttpEngine engine;
        try {
            engine = HttpEngine.builder()
                    .settings(settings)
                    .listen(server)
                    .accessLog(accessLog)
                    .route("GET", "/hello/{name}", req -> Response.text(200, "hi " + req.pathParam("name")))
                    .start();
        } catch (java.io.IOException e) {
            System.err.println("siphon-http: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(engine::close, "siphon-shutdown"));
        String at = scheme + "://" + HttpEngine.hostPort(engine.addresses().get(0));
        System.out.println("listening on " + at + "  (try: curl " + (tlsCert != null ? "--cacert CA.pem " : "")
                + at + "/hello/world)");
        System.out.flush();
        engine.awaitTermination();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("missing value for " + args[i - 1]);
            System.exit(2);
        }
        return args[i];
    }
}

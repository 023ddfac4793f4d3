package dev.siphon.http.demo;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import java.util.Locale;

/**
 * The demo served by {@code make run}, and the engine side of the end-to-end benchmark:
 * {@code GET /hello/{name}} answers {@code hi <name>}.
 *
 * <pre>java -cp ... dev.siphon.http.demo.HelloServer [host:port] [--loop-threads virtual|platform] [--io-loops N]</pre>
 */
public final class HelloServer {
    private HelloServer() {}

    public static void main(String[] args) throws Exception {
        String listen = "127.0.0.1:8080";
        EngineSettings settings = EngineSettings.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--loop-threads" -> settings = settings.withLoopThreads(
                        LoopThreads.valueOf(value(args, ++i).toUpperCase(Locale.ROOT)));
                case "--io-loops" -> settings = settings.withIoLoops(Integer.parseInt(value(args, ++i)));
                default -> {
                    if (args[i].startsWith("-")) {
                        System.err.println("usage: HelloServer [host:port] [--loop-threads virtual|platform] [--io-loops N]");
                        System.exit(2);
                    }
                    listen = args[i];
                }
            }
        }
        HttpEngine engine;
        try {
            engine = HttpEngine.builder()
                    .settings(settings)
                    .listen(listen)
                    .route("GET", "/hello/{name}", req -> Response.text(200, "hi " + req.pathParam("name")))
                    .start();
        } catch (java.io.IOException e) {
            System.err.println("siphon-http: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(engine::close, "siphon-shutdown"));
        System.out.println("listening on http://" + HttpEngine.hostPort(engine.addresses().get(0))
                + "  (try: curl http://" + HttpEngine.hostPort(engine.addresses().get(0)) + "/hello/world)");
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

/**
 * The engine: its API ({@code dev.siphon.http}: {@code HttpEngine}, {@code Request},
 * {@code Response}, handlers; {@code dev.siphon.http.config}: http.yaml and the settings records)
 * and, exported only to this project's modules that need them, the layers below it. The
 * client reads the shared protocol layer (codec, h2, hpack, net, config) and nothing of the
 * server's ({@code server}, {@code dispatch}, {@code h1}, {@code h2.server}); docs/architecture.md
 * draws the layers, {@code ModuleBoundaryTest} checks them.
 *
 * <p>"module" is suppressed: the qualified exports name modules built after this one.
 */
@SuppressWarnings("module")
module dev.siphon.http {
    requires transitive dev.siphon.http.router;
    requires java.logging;
    requires java.management;
    requires jdk.management;
    requires org.jctools.core.jdk11;
    requires org.yaml.snakeyaml;
    requires HdrHistogram;

    exports dev.siphon.http;
    exports dev.siphon.http.config;
    exports dev.siphon.http.metrics;

    exports dev.siphon.http.codec to dev.siphon.http.client;
    exports dev.siphon.http.h2 to dev.siphon.http.client;
    exports dev.siphon.http.h2.hpack to dev.siphon.http.client;
    exports dev.siphon.http.net to dev.siphon.http.client, dev.siphon.http.tls, dev.siphon.http.py;
    exports dev.siphon.http.internal to dev.siphon.http.client, dev.siphon.http.tls, dev.siphon.http.py;
    exports dev.siphon.http.dispatch to dev.siphon.http.py;

    uses dev.siphon.http.HttpEngine.Backend;
    uses dev.siphon.http.net.TlsProvider;

    provides dev.siphon.http.HttpEngine.Backend with dev.siphon.http.server.ServerBackend;
}

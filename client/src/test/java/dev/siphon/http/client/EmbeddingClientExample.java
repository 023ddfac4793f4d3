package dev.siphon.http.client;

import java.nio.file.Path;
import java.util.concurrent.CompletionException;

/** The outbound-client example of docs/embedding.md, compiled and run by {@link ClientDocsExampleTest}. */
final class EmbeddingClientExample {
    private EmbeddingClientExample() {}

    // --- example: start ---
    static String whoami(String baseUrl, Path ca, Path cert, Path key) throws Exception {
        try (HttpClient client = HttpClient.builder()
                .baseUrl(baseUrl)                   // like "https://api.internal:8443/v1"
                .verify(ca)                         // trust only this CA bundle (default: the JDK's cacerts)
                .clientCert(cert, key)              // mutual TLS; clientCert(combinedPem, null) for one file
                .timeoutMs(2_000)
                .build()) {                         // reads the PEM files now: a bad one throws here
            ClientResponse r = client.get("/whoami").join().raiseForStatus();
            return r.version() + " " + r.text();    // "HTTP/2 ..." when the server chose h2 by ALPN
        } catch (CompletionException e) {
            if (e.getCause() instanceof TlsException tls) {
                return "TLS failed: " + tls.getMessage();   // untrusted, wrong host name, ...
            }
            throw e;
        }
    }
    // --- example: end ---
}

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import java.nio.file.Path;

/**
 * Run by ModulesTest with the siphon jars on the module path: an engine with a cleartext and a
 * TLS listener (the TLS provider found as a service of module dev.siphon.http.tls), asked by the
 * client module over HTTP/1.1 and over h2 chosen by ALPN. Uses exported packages only: this
 * file is compiled in the unnamed module.
 */
public class ModulePathSmoke {
    public static void main(String[] args) throws Exception {
        Path cert = Path.of(args[0]);
        Path key = Path.of(args[1]);
        System.out.println("modules " + HttpEngine.class.getModule().getName() + " " + HttpClient.class.getModule().getName());
        try (HttpEngine engine = HttpEngine.builder()
                .listen("127.0.0.1:0")
                .listen(ServerConfig.listen("127.0.0.1:0").withTls(new TlsConfig(cert, key, null)))
                .route("GET", "/hi/{name}", req -> Response.text(200, "hi " + req.pathParam("name")))
                .start();
             HttpClient client = HttpClient.builder().verify(cert).build()) {
            for (String url : engine.urls()) {
                ClientResponse r = client.get(url + "/hi/modules").join();
                System.out.println(url.substring(0, url.indexOf(':')) + " " + r.version() + " " + r.status() + " " + r.text());
            }
        }
    }
}

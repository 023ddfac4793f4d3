/**
 * The outbound client ({@code HttpClient}): HTTP/1.1, h2 and h2c on the engine's shared protocol
 * layer (codec, h2, hpack, net, config), none of the server's packages. TLS comes from the
 * siphon-tls module, found as a {@code TlsProvider} service.
 */
module dev.siphon.http.client {
    requires transitive dev.siphon.http;

    exports dev.siphon.http.client;

    uses dev.siphon.http.net.TlsProvider;
}

package dev.siphon.http.tls;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.TlsProvider;
import dev.siphon.http.net.TransportFactory;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The engine's {@link TlsProvider}, registered in {@code META-INF/services}: TLS through
 * BouncyCastle's JSSE provider, for listeners and for the outbound client. Set-up runs on the
 * starting (or client-building) thread; each connection's transport is made on its loop thread.
 */
public final class BouncyCastleTlsProvider implements TlsProvider {

    @Override
    public TransportFactory listener(ServerConfig server, String key) throws ConfigException {
        TlsContextFactory ctx = TlsContextFactory.create(server.tls(), key);
        long timeout = TimeUnit.MILLISECONDS.toNanos(server.tls().handshakeTimeoutMs());
        return c -> {
            InetSocketAddress peer = c.remoteAddress();
            try {
                return new TlsTransport(sni -> ctx.newEngine(peer.getAddress().getHostAddress(), peer.getPort(), sni),
                        c.channel(), c.loop().pool(), timeout, ctx.mutual());
            } catch (SSLException e) {
                throw new UncheckedIOException("cannot start a TLS handshake with " + peer, e);
            }
        };
    }

    @Override
    public ClientTls client(Path verify, Path cert, Path key, String name) throws ConfigException {
        return ClientTlsContext.create(verify, cert, key, name);
    }
}

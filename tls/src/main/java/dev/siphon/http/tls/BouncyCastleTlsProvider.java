package dev.siphon.http.tls;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.net.TlsProvider;
import dev.siphon.http.net.TransportFactory;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The engine's {@link TlsProvider}, registered in {@code META-INF/services}: TLS through
 * BouncyCastle's JSSE provider. Listener set-up runs on the starting thread; each connection's
 * transport is made on its loop thread.
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
}

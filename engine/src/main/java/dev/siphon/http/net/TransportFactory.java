package dev.siphon.http.net;

/**
 * Makes the {@link Transport} of each connection accepted by one listener. Called on the
 * connection's loop thread, before the connection reads anything.
 */
@FunctionalInterface
public interface TransportFactory {
    Transport create(Connection connection);
}

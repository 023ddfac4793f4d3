package dev.siphon.http.net;

/** Chooses and creates the protocol session of a new connection. Loop thread. */
@FunctionalInterface
public interface SessionFactory {
    Session create(Connection connection);
}

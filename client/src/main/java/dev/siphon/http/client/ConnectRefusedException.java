package dev.siphon.http.client;

/** The origin refused the TCP connection (nothing listens on its port). */
public final class ConnectRefusedException extends ClientException {
    public ConnectRefusedException(String message) {
        super(message, null);
    }

    public ConnectRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.siphon.http.internal;

/**
 * A protocol violation by the peer. The subtype fixes its scope, so the code that catches it
 * cannot forget what to do: {@link RequestError} answers the request with a status and ends the
 * HTTP/1.1 connection; {@link StreamError} resets one HTTP/2 stream; {@link ConnectionError} ends
 * an HTTP/2 connection with GOAWAY.
 *
 * <p>Thrown without a stack trace: these are expected, peer-caused and frequent under attack.
 */
public abstract sealed class ProtocolError extends Exception permits RequestError, StreamError, ConnectionError {
    protected ProtocolError(String message) {
        super(message, null, false, false);
    }
}

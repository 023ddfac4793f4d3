package dev.siphon.http.client;

import java.io.IOException;

/**
 * Why an outbound request failed. Every failure of {@link HttpClient} completes the request's
 * future with exactly one of the subtypes below, and its message names the origin:
 *
 * <table>
 *   <caption>Failure types</caption>
 *   <tr><th>type</th><th>when</th></tr>
 *   <tr><td>{@link ConnectRefusedException}</td><td>the origin refused the TCP connection</td></tr>
 *   <tr><td>{@link ConnectTimeoutException}</td><td>the TCP connection did not open in time</td></tr>
 *   <tr><td>{@link ConnectFailedException}</td><td>any other connect failure: unknown host, unreachable network;
 *       as {@link ProxyConnectException}, a proxy that did not open the tunnel</td></tr>
 *   <tr><td>{@link RequestTimeoutException}</td><td>no complete response within {@code timeout_ms}</td></tr>
 *   <tr><td>{@link PoolTimeoutException}</td><td>every pooled connection stayed busy for the pool wait timeout</td></tr>
 *   <tr><td>{@link PoolExhaustedException}</td><td>every pooled connection busy and the wait queue full</td></tr>
 *   <tr><td>{@link MalformedResponseException}</td><td>the origin's response broke HTTP/1.1 or HTTP/2 framing</td></tr>
 *   <tr><td>{@link ResponseTooLargeException}</td><td>the response head or body passed its configured cap</td></tr>
 *   <tr><td>{@link ConnectionClosedException}</td><td>the connection ended before the response was complete
 *       (or the stream was reset, or the client was closed)</td></tr>
 *   <tr><td>{@link TlsException}</td><td>an https:// request that cannot be made: a TLS failure</td></tr>
 *   <tr><td>{@link OriginNotAllowedException}</td><td>the URL names another origin than the base URL's, which
 *       the client does not allow: nothing was sent</td></tr>
 *   <tr><td>{@link TooManyRedirectsException}</td><td>more than {@link HttpClient#MAX_REDIRECTS} redirects in a
 *       row</td></tr>
 *   <tr><td>{@link RequestBodyException}</td><td>a streamed request body failed (its producer failed) or did not
 *       match the content-length given: the request was cut off</td></tr>
 *   <tr><td>{@link HttpStatusException}</td><td>only from {@link ClientResponse#raiseForStatus()}: a 4xx or 5xx</td></tr>
 * </table>
 *
 * <p>Thrown without a stack trace: they are created on the client's I/O loop, whose frames say
 * nothing about the caller. Immutable; safe to share across threads.
 */
public abstract sealed class ClientException extends IOException
        permits ConnectRefusedException, ConnectTimeoutException, ConnectFailedException, RequestTimeoutException,
        PoolTimeoutException, PoolExhaustedException, MalformedResponseException, ResponseTooLargeException,
        ConnectionClosedException, TlsException, OriginNotAllowedException, TooManyRedirectsException,
        HttpStatusException, RequestBodyException {

    protected ClientException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

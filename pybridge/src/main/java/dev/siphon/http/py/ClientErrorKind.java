package dev.siphon.http.py;

import dev.siphon.http.client.ClientException;
import dev.siphon.http.client.ConnectFailedException;
import dev.siphon.http.client.ConnectRefusedException;
import dev.siphon.http.client.ConnectTimeoutException;
import dev.siphon.http.client.ConnectionClosedException;
import dev.siphon.http.client.MalformedResponseException;
import dev.siphon.http.client.OriginNotAllowedException;
import dev.siphon.http.client.PoolExhaustedException;
import dev.siphon.http.client.PoolTimeoutException;
import dev.siphon.http.client.ProxyConnectException;
import dev.siphon.http.client.RequestTimeoutException;
import dev.siphon.http.client.ResponseTooLargeException;
import dev.siphon.http.client.TlsException;
import dev.siphon.http.client.TooManyRedirectsException;
import dev.siphon.http.client.RequestBodyException;
import java.util.Locale;

/**
 * How an outbound call of a script ({@code http.Client}) failed, as Python hears it: the worker
 * hands Python the kind's {@link #wire} name, and {@code siphon/http.py} maps it to the error it
 * raises ({@code _ERROR_KINDS}). This enum is the Java side's one list of kinds, the dict the
 * Python side's; {@code ClientScriptTest} checks that they name the same kinds and that every
 * failure the client can complete a send with has a kind of its own. The wire carries these
 * names, never a Java class name, so renaming an exception does not change what Python sees.
 *
 * <p>Immutable; any thread.
 */
enum ClientErrorKind {
    CONNECT_REFUSED(ConnectRefusedException.class),
    CONNECT_FAILED(ConnectFailedException.class),
    /** The proxy did not open the CONNECT tunnel (a ConnectError in Python, as reqwest's is a connect error). */
    PROXY_CONNECT(ProxyConnectException.class),
    CONNECT_TIMEOUT(ConnectTimeoutException.class),
    REQUEST_TIMEOUT(RequestTimeoutException.class),
    POOL_TIMEOUT(PoolTimeoutException.class),
    POOL_EXHAUSTED(PoolExhaustedException.class),
    TLS(TlsException.class),
    MALFORMED_RESPONSE(MalformedResponseException.class),
    CONNECTION_CLOSED(ConnectionClosedException.class),
    RESPONSE_TOO_LARGE(ResponseTooLargeException.class),
    ORIGIN_NOT_ALLOWED(OriginNotAllowedException.class),
    TOO_MANY_REDIRECTS(TooManyRedirectsException.class),
    /** A streamed request body failed (its iterator raised) or did not match its content-length. */
    REQUEST_BODY(RequestBodyException.class),
    /**
     * Anything else: a failure that is no {@link ClientException} (a bug of the client), or
     * {@link dev.siphon.http.client.HttpStatusException}, which only {@code raiseForStatus} throws.
     */
    CLIENT_ERROR(null);

    private static final ClientErrorKind[] ALL = values();

    /** The name Python knows the kind by: the constant's name in lower case ({@code "connect_refused"}). */
    final String wire = name().toLowerCase(Locale.ROOT);
    /** The client's failure of this kind; null for {@link #CLIENT_ERROR}. */
    final Class<? extends ClientException> type;

    ClientErrorKind(Class<? extends ClientException> type) {
        this.type = type;
    }

    /** The kind of {@code failure}, the cause a send's future completed with. */
    static ClientErrorKind of(Throwable failure) {
        if (failure instanceof HarnessOutbound.CannedFailure canned) {
            return canned.kind;
        }
        Class<?> c = failure.getClass();
        for (ClientErrorKind k : ALL) {
            if (k.type == c) {
                return k;
            }
        }
        return CLIENT_ERROR;
    }
}

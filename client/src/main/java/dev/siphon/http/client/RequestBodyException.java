package dev.siphon.http.client;

/**
 * A streamed request body ({@link HttpClient#sendStream}, {@link HttpClient#sendStreaming}) could
 * not be sent whole: its producer failed ({@link dev.siphon.http.BodyStream#fail}; the cause is
 * the producer's), or it ended short of, or ran past, the content-length the caller gave. What
 * was sent is cut off: HTTP/1.1 closes the connection (a chunked body gets no last chunk), HTTP/2
 * resets the stream (RST_STREAM CANCEL), so the origin never takes it for a whole body.
 */
public final class RequestBodyException extends ClientException {
    public RequestBodyException(String message, Throwable cause) {
        super(message, cause);
    }
}

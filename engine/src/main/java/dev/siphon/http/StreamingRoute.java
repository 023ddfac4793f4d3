package dev.siphon.http;

import java.util.Objects;

/**
 * A route whose request body streams: registered like any {@link AsyncHandler} ({@code
 * HttpEngine.Builder.routeAsync(methods, pattern, new StreamingRoute(handler, cap))}), its
 * handler is called as soon as the request's head is read, with the body arriving through {@link
 * Request#bodyStream()}. The listener's {@code max_body_bytes} does not apply: {@code
 * maxBodyBytes} does ({@link #UNLIMITED} for none; a longer body fails the stream and answers
 * 413). The memory a request holds is the stream's window however large its body is.
 *
 * @param handler      the route's handler
 * @param maxBodyBytes the longest body accepted, or {@link #UNLIMITED}
 * @param window       octets of body buffered before the connection stops reading ({@link BodyStream#DEFAULT_WINDOW})
 */
public record StreamingRoute(AsyncHandler handler, long maxBodyBytes, int window) implements AsyncHandler {
    /** {@link #maxBodyBytes}: no cap. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    public StreamingRoute {
        Objects.requireNonNull(handler, "handler");
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 0, was " + maxBodyBytes);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, was " + window);
        }
    }

    public StreamingRoute(AsyncHandler handler, long maxBodyBytes) {
        this(handler, maxBodyBytes, BodyStream.DEFAULT_WINDOW);
    }

    @Override
    public void handle(Request request, Responder responder) throws Exception {
        handler.handle(request, responder);
    }
}

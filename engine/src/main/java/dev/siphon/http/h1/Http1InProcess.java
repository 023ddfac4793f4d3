package dev.siphon.http.h1;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.BodyStream;
import dev.siphon.http.StreamingRoute;
import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TrustedProxies;
import dev.siphon.http.dispatch.Dispatcher;
import dev.siphon.http.dispatch.Exchange;
import dev.siphon.http.dispatch.RequestIds;
import dev.siphon.http.dispatch.Responses;
import dev.siphon.http.internal.RequestError;
import dev.siphon.http.net.EventLoop;
import dev.siphon.http.net.OutboundQueue;
import dev.siphon.http.router.RouteMatch;
import dev.siphon.http.router.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 exchanges without a socket: a request given as the bytes a client would send is read
 * by the same head parser, under the same limits, routed by the same router and answered through
 * the same {@link Exchange} (request deadline and cancellation included) as on a connection; the
 * answer is the bytes {@link Http1Encoder} would write. One request per call, each on a fresh
 * "connection" (no pipelining, no keep-alive to keep). For test harnesses: scripts' and Java
 * handlers' tests that must see the engine's own answers (404, 405 with {@code allow}, 413, 431,
 * HEAD, the request id) without binding a port.
 *
 * <p>What a connection does and this does not: the body budget shared by connections
 * ({@code max_buffered_body_bytes}), request metrics and the access log, chunked request bodies
 * (refused with 411 here: send a {@code content-length}), 100-continue and timeouts on reading.
 * One loop thread runs every exchange; handlers that answer later do so from their own threads.
 *
 * <p>A streaming route gets the whole body as a stream that has all of it already. A streaming
 * response is read whole by {@link #exchange} (one that fails, or whose length is not its
 * {@code content-length}, fails the exchange with {@link HttpEngine.InProcess.BodyCutException});
 * {@link #open} answers at its head and leaves the body to the caller. For HEAD and bodyless
 * statuses its head is written as a connection writes it: the declared length, else chunked.
 */
public final class Http1InProcess implements Exchange.Sink, HttpEngine.InProcess {
    private final ServerConfig server;
    private final Dispatcher dispatcher;
    private final TrustedProxies trustedProxies;
    private final EventLoop loop;
    private final Http1HeadParser parser;
    private final Thread thread;
    private final IdentityHashMap<Exchange, Pending> pending = new IdentityHashMap<>(); // loop thread only

    public Http1InProcess(ServerConfig server, EngineSettings settings, Router<AsyncHandler> routes,
                          FatalErrorHandler loopFailed) {
        this.server = server;
        this.dispatcher = new Dispatcher(routes);
        this.trustedProxies = TrustedProxies.of(server.trustedProxies());
        this.loop = new EventLoop(0, settings.bufferSize(), loopFailed);
        this.parser = new Http1HeadParser(settings.maxHeaderBytes(), settings.maxHeaderCount());
        this.thread = Thread.ofPlatform().name("siphon-inprocess-loop").daemon(true).start(loop);
    }

    /** What the request's exchange needs until its answer is encoded. */
    private static final class Pending {
        /** {@link #open}: a streaming response's head is the answer, its body is read by the caller. */
        final boolean open;
        final CompletableFuture<Streamed> answer = new CompletableFuture<>();

        Pending(boolean open) {
            this.open = open;
        }
    }

    /**
     * Serves one request.
     *
     * @param request the request head and its body, as a client writes them
     * @param remote  the client's address ({@code req.client})
     * @param tls     the TLS the request would have come over, or null for cleartext
     * @return the response's bytes, head and body (none for HEAD), as written to a connection
     */
    @Override
    public CompletableFuture<byte[]> exchange(byte[] request, InetSocketAddress remote, TlsInfo tls) {
        return start(request, remote, tls, false).thenApply(Streamed::head);
    }

    /**
     * As {@link #exchange}, but a streaming response completes at its head (framed as on a
     * connection: its {@code content-length}, else chunked) and its body is left to the caller.
     */
    @Override
    public CompletableFuture<Streamed> open(byte[] request, InetSocketAddress remote, TlsInfo tls) {
        return start(request, remote, tls, true);
    }

    private CompletableFuture<Streamed> start(byte[] request, InetSocketAddress remote, TlsInfo tls, boolean open) {
        Pending p = new Pending(open);
        loop.submit(() -> {
            try {
                serve(request, remote, tls, p);
            } catch (RuntimeException e) {
                p.answer.completeExceptionally(e);
            }
        });
        return p.answer;
    }

    private void serve(byte[] raw, InetSocketAddress remote, TlsInfo tls, Pending p) {
        RequestHead head = new RequestHead();
        long now = System.nanoTime();
        int n;
        try {
            n = parser.parse(raw, 0, raw.length, head);
            if (n == 0) {
                throw new RequestError(400, "incomplete request head");
            }
            if (head.chunked) {
                throw new RequestError(411, "send the body with a content-length");
            }
            long cap = server.maxBodyBytes();
            RouteMatch<AsyncHandler> early = dispatcher.match(head.method, head.path);
            if (early instanceof RouteMatch.Found<AsyncHandler> f && f.handler() instanceof StreamingRoute sr) {
                cap = sr.maxBodyBytes();
            }
            if (head.contentLength > cap) {
                throw new RequestError(413, "Content-Length exceeds max_body_bytes");
            }
            long declared = Math.max(0, head.contentLength); // -1: no content-length
            if (raw.length - n != declared) {
                throw new RequestError(400, "the body is " + (raw.length - n) + " bytes, content-length says "
                        + declared);
            }
        } catch (RequestError e) {
            Exchange ex = new Exchange(loop, this, Long.MAX_VALUE);
            ex.closeAfter = true;
            ex.requestId = RequestIds.next();
            attach(ex, p);
            ex.send(e.status() == 503 ? Responses.overloaded() : Responses.error(e.status()));
            return;
        }
        byte[] body = n == raw.length ? new byte[0] : Arrays.copyOfRange(raw, n, raw.length);
        long deadline = now + TimeUnit.MILLISECONDS.toNanos(server.requestTimeoutMs());
        Exchange ex = new Exchange(loop, this, deadline);
        ex.head = "HEAD".equals(head.method);
        ex.method = head.method;
        ex.startNanos = now;
        ex.bodyBytesIn = body.length;
        ex.requestId = RequestIds.of(head.headers.get(RequestIds.FIELD));
        ex.path = head.path;
        ex.version = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
        attach(ex, p);
        RouteMatch<AsyncHandler> m = dispatcher.match(head.method, head.path);
        if (m instanceof RouteMatch.Found<AsyncHandler> found) {
            // a streaming route gets its body as a stream that has all of it already
            Request request = found.handler() instanceof StreamingRoute && body.length > 0
                    ? Request.streaming(head.method, head.path, head.query, ex.version, tls == null ? "http" : "https",
                            head.headers, BodyStream.of(body), remote, trustedProxies, found.pattern(), found.params(),
                            tls, ex.requestId)
                    : new Request(head.method, head.path, head.query, ex.version,
                    tls == null ? "http" : "https", head.headers, body, remote, trustedProxies, found.pattern(),
                    found.params(), tls, ex.requestId);
            ex.route = found.pattern();
            ex.request(request);
            later(ex);
            Dispatcher.invoke(found.handler(), ex);
        } else if (dispatcher.toUnmatched(m)) {
            ex.request(Request.unmatched(head.method, head.path, head.query, ex.version, tls == null ? "http" : "https",
                    head.headers, remote, trustedProxies, tls, ex.requestId, Dispatcher.answerFor(m)));
            later(ex);
            dispatcher.invokeUnmatched(ex);
        } else {
            ex.send(Dispatcher.answerFor(m));
        }
    }

    private void attach(Exchange ex, Pending p) {
        pending.put(ex, p);
    }

    /** At the request's deadline: 504, and its handler is cancelled, as on a connection. */
    private void later(Exchange ex) {
        Executor at = CompletableFuture.delayedExecutor(server.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        at.execute(() -> loop.submit(() -> {
            if (ex.cancel()) {
                complete(ex, Responses.error(504));
            }
        }));
    }

    @Override
    public void complete(Exchange ex, Response response) {
        if (response.bodyStream() != null) {
            // a streaming response is read whole here (the harness answers with whole messages); a
            // producer that fails answers as a cut connection would: the exchange fails
            BodyStream stream = response.bodyStream();
            long declared;
            try {
                declared = Http1Encoder.declaredLength(response);
            } catch (Http1Encoder.InvalidHeaderException bad) {
                stream.cancel(new BodyStream.CancelledException("the response's head is invalid"));
                ex.fail(bad); // already answered: this only logs
                complete(ex, Responses.error(500));
                return;
            }
            boolean bodyless = ex.head || dev.siphon.http.internal.Status.bodyless(response.status());
            if (bodyless || (pending.get(ex) != null && pending.get(ex).open)) {
                // the head as a connection writes it: the declared length (HEAD too), else chunked
                if (bodyless) {
                    stream.cancel(new BodyStream.CancelledException("the response takes no body"));
                }
                Pending p = pending.remove(ex);
                if (p == null) {
                    if (!bodyless) {
                        stream.cancel(new BodyStream.CancelledException("nobody reads the response"));
                    }
                    return;
                }
                OutboundQueue out = new OutboundQueue(loop.pool());
                Bytes sink = new Bytes();
                try {
                    Http1Encoder.encodeHead(response, declared >= 0 ? declared : Http1Encoder.CHUNKED, ex.closeAfter,
                            false, ex.requestId, out);
                    out.flush(sink);
                    p.answer.complete(new Streamed(sink.bytes.toByteArray(), bodyless ? null : stream));
                } catch (IOException | Http1Encoder.InvalidHeaderException e) {
                    stream.cancel(new BodyStream.CancelledException("the response's head is invalid"));
                    p.answer.completeExceptionally(e);
                } finally {
                    out.discard();
                }
                return;
            }
            stream.readAll(Integer.MAX_VALUE - 16).whenComplete((bytes, failed) -> loop.submit(() -> {
                Throwable cut = failed != null || declared < 0 || bytes.length == declared ? failed
                        : new IOException("the streaming response's body is " + bytes.length
                                + " bytes, its content-length says " + declared);
                if (cut != null) {
                    Pending p = pending.remove(ex);
                    if (p != null) {
                        p.answer.completeExceptionally(new BodyCutException(cut));
                    }
                    return;
                }
                Response whole = new Response(response.status(), response.headers(), bytes);
                whole.headers().remove("content-length");
                complete(ex, whole);
            }));
            return;
        }
        Pending p = pending.remove(ex);
        if (p == null) {
            return;
        }
        OutboundQueue out = new OutboundQueue(loop.pool());
        Bytes sink = new Bytes();
        try {
            try {
                Http1Encoder.encode(response, ex.head, ex.closeAfter, false, ex.requestId, out);
            } catch (Http1Encoder.InvalidHeaderException bad) {
                ex.fail(bad); // already answered: this only logs
                out.discard();
                out = new OutboundQueue(loop.pool());
                Http1Encoder.encode(Responses.error(500), ex.head, ex.closeAfter, false, ex.requestId, out);
            }
            out.flush(sink);
            p.answer.complete(new Streamed(sink.bytes.toByteArray(), null));
        } catch (IOException | Http1Encoder.InvalidHeaderException e) {
            p.answer.completeExceptionally(e);
        } finally {
            out.discard();
        }
    }

    /** Stops the loop; exchanges still waiting for a handler never complete. */
    @Override
    public void close() {
        loop.shutdown(0);
        try {
            loop.awaitStopped(5, TimeUnit.SECONDS);
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Collects what {@link OutboundQueue#flush} writes. */
    private static final class Bytes implements GatheringByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (src.hasArray()) {
                bytes.write(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.limit());
            } else {
                byte[] a = new byte[n];
                src.get(a);
                bytes.write(a, 0, n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}

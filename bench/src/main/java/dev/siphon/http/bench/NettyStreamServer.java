package dev.siphon.http.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The Netty peer of {@code bench/stream-transfer.py}: the routes of {@code bench/python/stream.py}
 * with Netty 4.2's streaming API, over HTTP/1.1 and cleartext HTTP/2 with prior knowledge on the
 * same port (the connection preface tells them apart).
 *
 * <ul>
 *   <li>{@code POST|PUT /upload}: the body is never aggregated (no {@code HttpObjectAggregator});
 *       each {@link HttpContent} piece is counted and released as it arrives, and the answer is
 *       {@code "<bytes> <pieces>\n"}.</li>
 *   <li>{@code GET /download/{n}}: {@code n} zero bytes with a {@code Content-Length}, written by a
 *       {@link ChunkedWriteHandler} from a {@link ChunkedInput} that hands out one preallocated
 *       256 KiB buffer again and again (a slice of it, no copy), as the Python route yields one
 *       preallocated {@code bytes}. The chunked writer pulls the next piece only while the channel
 *       is writable: the socket's send buffer on HTTP/1.1, the stream's flow-control window
 *       on HTTP/2.</li>
 * </ul>
 *
 * <p>HTTP/2 runs through Netty's {@link Http2FrameCodecBuilder frame codec} and
 * {@link Http2MultiplexHandler} (a child channel per stream, which returns WINDOW_UPDATEs as its
 * frames are read), with {@link Http2StreamFrameToHttpObjectCodec} so that the same HTTP/1-style
 * handler serves both protocols. Transport as in {@link NettyHelloServer}: epoll when it loads, one
 * event loop, pooled allocator, TCP_NODELAY. HTTP/2 settings are Netty's defaults: a 65,535-octet
 * initial stream window, as this engine's default {@code initial_window_size}.
 *
 * <p>Usage: {@code NettyStreamServer [HOST:]PORT} (default 127.0.0.1:8083). Prints
 * {@code listening on http://HOST:PORT} once bound.
 */
public final class NettyStreamServer {

    static final int CHUNK = 256 * 1024;
    private static final String DOWNLOAD = "/download/";
    private static final byte[] H2_PREFACE_START = "PRI * HTTP/2.0".getBytes(StandardCharsets.US_ASCII);

    private NettyStreamServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 1) {
            System.err.println("usage: NettyStreamServer [HOST:]PORT");
            System.exit(2);
        }
        InetSocketAddress address = NettyHelloServer.parseAddress(args.length == 1 ? args[0] : "127.0.0.1:8083");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        // one direct buffer of zeros for every download, never written to: slices of it go out
        ByteBuf zeros = Unpooled.unreleasableBuffer(Unpooled.directBuffer(CHUNK, CHUNK).writeZero(CHUNK));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, io);
        try {
            Channel server = new ServerBootstrap()
                    .group(loop)
                    .channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ProtocolSniffer(zeros));
                        }
                    })
                    .bind(address)
                    .sync()
                    .channel();
            InetSocketAddress bound = (InetSocketAddress) server.localAddress();
            System.out.println("transport: " + (epoll ? "epoll" : "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")"));
            System.out.println("listening on http://" + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(
                    () -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
            server.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }

    /**
     * Picks the pipeline from the first octets: the HTTP/2 connection preface ("PRI * HTTP/2.0")
     * means h2c with prior knowledge, anything else HTTP/1.1. Runs on the connection's event loop
     * and leaves the pipeline once it has decided.
     */
    static final class ProtocolSniffer extends ChannelInboundHandlerAdapter {
        private final ByteBuf zeros;
        private ByteBuf seen;

        ProtocolSniffer(ByteBuf zeros) {
            this.zeros = zeros;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            seen = seen == null ? in : ctx.alloc().compositeBuffer().addComponents(true, seen, in);
            int n = Math.min(seen.readableBytes(), H2_PREFACE_START.length);
            for (int i = 0; i < n; i++) {
                if (seen.getByte(seen.readerIndex() + i) != H2_PREFACE_START[i]) {
                    configure(ctx, false);
                    return;
                }
            }
            if (n == H2_PREFACE_START.length) {
                configure(ctx, true);
            }
        }

        private void configure(ChannelHandlerContext ctx, boolean h2) {
            ChannelPipeline p = ctx.pipeline();
            if (h2) {
                p.addLast(Http2FrameCodecBuilder.forServer().build(),
                        new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                        new ChunkedWriteHandler(), new StreamHandler(zeros));
                            }
                        }));
            } else {
                p.addLast(new HttpServerCodec(), new ChunkedWriteHandler(), new StreamHandler(zeros));
            }
            ByteBuf first = seen;
            seen = null; // handed on below, not released when this handler leaves the pipeline
            p.remove(this);
            ctx.fireChannelRead(first);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (seen != null) {
                seen.release();
                seen = null;
            }
        }
    }

    /**
     * One request at a time on an HTTP/1.1 connection or an HTTP/2 stream's child channel. Runs
     * on the connection's event loop.
     */
    static final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final ByteBuf zeros;
        private boolean uploading;
        private boolean keepAlive;
        private HttpVersion version;
        private long bytes;
        private long pieces;

        StreamHandler(ByteBuf zeros) {
            this.zeros = zeros;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    head(ctx, request);
                }
                if (msg instanceof HttpContent content && uploading) {
                    int n = content.content().readableBytes();
                    if (n > 0) {
                        bytes += n;
                        pieces++;
                    }
                    if (content instanceof LastHttpContent) {
                        uploading = false;
                        respond(ctx, HttpResponseStatus.OK, bytes + " " + pieces + "\n");
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void head(ChannelHandlerContext ctx, HttpRequest request) {
            version = request.protocolVersion();
            keepAlive = HttpUtil.isKeepAlive(request);
            String uri = request.uri();
            HttpMethod method = request.method();
            if (request.decoderResult().isFailure()) {
                keepAlive = false;
                respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n");
            } else if (uri.equals("/upload") && (method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT))) {
                uploading = true;
                bytes = 0;
                pieces = 0;
            } else if (uri.startsWith(DOWNLOAD) && method.equals(HttpMethod.GET)) {
                long n;
                try {
                    n = Long.parseLong(uri.substring(DOWNLOAD.length()));
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 0) {
                    respond(ctx, HttpResponseStatus.NOT_FOUND, "not found\n");
                    return;
                }
                HttpResponse response = new DefaultHttpResponse(version, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                        .set(HttpHeaderNames.CONTENT_LENGTH, n);
                ctx.write(response, ctx.voidPromise());
                ctx.writeAndFlush(new HttpChunkedInput(new Zeros(zeros, n))).addListener(f -> {
                    if (!f.isSuccess() || !keepAlive) {
                        ctx.close();
                    }
                });
            } else {
                respond(ctx, HttpResponseStatus.NOT_FOUND, "not found\n");
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
            ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), text);
            FullHttpResponse response = new DefaultFullHttpResponse(version, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            ctx.writeAndFlush(response).addListener(f -> {
                if (!f.isSuccess() || !keepAlive) {
                    ctx.close();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** {@code length} zero octets as slices of one shared buffer, up to 256 KiB each. */
    static final class Zeros implements ChunkedInput<ByteBuf> {
        private final ByteBuf zeros;
        private final long length;
        private long sent;

        Zeros(ByteBuf zeros, long length) {
            this.zeros = zeros;
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return sent >= length;
        }

        @Override
        public void close() {}

        @Override
        @Deprecated
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (sent >= length) {
                return null;
            }
            int n = (int) Math.min(CHUNK, length - sent);
            sent += n;
            return zeros.slice(0, n); // unreleasable, like its parent: nothing to count
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return sent;
        }
    }
}

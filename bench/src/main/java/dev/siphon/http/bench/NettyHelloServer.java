package dev.siphon.http.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
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
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The peer of the end-to-end comparison: Netty 4.2 serving the same route as the
 * engine's demo, {@code GET /hello/{name}} -> {@code 200 "hi <name>"}, and 404
 * for anything else.
 *
 * <p>Set up the way a Netty user who cares about speed would: the epoll
 * transport when the native library loads (NIO otherwise), one event loop
 * thread (the server is pinned to one core), the pooled allocator, TCP_NODELAY,
 * and responses written per request but flushed once per read batch so
 * pipelined requests share a syscall. Run with
 * {@code --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED}
 * on JDK 24+, or Netty falls back to slower buffer access.
 *
 * <p>Usage: {@code NettyHelloServer [HOST:]PORT [--tls-cert CERT.pem --tls-key KEY.pem]}
 * (default 127.0.0.1:8081). With the TLS options (a PEM chain, leaf first, and its PKCS#8 key)
 * it serves HTTPS through the JDK's own TLS ({@link NettyTls}), offering ALPN "http/1.1" only.
 * Prints {@code listening on http://HOST:PORT} (or {@code https://}) once bound.
 */
public final class NettyHelloServer {

    private static final String PREFIX = "/hello/";
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");

    private NettyHelloServer() {}

    public static void main(String[] args) throws Exception {
        NettyTls.Args a = NettyTls.Args.parse(args, "127.0.0.1:8081",
                "usage: NettyHelloServer [HOST:]PORT [--tls-cert CERT.pem --tls-key KEY.pem]");
        InetSocketAddress address = parseAddress(a.listen());
        SslContext ssl = a.tls() ? NettyTls.serverContext(a.cert(), a.key(), NettyTls.HTTP_1_1) : null;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
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
                            if (ssl != null) {
                                ch.pipeline().addLast(NettyTls.newHandler(ssl, ch.alloc()));
                            }
                            ch.pipeline().addLast(new HttpServerCodec(), new HelloHandler());
                        }
                    })
                    .bind(address)
                    .sync()
                    .channel();
            InetSocketAddress bound = (InetSocketAddress) server.localAddress();
            System.out.println("transport: " + (epoll ? "epoll" : "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")"));
            System.out.println("listening on " + (ssl != null ? "https://" : "http://")
                    + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            // No quiet period: the benchmark script stops the peer between scenarios and on exit.
            Runtime.getRuntime().addShutdownHook(new Thread(
                    () -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
            server.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }

    static InetSocketAddress parseAddress(String arg) {
        int colon = arg.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : arg.substring(0, colon);
        int port = Integer.parseInt(colon < 0 ? arg : arg.substring(colon + 1));
        return new InetSocketAddress(host, port);
    }

    /**
     * The decoded {name} of {@code GET /hello/{name}}, or null when the request is not that route.
     * Shared with {@link NettyH2HelloServer}.
     */
    static String helloName(boolean get, String uri) {
        if (!get || !uri.startsWith(PREFIX)) {
            return null;
        }
        int end = uri.indexOf('?', PREFIX.length());
        if (end < 0) {
            end = uri.length();
        }
        int slash = uri.indexOf('/', PREFIX.length());
        if (end == PREFIX.length() || slash >= 0 && slash < end) {
            return null;
        }
        return QueryStringDecoder.decodeComponent(uri.substring(PREFIX.length(), end));
    }

    /** Runs on the channel's event loop. Answers on the request head; body chunks are dropped. */
    static final class HelloHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    respond(ctx, request);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void respond(ChannelHandlerContext ctx, HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                write(ctx, HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, "bad request", false);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String name = nameOf(request);
            if (name == null) {
                write(ctx, request.protocolVersion(), HttpResponseStatus.NOT_FOUND, "not found", keepAlive);
            } else {
                write(ctx, request.protocolVersion(), HttpResponseStatus.OK, "hi " + name, keepAlive);
            }
        }

        private static String nameOf(HttpRequest request) {
            return helloName(HttpMethod.GET.equals(request.method()), request.uri());
        }

        private static void write(ChannelHandlerContext ctx, HttpVersion version, HttpResponseStatus status,
                                  String text, boolean keepAlive) {
            ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), text);
            FullHttpResponse response = new DefaultFullHttpResponse(version, status, body);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                if (!version.isKeepAliveDefault()) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ctx.write(response, ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

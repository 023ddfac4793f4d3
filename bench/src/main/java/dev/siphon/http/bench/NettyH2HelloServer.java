package dev.siphon.http.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
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
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 peer of the end-to-end comparison: Netty 4.2 serving {@code GET /hello/{name}} ->
 * {@code 200 "hi <name>"} (404 otherwise) over cleartext HTTP/2 with prior knowledge (h2c: the
 * connection starts with the client preface, no upgrade), for {@code h2load}.
 *
 * <p>Set up for speed the way Netty's own HTTP/2 "hello world" example is: one
 * {@link Http2ConnectionHandler} per connection that is also its {@link Http2FrameListener}, so
 * requests are answered from the frame callbacks without a child channel per stream; writes are
 * flushed once per read batch (the handler flushes on read-complete). Same transport settings as
 * {@link NettyHelloServer}: epoll when it loads, one event loop, pooled allocator, TCP_NODELAY.
 * Run with {@code --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED} on
 * JDK 24+.
 *
 * <p>Usage: {@code NettyH2HelloServer [HOST:]PORT [--tls-cert CERT.pem --tls-key KEY.pem]}
 * (default 127.0.0.1:8082). With the TLS options (a PEM chain, leaf first, and its PKCS#8 key) it
 * serves HTTP/2 over TLS through the JDK's own TLS ({@link NettyTls}), ALPN "h2" preferred and
 * "http/1.1" (answered by {@link NettyHelloServer}'s handler) otherwise, as this engine's TLS
 * listeners do. Prints {@code listening on h2c://HOST:PORT} (or {@code https://}) once bound.
 */
public final class NettyH2HelloServer {

    private NettyH2HelloServer() {}

    public static void main(String[] args) throws Exception {
        NettyTls.Args a = NettyTls.Args.parse(args, "127.0.0.1:8082",
                "usage: NettyH2HelloServer [HOST:]PORT [--tls-cert CERT.pem --tls-key KEY.pem]");
        InetSocketAddress address = NettyHelloServer.parseAddress(a.listen());
        SslContext ssl = a.tls() ? NettyTls.serverContext(a.cert(), a.key(), NettyTls.H2, NettyTls.HTTP_1_1) : null;
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
                            if (ssl == null) {
                                ch.pipeline().addLast(new HelloBuilder().create());
                            } else {
                                ch.pipeline().addLast(NettyTls.newHandler(ssl, ch.alloc()), new AlpnHandler());
                            }
                        }
                    })
                    .bind(address)
                    .sync()
                    .channel();
            InetSocketAddress bound = (InetSocketAddress) server.localAddress();
            System.out.println("transport: " + (epoll ? "epoll" : "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")"));
            System.out.println("listening on " + (ssl != null ? "https://" : "h2c://")
                    + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(
                    () -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
            server.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }

    /** Over TLS: the protocol the handshake settled picks the pipeline; no ALPN means HTTP/1.1. */
    static final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
        AlpnHandler() {
            super(NettyTls.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (NettyTls.H2.equals(protocol)) {
                ctx.pipeline().addLast(new HelloBuilder().create());
            } else if (NettyTls.HTTP_1_1.equals(protocol)) {
                ctx.pipeline().addLast(new HttpServerCodec(), new NettyHelloServer.HelloHandler());
            } else {
                throw new IllegalStateException("unexpected ALPN protocol: " + protocol);
            }
        }
    }

    /** Builds one {@link HelloHandler} per connection, wired as its own frame listener. */
    static final class HelloBuilder extends AbstractHttp2ConnectionHandlerBuilder<HelloHandler, HelloBuilder> {
        HelloBuilder() {
            server(true);
        }

        HelloHandler create() {
            return super.build();
        }

        @Override
        protected HelloHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                     Http2Settings initialSettings) {
            HelloHandler handler = new HelloHandler(decoder, encoder, initialSettings);
            frameListener(handler);
            return handler;
        }
    }

    /** Runs on the connection's event loop. Answers at the end of each request; bodies are dropped. */
    static final class HelloHandler extends Http2ConnectionHandler implements Http2FrameListener {

        HelloHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            super(decoder, encoder, settings);
        }

        private void respond(ChannelHandlerContext ctx, int streamId, Http2Headers request) {
            String name = request == null || request.path() == null ? null
                    : NettyHelloServer.helloName(AsciiString.contentEquals("GET", request.method()),
                            request.path().toString());
            HttpResponseStatus status = name == null ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK;
            ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), name == null ? "not found" : "hi " + name);
            Http2Headers headers = new DefaultHttp2Headers()
                    .status(status.codeAsText())
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN) // names are lower case, as h2 needs
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            encoder().writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
            encoder().writeData(ctx, streamId, body, 0, true, ctx.newPromise());
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            if (endOfStream) {
                respond(ctx, streamId, headers);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            if (endOfStream) {
                respond(ctx, streamId, null); // a request with a body is not the hello route
            }
            return data.readableBytes() + padding;
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                                   boolean exclusive) {}

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {}

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) {}

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {}

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {}

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {}

        @Override
        public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
                                      Http2Headers headers, int padding) {}

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {}

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {}

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                                   ByteBuf payload) {}
    }

}

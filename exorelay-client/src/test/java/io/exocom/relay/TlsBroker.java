package io.exocom.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for ExoCom behind TLS, for the relay's TLS tests while the broker has none: a real TLS WebSocket
 * server on a loopback port, with a self-signed certificate made for the test (for the host name "localhost"), that
 * answers every register with registered and remembers the tokens it was given.
 */
final class TlsBroker implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SelfSignedCertificate certificate;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;
    /** The token of every register frame, in order; null where none was given. */
    final List<String> tokens = new CopyOnWriteArrayList<>();

    TlsBroker() throws Exception {
        certificate = new SelfSignedCertificate("localhost");
        SslContext tls = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler("/services"),
                                new Registrar());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The PEM file of the certificate, which is its own CA. */
    Path caFile() {
        return certificate.certificate().toPath();
    }

    /** Closes every open connection as a broker going away does (1001). */
    void goAway() {
        connections.writeAndFlush(new CloseWebSocketFrame(1001, "going away"));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        certificate.delete();
    }

    private final class Registrar extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a relay refusing our certificate ends its handshake: expected here, not worth a log
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) throws Exception {
            JsonNode register = JSON.readTree(frame.text());
            if (!"register".equals(register.path("type").asText())) {
                return;
            }
            tokens.add(register.hasNonNull("token") ? register.get("token").asText() : null);
            ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"registered\",\"service\":"
                    + JSON.writeValueAsString(register.path("service").asText()) + ",\"instance\":"
                    + JSON.writeValueAsString(register.path("instance").asText())
                    + ",\"sends\":[],\"receives\":[],\"protocol\":\"1.1\"}"));
        }
    }
}

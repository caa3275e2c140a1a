package io.exocom.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslHandler;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket connection to ExoCom, on Netty: frames out through its {@link Outbox} (batched, one flush per
 * batch), whole text frames in as UTF-8 bytes to its {@link Listener}, on the relay's event loop. Reports its end
 * exactly once, with ExoCom's close code when there was one.
 */
final class Wire {

    /** Receives what arrives on a wire; called on the event loop, so it must not block. */
    interface Listener {
        void onFrame(Wire wire, byte[] utf8);

        /** @param closeCode the WebSocket close code ExoCom sent, or -1 when the connection just ended */
        void onClosed(Wire wire, String reason, int closeCode);
    }

    /** Where and how to connect. */
    record Endpoint(URI uri, Tls tls, int maxFrameBytes, Duration connectTimeout) {
    }

    private final Listener listener;
    private final long number;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Set once the WebSocket handshake completed: only an open wire reports its end. */
    private volatile boolean handshook;
    private volatile Channel channel;
    private volatile Outbox outbox;
    /** Whether ExoCom said protocol 1.2 or later on this wire: acks then go out batched. */
    private volatile boolean batchesAcks;
    /** When anything (a frame, a ping, a pong) last arrived; see {@link #heartbeat(Duration)}. */
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile int closeCode = -1;
    /** Set once this side sent its close frame: ExoCom's answer to it is not answered again. */
    private volatile boolean closeSent;
    private volatile String closeReason;

    private Wire(Listener listener, long number) {
        this.listener = listener;
        this.number = number;
    }

    /** Opens a wire; the stage completes after the WebSocket handshake and fails when it cannot be made. */
    static CompletableFuture<Wire> open(EventLoopGroup group, Endpoint endpoint, Listener listener, long number) {
        Wire wire = new Wire(listener, number);
        CompletableFuture<Wire> opened = new CompletableFuture<>();
        URI uri = endpoint.uri();
        int port = uri.getPort();
        WebSocketClientProtocolConfig handshake = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(new DefaultHttpHeaders())
                // ExoCom refuses browser origins (EXOCOM_ALLOWED_ORIGINS): a service is no browser, it sends none.
                .generateOriginHeader(false)
                .maxFramePayloadLength(endpoint.maxFrameBytes())
                .handshakeTimeoutMillis(endpoint.connectTimeout().toMillis())
                // Close frames are ours to read: the code tells a broker going away (1001) from one refusing us.
                .handleCloseFrames(false)
                // Valid UTF-8 is checked by the JSON parser that reads every frame anyway.
                .withUTF8Validator(false)
                .build();
        new Bootstrap().group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) endpoint.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        if (endpoint.tls() != null) {
                            pipeline.addLast(new SslHandler(endpoint.tls().newEngine(ch.alloc())));
                        }
                        pipeline.addLast(wire.new Hearing());
                        pipeline.addLast(new HttpClientCodec());
                        pipeline.addLast(new HttpObjectAggregator(64 * 1024));
                        pipeline.addLast(new WebSocketClientProtocolHandler(handshake));
                        pipeline.addLast(new WebSocketFrameAggregator(endpoint.maxFrameBytes()));
                        pipeline.addLast(wire.new Frames(opened));
                    }
                })
                .connect(uri.getHost(), port)
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        opened.completeExceptionally(future.cause());
                    } else {
                        wire.channel = future.channel();
                        wire.outbox = new Outbox(future.channel());
                    }
                });
        return opened;
    }

    /** Which connection attempt of the relay this is, counting from 1; for logs. */
    long number() {
        return number;
    }

    boolean isOpen() {
        return !ended.get();
    }

    /** Queues one text frame for the next batch; dropped when the wire has ended (what matters is sent again). */
    void send(byte[] frame) {
        Outbox out = outbox;
        if (out != null && !ended.get()) {
            out.add(frame);
        }
    }

    /** From {@code registered}: whether ExoCom reads batched acks (protocol 1.2) on this wire. */
    void batchAcks(boolean batched) {
        batchesAcks = batched;
    }

    /** Acks {@code id}: batched with the others of this batch when ExoCom speaks 1.2, else as its own frame. */
    void ack(String id, byte[] single) {
        Outbox out = outbox;
        if (out != null && !ended.get()) {
            if (batchesAcks) {
                out.addAck(id);
            } else {
                out.add(single);
            }
        }
    }

    /** Closes normally after everything queued so far was written; aborts if that takes longer than {@code wait}. */
    CompletableFuture<Void> close(Duration wait) {
        Channel ch = channel;
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (ch == null || ended.get()) {
            done.complete(null);
            return done;
        }
        ch.closeFuture().addListener(ignored -> done.complete(null));
        ch.eventLoop().execute(() -> {
            outbox.drain();
            closeSent = true;
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "relay closing"));
        });
        ch.eventLoop().schedule(() -> abort("relay closed"), wait.toMillis(), TimeUnit.MILLISECONDS);
        return done.whenComplete((ignored, error) -> end("relay closed", -1));
    }

    /**
     * Sends a ping, or drops the connection when nothing arrived for {@code silenceLimit}: a peer that vanished
     * without closing TCP (a dead host, a cut network path) is otherwise never noticed.
     */
    void heartbeat(Duration silenceLimit) {
        Channel ch = channel;
        if (ch == null || ended.get()) {
            return;
        }
        long silentNanos = System.nanoTime() - lastHeardNanos;
        if (silentNanos > silenceLimit.toNanos()) {
            abort("ExoCom did not answer for " + Duration.ofNanos(silentNanos).toMillis() + " ms");
            return;
        }
        ch.writeAndFlush(new PingWebSocketFrame());
    }

    /** Drops the connection at once. */
    void abort(String reason) {
        end(reason, -1);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void end(String reason, int code) {
        if (ended.compareAndSet(false, true) && handshook) {
            listener.onClosed(this, reason, code);
        }
    }

    /** Notes that something arrived, whatever it is: pings and pongs never reach the frame handler. */
    private final class Hearing extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastHeardNanos = System.nanoTime();
            ctx.fireChannelRead(msg);
        }
    }

    /** The frames of an open WebSocket, and the end of the connection. */
    private final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final CompletableFuture<Wire> opened;

        Frames(CompletableFuture<Wire> opened) {
            this.opened = opened;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                lastHeardNanos = System.nanoTime();
                handshook = true;
                if (channel == null) { // the connect listener may not have run yet
                    channel = ctx.channel();
                    outbox = new Outbox(ctx.channel());
                }
                opened.complete(Wire.this);
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame) {
                listener.onFrame(Wire.this, ByteBufUtil.getBytes(frame.content()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                closeReason = close.reasonText();
                // Answer the close (unless it answers ours), then let the connection end; the code goes with the
                // report below.
                if (closeSent) {
                    ctx.close();
                } else {
                    closeSent = true;
                    ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), null))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            opened.completeExceptionally(new java.io.IOException("the connection closed before the WebSocket "
                    + "handshake completed"));
            int code = closeCode;
            if (code >= 0) {
                String why = closeReason;
                end("ExoCom closed the connection (" + code + (why == null || why.isEmpty() ? "" : " " + why) + ")", code);
            } else {
                end("the connection to ExoCom was lost", -1);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!opened.completeExceptionally(cause)) {
                end("the connection to ExoCom failed: " + cause, -1);
            }
            ctx.close();
        }
    }
}

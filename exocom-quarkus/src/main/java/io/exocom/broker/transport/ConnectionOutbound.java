package io.exocom.broker.transport;

import io.exocom.broker.core.Outbound;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes frames to one WebSocket connection without blocking the caller, in the order they were given.
 * <p>
 * Frames are queued and written by one task on the connection's event loop, which writes everything queued by
 * then and flushes once. Under load the broker hands a connection many frames between two runs of that task
 * (deliveries from other connections' event loops, acceptances of a batch of sends), so they leave in one system
 * call instead of one each; when idle, a frame leaves at once. A close goes through the same queue, so it
 * follows the frames given before it (the error frame of a refused registration, for instance).
 * <p>
 * Writes go to the Netty channel below Vert.x (reached through Vert.x's internal {@code ConnectionBase}) because
 * Vert.x's own write flushes each frame separately when called outside a read.
 */
final class ConnectionOutbound implements Outbound {
    private static final Logger LOG = Logger.getLogger(ConnectionOutbound.class);
    private static final Object PING = new Object();

    private final ServerWebSocket socket;
    private final ChannelHandlerContext channel;
    private final String connectionId;
    private final Queue<Object> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final Runnable writeQueued = this::writeQueued;

    ConnectionOutbound(ServerWebSocket socket, ChannelHandlerContext channel, String connectionId) {
        this.socket = socket;
        this.channel = channel;
        this.connectionId = connectionId;
    }

    @Override
    public void send(String frame) {
        enqueue(frame);
    }

    @Override
    public void close(int code, String reason) {
        enqueue(new Close((short) code, reason));
    }

    void ping() {
        enqueue(PING);
    }

    private void enqueue(Object item) {
        queued.add(item);
        if (writeScheduled.compareAndSet(false, true)) {
            try {
                channel.executor().execute(writeQueued);
            } catch (RejectedExecutionException stopping) {
                // the event loop is shutting down with the broker: the caller (often holding a service's lock)
                // must not fail for it; whatever was in flight is redelivered by the relay's next broker
                LOG.debugf("connection %s: event loop stopped, %d frame(s) not written", connectionId, queued.size());
                queued.clear();
            }
        }
    }

    /** Runs on the connection's event loop. */
    private void writeQueued() {
        writeScheduled.set(false); // before polling: an item added from now on schedules another run
        boolean written = false;
        Object item;
        while ((item = queued.poll()) != null) {
            if (socket.isClosed()) {
                LOG.debugf("connection %s is closed: %d frame(s) not written", connectionId, queued.size() + 1);
                queued.clear();
                return;
            }
            if (item instanceof String text) {
                // String.getBytes copies an ASCII string in bulk; Netty's writeUtf8 goes char by char
                channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))),
                        channel.voidPromise());
                written = true;
            } else if (item == PING) {
                socket.writePing(Buffer.buffer());
            } else if (item instanceof Close close) {
                if (written) {
                    channel.flush();
                    written = false;
                }
                socket.close(close.code(), close.reason());
            }
        }
        if (written) {
            channel.flush();
        }
    }

    private record Close(short code, String reason) {
    }
}

package io.exocom.broker.transport;

import io.exocom.broker.core.Outbound;
import io.exocom.broker.wire.Frames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.jboss.logging.Logger;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes frames to one WebSocket connection without blocking the caller, in the order they were given, and bounds
 * what may wait to be written.
 * <p>
 * Frames are queued and written by one task on the connection's event loop, which writes everything queued by
 * then and flushes once. Under load the broker hands a connection many frames between two runs of that task
 * (deliveries from other connections' event loops, acceptances of a batch of sends), so they leave in one system
 * call instead of one each; when idle, a frame leaves at once. A close goes through the same queue, so it
 * follows the frames given before it (the error frame of a refused registration, for instance).
 * <p>
 * What waits (in this queue and in Netty's buffer of unwritten bytes) is bounded twice. Past a high-water mark (a
 * quarter of the bound) the connection is <em>backed up</em>: the broker gives it no more deliveries, which wait in
 * their queue, until it has drained below half that mark; so a burst (a reconnecting instance taking its whole
 * prefetch of large messages) is paced by the socket instead of piling up here. A connection that stays backed up
 * without draining for two ping intervals, or whose bytes pass the bound itself (answers to its sends, which
 * nothing paces), is a slow consumer: nothing more is queued, it is closed with 4429, and what it held
 * unacknowledged is delivered again (by the session's close).
 * <p>
 * Writes go to the Netty channel below Vert.x (reached through Vert.x's internal {@code ConnectionBase}) because
 * Vert.x's own write flushes each frame separately when called outside a read.
 */
final class ConnectionOutbound implements Outbound {
    private static final Logger LOG = Logger.getLogger(ConnectionOutbound.class);
    private static final Object PING = new Object();
    /** What a deliver frame adds to its envelope, near enough for the bound. */
    private static final int DELIVER_FRAME_BYTES = 48;

    /** Told once when a connection turns out to be a slow consumer. */
    interface SlowConsumerListener {
        void slowConsumer(ConnectionOutbound connection, long pendingBytes);
    }

    private final ServerWebSocket socket;
    private final ChannelHandlerContext channel;
    private final String connectionId;
    private final long maxPendingBytes;
    private final SlowConsumerListener onSlow;
    private final Queue<Object> queued = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final AtomicBoolean slow = new AtomicBoolean();
    private final Runnable writeQueued = this::writeQueued;
    private final long highWater;
    private final long lowWater;
    private final AtomicBoolean toldBackedUp = new AtomicBoolean();
    /**
     * How often this connection drained from backed up (its socket took the bytes below the low-water mark): a
     * reader that keeps reading drains again and again, even when the broker refills it each time.
     */
    private final AtomicLong drains = new AtomicLong();
    private volatile Runnable onDrained = () -> { };
    private long stalledSinceNanos;
    private long pendingAtLastCheck;
    private long drainsAtLastCheck;

    ConnectionOutbound(ServerWebSocket socket, ChannelHandlerContext channel, String connectionId, long maxPendingBytes,
                       SlowConsumerListener onSlow) {
        this.socket = socket;
        this.channel = channel;
        this.connectionId = connectionId;
        this.maxPendingBytes = maxPendingBytes;
        this.onSlow = onSlow;
        this.highWater = Math.max(64 * 1024, maxPendingBytes / 4);
        this.lowWater = highWater / 2;
        // Netty then says "not writable" at the same mark, and Vert.x calls the drain handler when it is again.
        channel.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark((int) Math.min(lowWater,
                Integer.MAX_VALUE / 2), (int) Math.min(highWater, Integer.MAX_VALUE)));
        socket.drainHandler(ignored -> {
            drains.incrementAndGet();
            drainedMaybe();
        });
    }

    String connectionId() {
        return connectionId;
    }

    @Override
    public void send(byte[] frame) {
        enqueue(frame, frame.length);
    }

    @Override
    public void deliver(byte[] envelope, int attempt) {
        enqueue(new Deliver(envelope, attempt), envelope.length + DELIVER_FRAME_BYTES);
    }

    @Override
    public void close(int code, String reason) {
        enqueue(new Close((short) code, reason), 0);
    }

    void ping() {
        enqueue(PING, 0);
    }

    /** Bytes given to this connection and not yet written to its socket. */
    long pendingBytes() {
        return queuedBytes.get() + unwrittenInNetty();
    }

    boolean isSlowConsumer() {
        return slow.get();
    }

    @Override
    public boolean isBackedUp() {
        if (pendingBytes() <= highWater) {
            return false;
        }
        toldBackedUp.set(true);
        return true;
    }

    @Override
    public void whenDrained(Runnable resume) {
        onDrained = resume;
    }

    /** Tells the dispatcher, once, that a connection it held back for has drained. */
    private void drainedMaybe() {
        if (toldBackedUp.get() && pendingBytes() < lowWater && toldBackedUp.compareAndSet(true, false)) {
            drains.incrementAndGet();
            onDrained.run();
        }
    }

    /**
     * Called once per ping interval: a connection that stayed backed up since the last call, without draining in
     * between and without its unwritten bytes going down, does not read; it is closed as a slow consumer. Both
     * signs of reading count: a reader slower than what comes for it is refilled after every drain, so its
     * unwritten bytes, looked at once a second, go up as often as down.
     *
     * @return true when it was closed
     */
    boolean closeIfStalled(long nowNanos, long limitNanos) {
        long pending = pendingBytes();
        long drained = drains.get();
        boolean reading = drained != drainsAtLastCheck;
        drainsAtLastCheck = drained;
        if (pending <= highWater || pending < pendingAtLastCheck || reading) {
            stalledSinceNanos = 0;
        } else if (stalledSinceNanos == 0) {
            stalledSinceNanos = nowNanos;
        } else if (nowNanos - stalledSinceNanos >= limitNanos) {
            closeAsSlowConsumer(pending);
            return true;
        }
        pendingAtLastCheck = pending;
        return false;
    }

    private long unwrittenInNetty() {
        ChannelOutboundBuffer buffer = channel.channel().unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    private void enqueue(Object item, int bytes) {
        if (slow.get()) {
            return; // being closed: what it would have got is delivered again elsewhere
        }
        if (bytes > 0) {
            long pending = queuedBytes.addAndGet(bytes) + unwrittenInNetty();
            if (pending > maxPendingBytes) {
                queuedBytes.addAndGet(-bytes);
                closeAsSlowConsumer(pending);
                return;
            }
        }
        queued.add(new Sized(item, bytes));
        schedule();
    }

    private void schedule() {
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

    private void closeAsSlowConsumer(long pending) {
        if (!slow.compareAndSet(false, true)) {
            return;
        }
        queued.clear();
        queuedBytes.set(0);
        onSlow.slowConsumer(this, pending);
        try {
            channel.executor().execute(() -> {
                socket.close((short) 4429, "slow consumer: more than " + maxPendingBytes + " bytes waited to be written");
                // it does not read, so it will not answer the close either: drop the TCP connection soon after
                channel.executor().schedule(() -> channel.close(), 1, TimeUnit.SECONDS);
            });
        } catch (RejectedExecutionException stopping) {
            // closing with the broker anyway
        }
    }

    /** Runs on the connection's event loop. */
    private void writeQueued() {
        writeScheduled.set(false); // before polling: an item added from now on schedules another run
        TextFrameBatch batch = new TextFrameBatch(channel);
        boolean written = false;
        Object next;
        while ((next = queued.poll()) != null) {
            Sized sized = (Sized) next;
            queuedBytes.addAndGet(-sized.bytes());
            if (socket.isClosed()) {
                LOG.debugf("connection %s is closed: %d frame(s) not written", connectionId, queued.size() + 1);
                queued.clear();
                queuedBytes.set(0);
                batch.discard();
                return;
            }
            Object item = sized.item();
            if (item instanceof byte[] frame) {
                batch.add(frame);
            } else if (item instanceof Deliver deliver) {
                // the envelope is shared by every copy and attempt: copied into the batch, never changed
                batch.add(Frames.deliverPrefix(deliver.attempt()), deliver.envelope(), Frames.deliverSuffix());
            } else {
                // a control frame goes through Vert.x, after the text frames before it
                written |= !batch.isEmpty();
                batch.writeBuffer();
                if (item == PING) {
                    socket.writePing(Buffer.buffer());
                } else if (item instanceof Close close) {
                    if (written) {
                        channel.flush();
                        written = false;
                    }
                    socket.close(close.code(), close.reason());
                }
            }
        }
        written |= !batch.isEmpty();
        batch.writeBuffer();
        if (written) {
            channel.flush();
        }
        drainedMaybe();
    }

    private record Sized(Object item, int bytes) {
    }

    private record Deliver(byte[] envelope, int attempt) {
    }

    private record Close(short code, String reason) {
    }
}

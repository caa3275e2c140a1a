package io.exocom.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The frames waiting to be written on one connection. Any thread adds encoded frames; the connection's event loop
 * takes everything queued in one go, writes it and flushes once, so that a burst of sends, acks and replies from
 * many handler threads costs one system call instead of one per frame (as the broker's {@code ConnectionOutbound}
 * does). The bytes are written as they are: no copy, no charset encoder.
 */
final class Outbox {
    private final Channel channel;
    private final Queue<byte[]> queued = new ConcurrentLinkedQueue<>();
    /** Ids to ack in one frame at the next batch (protocol 1.2, {@code ids}). */
    private final Queue<String> acks = new ConcurrentLinkedQueue<>();
    /** True while a drain is scheduled on the event loop and has not started taking yet. */
    private final AtomicBoolean draining = new AtomicBoolean();

    Outbox(Channel channel) {
        this.channel = channel;
    }

    /** Queues one text frame (UTF-8 JSON) for the next batch. */
    void add(byte[] frame) {
        queued.add(frame);
        if (draining.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /**
     * Queues an ack for the next batch: the acks of every delivery handled meanwhile go out as one frame (protocol
     * 1.2), one frame for ExoCom to read instead of one per delivery. Only for a broker that said 1.2 or later.
     */
    void addAck(String id) {
        acks.add(id);
        if (draining.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Writes everything queued so far and flushes once; runs on the event loop. */
    void drain() {
        // Cleared before taking: a frame added from now on schedules the next drain, none is left behind.
        draining.set(false);
        boolean wrote = false;
        for (byte[] frame; (frame = queued.poll()) != null; ) {
            channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), channel.voidPromise());
            wrote = true;
        }
        List<String> ids = new ArrayList<>();
        for (String id; (id = acks.poll()) != null; ) {
            ids.add(id);
            if (ids.size() == FrameWriter.ACK_IDS_PER_FRAME) {
                writeAcks(ids);
                ids.clear();
            }
        }
        if (!ids.isEmpty()) {
            writeAcks(ids);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private void writeAcks(List<String> ids) {
        byte[] frame = FrameWriter.acks(ids);
        channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), channel.voidPromise());
    }
}

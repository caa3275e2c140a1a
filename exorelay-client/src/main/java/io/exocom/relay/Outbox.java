package io.exocom.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The frames waiting to be written on one connection. Any thread adds encoded frames; the connection's event loop
 * takes everything queued in one go, writes it and flushes once, so that a burst of sends, acks and replies from
 * many handler threads costs one system call instead of one per frame (as the broker's {@code ConnectionOutbound}
 * does). Each batch is framed and masked in one buffer ({@link MaskedFrames}): no charset encoder, one copy.
 */
final class Outbox {
    /** About this many bytes per buffer written: large enough for many frames, small enough to allocate freely. */
    private static final int BATCH_BYTES = 64 * 1024;

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
        List<byte[]> frames = new ArrayList<>();
        for (byte[] frame; (frame = queued.poll()) != null; ) {
            frames.add(frame);
        }
        List<String> ids = new ArrayList<>();
        for (String id; (id = acks.poll()) != null; ) {
            ids.add(id);
            if (ids.size() == FrameWriter.ACK_IDS_PER_FRAME) {
                frames.add(FrameWriter.acks(ids));
                ids.clear();
            }
        }
        if (!ids.isEmpty()) {
            frames.add(FrameWriter.acks(ids));
        }
        if (frames.isEmpty()) {
            return;
        }
        write(frames);
        channel.flush();
    }

    /**
     * Frames {@code frames} into buffers of about {@link #BATCH_BYTES} each (a larger frame gets one of its own)
     * and writes them: ready WebSocket bytes, which Netty's frame encoder passes on untouched.
     */
    private void write(List<byte[]> frames) {
        int from = 0;
        while (from < frames.size()) {
            int bytes = 0;
            int to = from;
            while (to < frames.size() && (to == from || bytes + MaskedFrames.size(frames.get(to)) <= BATCH_BYTES)) {
                bytes += MaskedFrames.size(frames.get(to));
                to++;
            }
            byte[] out = new byte[bytes];
            int at = 0;
            for (int i = from; i < to; i++) {
                at = MaskedFrames.write(frames.get(i), out, at);
            }
            channel.write(Unpooled.wrappedBuffer(out), channel.voidPromise());
            from = to;
        }
    }
}

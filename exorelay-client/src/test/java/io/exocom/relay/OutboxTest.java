package io.exocom.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one batch of the outbox puts on the wire: frames in order, one flush, acks of the batch in one frame (1.2). */
class OutboxTest {
    /**
     * What a WebSocket server reads from what the outbox wrote: the bytes go through Netty's own server-side
     * decoder, which insists on masked frames (RFC 6455 §5.1) and unmasks them.
     */
    private static List<String> written(EmbeddedChannel channel) {
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameDecoder(true, false, 1 << 24));
        for (Object bytes; (bytes = channel.readOutbound()) != null; ) {
            server.writeInbound((ByteBuf) bytes);
        }
        List<String> frames = new ArrayList<>();
        for (Object frame; (frame = server.readInbound()) != null; ) {
            TextWebSocketFrame text = (TextWebSocketFrame) frame;
            frames.add(text.text());
            text.release();
        }
        server.finishAndReleaseAll();
        return frames;
    }

    @Test
    void framesOfEverySizeArriveMaskedAndWhole() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Outbox outbox = new Outbox(channel);
        // 0, 125 and 126 bytes, 65,535 and 65,536 (the three length forms and their edges), and odd sizes that
        // leave a tail after the eight-byte masking steps; together more than one 64 KiB buffer.
        int[] sizes = {0, 1, 7, 125, 126, 127, 1000, 65_535, 65_536, 100_003};
        List<String> sent = new ArrayList<>();
        for (int size : sizes) {
            StringBuilder text = new StringBuilder(size);
            for (int i = 0; i < size; i++) {
                text.append((char) ('a' + (i * 7 + size) % 26));
            }
            sent.add(text.toString());
            outbox.add(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        channel.runPendingTasks();
        assertEquals(sent, written(channel));
    }

    @Test
    void theMaskingKeyChangesFromFrameToFrame() {
        byte[] payload = "{\"type\":\"ack\",\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            byte[] out = new byte[MaskedFrames.size(payload)];
            MaskedFrames.write(payload, out, 0);
            keys.add(Arrays.toString(Arrays.copyOfRange(out, 2, 6)));
        }
        assertTrue(keys.size() > 1, "20 frames, one masking key: " + keys);
    }

    @Test
    void theAcksOfOneBatchGoOutAsOneFrameAfterTheOtherFrames() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Outbox outbox = new Outbox(channel);
        outbox.add("{\"type\":\"send\"}".getBytes(StandardCharsets.UTF_8));
        outbox.addAck("a");
        outbox.addAck("b");
        outbox.addAck("c");
        channel.runPendingTasks();
        assertEquals(List.of("{\"type\":\"send\"}", "{\"type\":\"ack\",\"ids\":[\"a\",\"b\",\"c\"]}"), written(channel));
    }

    @Test
    void aLoneAckIsThePlainAckAndAHugeBatchIsSplit() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Outbox outbox = new Outbox(channel);
        outbox.addAck("only");
        channel.runPendingTasks();
        assertEquals(List.of("{\"type\":\"ack\",\"id\":\"only\"}"), written(channel));
        for (int i = 0; i < FrameWriter.ACK_IDS_PER_FRAME + 1; i++) {
            outbox.addAck("m" + i);
        }
        channel.runPendingTasks();
        List<String> frames = written(channel);
        assertEquals(2, frames.size(), "1,001 acks: a full frame and one more");
        assertEquals("{\"type\":\"ack\",\"id\":\"m" + FrameWriter.ACK_IDS_PER_FRAME + "\"}", frames.get(1));
    }
}

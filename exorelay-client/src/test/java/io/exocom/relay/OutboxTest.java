package io.exocom.relay;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What one batch of the outbox puts on the wire: frames in order, one flush, acks of the batch in one frame (1.2). */
class OutboxTest {
    private static List<String> written(EmbeddedChannel channel) {
        List<String> frames = new ArrayList<>();
        for (Object frame; (frame = channel.readOutbound()) != null; ) {
            TextWebSocketFrame text = (TextWebSocketFrame) frame;
            frames.add(text.text());
            text.release();
        }
        return frames;
    }

    @Test
    void theAcksOfOneBatchGoOutAsOneFrameAfterTheOtherFrames() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Outbox outbox = new Outbox(channel);
        outbox.add("{\"type\":\"send\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

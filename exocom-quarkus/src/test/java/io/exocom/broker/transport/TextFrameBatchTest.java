package io.exocom.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker's own text frames, read back by Netty's WebSocket decoder as a client reads them. */
class TextFrameBatchTest {

    @Test
    void framesOfEverySizeClassReadBackAsTheTextTheyCarry() {
        EmbeddedChannel server = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext context = server.pipeline().firstContext();
        // the three length encodings of RFC 6455 §5.2 (7 bits, 16 bits, 64 bits), each at its edges
        List<String> texts = List.of("", "x".repeat(125), "y".repeat(126), "z".repeat(65_535), "w".repeat(65_536),
                "{\"type\":\"deliver\"}", "v".repeat(200_000));
        TextFrameBatch batch = new TextFrameBatch(context);
        for (String text : texts) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            // in parts, as a deliver frame is written: prefix, envelope, suffix
            int third = bytes.length / 3;
            batch.add(slice(bytes, 0, third), slice(bytes, third, 2 * third), slice(bytes, 2 * third, bytes.length));
        }
        batch.writeBuffer();
        assertTrue(batch.isEmpty());
        context.flush();

        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
        for (Object written; (written = server.readOutbound()) != null; ) {
            client.writeInbound((ByteBuf) written);
        }
        List<String> read = new ArrayList<>();
        for (Object frame; (frame = client.readInbound()) != null; ) {
            TextWebSocketFrame text = (TextWebSocketFrame) frame;
            assertTrue(text.isFinalFragment());
            read.add(text.text());
            text.release();
        }
        assertEquals(texts.stream().map(String::length).toList(), read.stream().map(String::length).toList());
        assertTrue(texts.equals(read), "every frame carries exactly its text");
    }

    @Test
    void aDiscardedBatchGivesItsBufferBackAndWritesNothing() {
        EmbeddedChannel server = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        TextFrameBatch batch = new TextFrameBatch(server.pipeline().firstContext());
        batch.add("lost".getBytes(StandardCharsets.UTF_8));
        batch.discard();
        assertTrue(batch.isEmpty());
        server.flush();
        assertNull(server.readOutbound());
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        byte[] part = new byte[to - from];
        System.arraycopy(bytes, from, part, 0, part.length);
        return part;
    }
}

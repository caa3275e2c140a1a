package io.exocom.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Frames a run of text frames from the broker (RFC 6455 §5.2: final, unmasked) straight into pooled buffers of
 * the connection, a whole batch per buffer, and writes each buffer once it is full.
 * <p>
 * Why not one {@code TextWebSocketFrame} per frame through the pipeline: each then passed Netty's frame encoder
 * (a header buffer of its own), was copied from the heap into a direct buffer by the socket channel, and took an
 * entry of its own in the outbound buffer, for frames of often a hundred bytes; in a CPU profile of 100 B
 * fan-out that was a tenth of the broker's time. Frames written this way pass the encoder untouched, and may
 * go out uncompressed even where a client negotiated compression (RFC 7692 §6: per message, by its RSV1 bit).
 * Not thread-safe: used on the connection's event loop, one batch at a time.
 */
final class TextFrameBatch {
    /** Buffers are about this large unless one frame needs more: many small frames each, few allocations. */
    static final int BUFFER_BYTES = 16 * 1024;
    private static final int FIN_TEXT = 0x81;

    private final ChannelHandlerContext channel;
    private ByteBuf buffer;

    TextFrameBatch(ChannelHandlerContext channel) {
        this.channel = channel;
    }

    /** Adds one text frame whose payload is {@code parts} one after the other. */
    void add(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        int needed = headerBytes(length) + length;
        if (buffer != null && buffer.writableBytes() < needed) {
            writeBuffer();
        }
        if (buffer == null) {
            buffer = channel.alloc().directBuffer(Math.max(BUFFER_BYTES, needed));
        }
        buffer.writeByte(FIN_TEXT);
        if (length < 126) {
            buffer.writeByte(length);
        } else if (length < 65536) {
            buffer.writeByte(126);
            buffer.writeShort(length);
        } else {
            buffer.writeByte(127);
            buffer.writeLong(length);
        }
        for (byte[] part : parts) {
            buffer.writeBytes(part);
        }
    }

    /** Writes what was added (without flushing); the next frame starts a new buffer. */
    void writeBuffer() {
        if (buffer != null) {
            channel.write(buffer, channel.voidPromise());
            buffer = null;
        }
    }

    /** Drops what was added and not written (the connection is gone), giving its buffer back to the pool. */
    void discard() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    /** Whether frames were added since the last {@link #writeBuffer()}. */
    boolean isEmpty() {
        return buffer == null;
    }

    static int headerBytes(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
    }
}

package io.exocom.broker.transport;

import io.exocom.broker.wire.Utf8;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

import java.util.Arrays;

/**
 * Puts a connection's WebSocket frames back together into whole messages, checking their size on bytes as they
 * arrive and their UTF-8 once they are complete, before anything in them is decoded (PROTOCOL.md §1). A message
 * over the limit is not kept: only its first {@link #PREFIX_BYTES} are, so that a send can still be answered with
 * its id, and the rest is dropped as it arrives. Used on the connection's event loop only.
 */
final class InboundAssembler {
    /** How much of an oversized message is kept to find the send's id in. */
    static final int PREFIX_BYTES = 64 * 1024;

    /** Where whole messages go. */
    interface Receiver {
        void onText(byte[] bytes, int length);

        void onBinary();

        void onTooLarge(byte[] prefix, int prefixLength, long size);

        void onInvalidUtf8();
    }

    private final int maxMessageBytes;
    private final Receiver receiver;
    private byte[] buffer = new byte[0];
    private int length;
    private long size;
    private boolean binary;
    private boolean inMessage;

    InboundAssembler(int maxMessageBytes, Receiver receiver) {
        this.maxMessageBytes = maxMessageBytes;
        this.receiver = receiver;
    }

    void frame(WebSocketFrame frame) {
        switch (frame.type()) {
            case TEXT, BINARY -> {
                inMessage = true;
                binary = frame.type() == io.vertx.core.http.WebSocketFrameType.BINARY;
                length = 0;
                size = 0;
                append(frame.binaryData(), frame.isFinal());
            }
            case CONTINUATION -> {
                if (inMessage) {
                    append(frame.binaryData(), frame.isFinal());
                }
            }
            default -> {
                // pings, pongs and closes are Vert.x's; the session only notes that something arrived
            }
        }
    }

    private void append(Buffer data, boolean last) {
        int n = data.length();
        size += n;
        if (size <= maxMessageBytes) {
            if (last && length == 0) {
                complete(data.getBytes(), n); // the usual case: one frame, one copy
                return;
            }
            ensure(length + n);
            data.getBytes(0, n, buffer, length);
            length += n;
        } else if (length < PREFIX_BYTES) {
            int keep = Math.min(n, PREFIX_BYTES - length);
            ensure(length + keep);
            data.getBytes(0, keep, buffer, length);
            length += keep;
        }
        if (last) {
            complete(buffer, length);
        }
    }

    private void complete(byte[] bytes, int count) {
        inMessage = false;
        long total = size;
        length = 0;
        if (buffer.length > PREFIX_BYTES * 2) {
            buffer = new byte[0]; // do not keep a large message's buffer for the life of the connection
        }
        if (binary) {
            receiver.onBinary();
        } else if (total > maxMessageBytes) {
            receiver.onTooLarge(bytes, count, total);
        } else if (!Utf8.isValid(bytes, 0, count)) {
            receiver.onInvalidUtf8();
        } else {
            receiver.onText(bytes, count);
        }
    }

    private void ensure(int capacity) {
        if (buffer.length < capacity) {
            buffer = Arrays.copyOf(buffer, Math.max(capacity, Math.min(buffer.length * 2 + 256, maxMessageBytes + 1)));
        }
    }
}

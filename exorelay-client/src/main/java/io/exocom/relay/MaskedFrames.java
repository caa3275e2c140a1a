package io.exocom.relay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts a batch of text frames, as a client must send them (RFC 6455 §5.3: every frame masked with a fresh random
 * key), into one byte array that the connection writes as it is.
 *
 * <p>Why not Netty's {@code WebSocket08FrameEncoder}, which still writes this relay's pings and close frames: it
 * masks eight bytes per {@code ByteBuf.writeLong} call, each with its own capacity check, and takes one pass
 * through the pipeline per frame; profiled under the benchmark that was the relay's largest single cost at 10 KB.
 * Here a whole batch is framed in one buffer and masked eight bytes at a time with plain array reads and writes.
 */
final class MaskedFrames {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int FIN_TEXT = 0x81;
    private static final int MASKED = 0x80;

    private MaskedFrames() {
    }

    /** The bytes {@code payload} takes on the wire as one masked text frame. */
    static int size(byte[] payload) {
        return header(payload.length) + payload.length;
    }

    /** Writes {@code payload} as one masked text frame into {@code out} at {@code at}; returns where it ends. */
    static int write(byte[] payload, byte[] out, int at) {
        return write(payload, ThreadLocalRandom.current().nextInt(), out, at);
    }

    private static int write(byte[] payload, int key, byte[] out, int at) {
        int length = payload.length;
        out[at++] = (byte) FIN_TEXT;
        if (length < 126) {
            out[at++] = (byte) (MASKED | length);
        } else if (length <= 0xFFFF) {
            out[at++] = (byte) (MASKED | 126);
            out[at++] = (byte) (length >>> 8);
            out[at++] = (byte) length;
        } else {
            out[at++] = (byte) (MASKED | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[at++] = (byte) ((long) length >>> shift);
            }
        }
        for (int shift = 24; shift >= 0; shift -= 8) {
            out[at++] = (byte) (key >>> shift);
        }
        // The key repeats every four bytes; twice over it masks eight at a time.
        long key8 = (key & 0xFFFF_FFFFL) << 32 | (key & 0xFFFF_FFFFL);
        int i = 0;
        for (int whole = length & ~7; i < whole; i += 8) {
            LONGS.set(out, at + i, (long) LONGS.get(payload, i) ^ key8);
        }
        for (; i < length; i++) {
            out[at + i] = (byte) (payload[i] ^ (key >>> (24 - 8 * (i & 3))));
        }
        return at + length;
    }

    private static int header(int length) {
        int lengthBytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
        return 2 + lengthBytes + 4;
    }
}

package io.exocom.broker.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks that bytes are well-formed UTF-8 (RFC 3629): RFC 6455 §8.1 requires closing a connection whose text frame
 * is not, and a broker that relayed such bytes would hand every receiver a different string. Frames are mostly
 * ASCII, so eight bytes are checked at a time until the first one with its high bit set.
 */
public final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    public static boolean isValid(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i + 8 <= end && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
            i += 8;
        }
        while (i < end) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int sequence;
            int min;
            int codePoint;
            if (b >= 0xC2 && b <= 0xDF) {
                sequence = 2;
                min = 0x80;
                codePoint = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                sequence = 3;
                min = 0x800;
                codePoint = b & 0x0F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                sequence = 4;
                min = 0x10000;
                codePoint = b & 0x07;
            } else {
                return false; // a continuation byte first, an overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
            }
            if (i + sequence > end) {
                return false;
            }
            for (int k = 1; k < sequence; k++) {
                int next = bytes[i + k] & 0xFF;
                if ((next & 0xC0) != 0x80) {
                    return false;
                }
                codePoint = (codePoint << 6) | (next & 0x3F);
            }
            if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                return false; // overlong, too large, or a surrogate
            }
            i += sequence;
        }
        return true;
    }
}

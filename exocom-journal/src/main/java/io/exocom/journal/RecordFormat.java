package io.exocom.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One record on disk: {@code crc32c:int | length:int | type:int | payload:length bytes}, big-endian. The checksum
 * covers length, type and payload, so a corrupt length is caught by the checksum too, not only by luck.
 * A run of zeros is never a valid record (the checksum of eight zero bytes is not zero).
 */
final class RecordFormat {

    static final int HEADER_SIZE = 12;

    private final CRC32C crc = new CRC32C();
    private final byte[] lengthAndType = new byte[8];

    static int sizeOf(int payloadLength) {
        return HEADER_SIZE + payloadLength;
    }

    /** Writes the record at {@code out}'s position and advances it. */
    void encode(ByteBuffer out, int type, byte[] payload) {
        putInt(lengthAndType, 0, payload.length);
        putInt(lengthAndType, 4, type);
        crc.reset();
        crc.update(lengthAndType, 0, 8);
        crc.update(payload, 0, payload.length);
        out.putInt((int) crc.getValue());
        out.putInt(payload.length);
        out.putInt(type);
        out.put(payload);
    }

    /**
     * Whether the record starting at {@code start} in {@code buffer} (header and payload present) has a matching
     * checksum. {@code view} is a scratch duplicate of {@code buffer}, so that no buffer is allocated per record.
     */
    boolean checksumMatches(ByteBuffer buffer, ByteBuffer view, int start, int payloadLength) {
        view.clear();
        view.position(start + 4).limit(start + HEADER_SIZE + payloadLength);
        crc.reset();
        crc.update(view);
        return (int) crc.getValue() == buffer.getInt(start);
    }

    private static void putInt(byte[] into, int at, int value) {
        into[at] = (byte) (value >>> 24);
        into[at + 1] = (byte) (value >>> 16);
        into[at + 2] = (byte) (value >>> 8);
        into[at + 3] = (byte) value;
    }
}

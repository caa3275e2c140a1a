package io.exocom.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The first 32 bytes of every segment file: {@code magic "EXOJ" | version:int | segmentId:long | 12 reserved zero
 * bytes | crc32c of the 28 bytes before it}. The id in the header must match the file's name, so a copied or renamed
 * file is not mistaken for another part of the log.
 */
final class SegmentHeader {

    static final int SIZE = 32;
    static final int MAGIC = 0x45584F4A;
    static final int VERSION = 1;

    private SegmentHeader() {
    }

    static ByteBuffer encode(long segmentId) {
        ByteBuffer header = ByteBuffer.allocate(SIZE);
        header.putInt(MAGIC).putInt(VERSION).putLong(segmentId);
        header.position(SIZE - 4);
        header.putInt(crc(header));
        return header.flip();
    }

    /** Null when {@code header} (32 bytes from position 0) is valid for {@code segmentId}, else what is wrong. */
    static String problem(ByteBuffer header, long segmentId) {
        if (header.getInt(0) != MAGIC) {
            return "not a journal segment (bad magic)";
        }
        if (header.getInt(SIZE - 4) != crc(header)) {
            return "segment header checksum mismatch";
        }
        int version = header.getInt(4);
        if (version != VERSION) {
            return "segment format version " + version + " is not supported (this build reads version " + VERSION + ")";
        }
        long id = header.getLong(8);
        if (id != segmentId) {
            return "segment header says id " + id + " but the file is named for id " + segmentId;
        }
        return null;
    }

    private static int crc(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = header.duplicate();
        covered.position(0).limit(SIZE - 4);
        crc.update(covered);
        return (int) crc.getValue();
    }
}

package io.exocom.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads one segment file record by record, verifying each, and stops at the first one that is not valid. Used by
 * recovery (to find where the valid log ends) and by replay (to hand the records to the caller). One instance reads
 * many segments; its buffer grows to the largest record met.
 */
final class SegmentScanner {

    private static final int DEFAULT_BUFFER_BYTES = 4 << 20;

    private final RecordFormat format = new RecordFormat();
    private ByteBuffer buffer;
    private ByteBuffer view;
    private ByteBuffer payloadView;

    SegmentScanner() {
        allocate(DEFAULT_BUFFER_BYTES);
    }

    /** What a scan found. {@code problem} is null when the segment is valid up to {@code end}. */
    record Result(long validEnd, long records, long firstPosition, long lastPosition, String problem) {
        boolean headerValid() {
            return validEnd >= SegmentHeader.SIZE;
        }
    }

    /**
     * Scans {@code [0, end)} of segment {@code segmentId}. With a visitor, each valid record is handed to it. When the
     * header is invalid, {@code validEnd} is 0.
     */
    Result scan(FileChannel channel, long segmentId, long end, RecordVisitor visitor) throws IOException {
        if (end < SegmentHeader.SIZE) {
            return new Result(0, 0, -1, -1, "the file (" + end + " bytes) is shorter than a segment header");
        }
        ByteBuffer header = ByteBuffer.allocate(SegmentHeader.SIZE);
        readFully(channel, header, 0);
        String headerProblem = SegmentHeader.problem(header, segmentId);
        if (headerProblem != null) {
            return new Result(0, 0, -1, -1, headerProblem);
        }
        long bufferStart = SegmentHeader.SIZE;  // file offset of buffer index 0
        buffer.clear().limit(0);
        long offset = SegmentHeader.SIZE;
        long records = 0;
        long first = -1;
        long last = -1;
        while (offset < end) {
            int at = (int) (offset - bufferStart);
            if (buffer.limit() - at < RecordFormat.HEADER_SIZE) {
                bufferStart = refill(channel, offset, end, RecordFormat.HEADER_SIZE);
                at = 0;
                if (buffer.limit() < RecordFormat.HEADER_SIZE) {
                    return new Result(offset, records, first, last,
                            "torn record header (" + (end - offset) + " bytes at the end)");
                }
            }
            int length = buffer.getInt(at + 4);
            if (length < 0 || length > end - offset - RecordFormat.HEADER_SIZE) {
                return new Result(offset, records, first, last, length < 0 || length > JournalOptions.MAX_SEGMENT_BYTES_LIMIT
                        ? "invalid record length " + length
                        : "record of " + length + " bytes runs past the end of the file");
            }
            int size = RecordFormat.sizeOf(length);
            if (buffer.limit() - at < size) {
                bufferStart = refill(channel, offset, end, size);
                at = 0;
                if (buffer.limit() < size) {
                    return new Result(offset, records, first, last, "the file ends inside a record (truncated)");
                }
            }
            if (!format.checksumMatches(buffer, view, at, length)) {
                return new Result(offset, records, first, last, "record checksum mismatch");
            }
            long position = Positions.of(segmentId, offset);
            if (visitor != null) {
                payloadView.clear();
                payloadView.position(at + RecordFormat.HEADER_SIZE).limit(at + size);
                visitor.record(position, buffer.getInt(at + 8), payloadView);
            }
            if (first < 0) {
                first = position;
            }
            last = position;
            records++;
            offset += size;
        }
        return new Result(offset, records, first, last, null);
    }

    /**
     * How many records the bytes {@code [from, end)} held, telling by their length fields: -1 when that cannot be
     * told (an implausible length or a run of zeros). A torn last record counts as one.
     */
    static long countRecords(FileChannel channel, long from, long end) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(RecordFormat.HEADER_SIZE);
        long count = 0;
        long offset = from;
        while (offset < end) {
            if (end - offset < RecordFormat.HEADER_SIZE) {
                return count + 1;
            }
            header.clear();
            readFully(channel, header, offset);
            int crc = header.getInt(0);
            int length = header.getInt(4);
            int type = header.getInt(8);
            if (crc == 0 && length == 0 && type == 0) {
                return -1;
            }
            if (length < 0 || length > JournalOptions.MAX_SEGMENT_BYTES_LIMIT) {
                return -1;
            }
            count++;
            offset += RecordFormat.sizeOf(length);
        }
        return count;
    }

    /**
     * Where the bytes {@code [from, to)} stop holding anything but zeros: just after their last non-zero byte, or
     * {@code from} when they are all zeros (the unused rest of a pre-allocated segment).
     */
    long endOfNonZero(FileChannel channel, long from, long to) throws IOException {
        long end = from;
        for (long offset = from; offset < to; ) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), to - offset));
            int read = channel.read(buffer, offset);
            if (read <= 0) {
                break;
            }
            int i = read;
            while (i >= 8 && buffer.getLong(i - 8) == 0) {
                i -= 8;
            }
            while (i > 0 && buffer.get(i - 1) == 0) {
                i--;
            }
            if (i > 0) {
                end = offset + i;
            }
            offset += read;
        }
        buffer.clear().limit(0);
        return end;
    }

    /** Loads the file from {@code offset} into the buffer, at least {@code needed} bytes when the file has them. */
    private long refill(FileChannel channel, long offset, long end, int needed) throws IOException {
        if (needed > buffer.capacity()) {
            allocate(Math.max(needed, buffer.capacity() * 2));
        }
        buffer.clear();
        long wanted = Math.min(buffer.capacity(), end - offset);
        buffer.limit((int) wanted);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, offset + buffer.position());
            if (read < 0) {
                break;
            }
        }
        buffer.flip();
        return offset;
    }

    private void allocate(int bytes) {
        buffer = ByteBuffer.allocateDirect(bytes);
        view = buffer.duplicate();
        payloadView = buffer.asReadOnlyBuffer();
    }

    static void readFully(FileChannel channel, ByteBuffer into, long offset) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, offset + into.position()) < 0) {
                throw new IOException("unexpected end of file at offset " + (offset + into.position()));
            }
        }
        into.flip();
    }
}

package io.exocom.journal;

import java.nio.channels.FileChannel;

/**
 * The segment the writer appends to. {@code written} may run ahead of {@code completed} only while a batch is being
 * written and synced; after a failure, the bytes between them are cut off.
 */
final class ActiveSegment {

    final long id;
    final FileChannel channel;
    final SegmentCatalog.Entry entry;
    /** Bytes in the file including the header. */
    long written;
    /** Bytes whose appends were reported complete (or that recovery found valid). */
    long completed;

    ActiveSegment(long id, FileChannel channel, SegmentCatalog.Entry entry, long size) {
        this.id = id;
        this.channel = channel;
        this.entry = entry;
        this.written = size;
        this.completed = size;
    }
}

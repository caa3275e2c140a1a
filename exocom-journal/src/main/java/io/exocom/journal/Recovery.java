package io.exocom.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads every segment at open, verifying every record, and repairs what a crash can leave behind: a torn tail of the
 * last segment is cut at the first bad record, a last segment without a valid header (its creation was
 * interrupted) is removed. Zeros after the last record are no damage: they are the unused rest of a pre-allocated
 * segment; what is dropped is counted up to the last non-zero byte. A bad record in an earlier segment cannot come from a torn write (segments are synced
 * before the writer leaves them), so that segment's remainder is skipped, the file is left as it is for inspection,
 * and later segments are still read.
 */
final class Recovery {

    /** A segment as recovery left it; {@code validEnd} is where replay stops reading it. */
    record Segment(long id, long validEnd) {
    }

    /** What the writer starts from: the last segment to go on writing in (null: start a new one). */
    record Result(RecoveryReport report, List<Segment> segments, ActiveSegment tail, long highestId) {
    }

    private final SegmentStorage storage;
    private final SegmentCatalog catalog;

    Recovery(SegmentStorage storage, SegmentCatalog catalog) {
        this.storage = storage;
        this.catalog = catalog;
    }

    Result run() throws IOException {
        long begin = System.nanoTime();
        List<Long> ids = SegmentFiles.list(storage.directory());
        SegmentScanner scanner = new SegmentScanner();
        List<Segment> segments = new ArrayList<>();
        List<RecoveryReport.Problem> problems = new ArrayList<>();
        long records = 0;
        long bytes = 0;
        ActiveSegment tail = null;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            boolean last = i == ids.size() - 1;
            FileChannel channel = last ? storage.openForWriting(id) : storage.openForReading(id);
            boolean keepOpen = false;
            try {
                long size = channel.size();
                SegmentScanner.Result scan = scanner.scan(channel, id, size, null);
                String problem = scan.problem();
                long dataEnd = size;
                if (problem != null) {
                    dataEnd = scanner.endOfNonZero(channel, scan.headerValid() ? scan.validEnd() : 0, size);
                    if (scan.headerValid() && dataEnd == scan.validEnd()) {
                        problem = null;  // only zeros follow: the unused rest of a pre-allocated segment
                    }
                }
                records += scan.records();
                bytes += Math.max(0, scan.validEnd() - SegmentHeader.SIZE);
                if (problem == null) {
                    catalog.add(entry(id, scan.validEnd(), scan, false));
                    segments.add(new Segment(id, scan.validEnd()));
                    if (last) {
                        tail = writable(id, channel, scan);
                        keepOpen = true;
                    }
                    continue;
                }
                if (!scan.headerValid() && last) {
                    long count = dataEnd <= SegmentHeader.SIZE ? 0
                            : SegmentScanner.countRecords(channel, SegmentHeader.SIZE, dataEnd);
                    SegmentStorage.closeQuietly(channel);
                    storage.delete(id);
                    if (dataEnd == 0) {
                        continue;  // a pre-allocated file the writer rolled onto and never wrote: nothing lost
                    }
                    problems.add(new RecoveryReport.Problem(id, 0, problem, RecoveryReport.Action.REMOVED, dataEnd, count));
                    continue;
                }
                long from = scan.headerValid() ? scan.validEnd() : SegmentHeader.SIZE;
                long dropped = dataEnd - scan.validEnd();
                long count = from >= dataEnd ? 0 : SegmentScanner.countRecords(channel, from, dataEnd);
                if (last) {
                    cut(channel, scan.validEnd(), dataEnd);
                    problems.add(new RecoveryReport.Problem(id, scan.validEnd(), problem,
                            RecoveryReport.Action.TRUNCATED, dropped, count));
                    catalog.add(entry(id, scan.validEnd(), scan, false));
                    segments.add(new Segment(id, scan.validEnd()));
                    tail = writable(id, channel, scan);
                    keepOpen = true;
                } else {
                    problems.add(new RecoveryReport.Problem(id, scan.validEnd(), problem,
                            RecoveryReport.Action.SKIPPED, dropped, count));
                    catalog.add(entry(id, size, scan, true));
                    segments.add(new Segment(id, scan.validEnd()));
                }
            } finally {
                if (!keepOpen) {
                    SegmentStorage.closeQuietly(channel);
                }
            }
        }
        long droppedBytes = 0;
        long droppedRecords = 0;
        boolean exact = true;
        for (RecoveryReport.Problem problem : problems) {
            droppedBytes += problem.droppedBytes();
            if (problem.droppedRecords() < 0) {
                exact = false;
            } else {
                droppedRecords += problem.droppedRecords();
            }
        }
        RecoveryReport report = new RecoveryReport(ids.size(), records, bytes, droppedBytes, droppedRecords, exact,
                List.copyOf(problems), Duration.ofNanos(System.nanoTime() - begin));
        return new Result(report, List.copyOf(segments), tail, ids.isEmpty() ? 0 : ids.get(ids.size() - 1));
    }

    /**
     * Cuts a torn tail off the last segment by overwriting it with zeros (up to its last non-zero byte), so that
     * nothing of the torn write can be mistaken for a record once new records are written over it; a pre-allocated
     * segment stays pre-allocated.
     */
    private static void cut(FileChannel channel, long validEnd, long dataEnd) throws IOException {
        SegmentStorage.writeFully(channel, ByteBuffer.allocate((int) (dataEnd - validEnd)), validEnd);
        channel.force(false);
    }

    private ActiveSegment writable(long id, FileChannel channel, SegmentScanner.Result scan) {
        SegmentCatalog.Entry entry = catalog.get(id);
        entry.active = true;
        return new ActiveSegment(id, channel, entry, scan.validEnd());
    }

    private SegmentCatalog.Entry entry(long id, long size, SegmentScanner.Result scan, boolean damaged) {
        return new SegmentCatalog.Entry(id, storage.path(id), size, scan.records(), scan.firstPosition(),
                scan.lastPosition(), damaged);
    }
}

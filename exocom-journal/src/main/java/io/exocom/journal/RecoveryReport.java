package io.exocom.journal;

import java.time.Duration;
import java.util.List;

/**
 * What opening the journal found: how much valid log there is and what had to be dropped.
 *
 * @param segments        segment files read
 * @param records         valid records (what {@link Journal#replay} will hand over)
 * @param bytes           bytes of valid records
 * @param droppedBytes    bytes cut from a torn tail or skipped in damaged segments
 * @param droppedRecords  how many records those bytes held, as far as that can be told (see {@code countExact})
 * @param countExact      false when some dropped bytes could not be told apart into records
 * @param problems        one entry per segment that was cut, skipped or removed
 * @param duration        how long recovery took
 */
public record RecoveryReport(int segments, long records, long bytes, long droppedBytes, long droppedRecords,
                             boolean countExact, List<Problem> problems, Duration duration) {

    /** What recovery did about one bad place in the log. */
    public enum Action {
        /** The tail of the last segment was cut off at the first bad record (a torn write); writing goes on there. */
        TRUNCATED,
        /** The rest of an earlier segment was skipped: records after the bad one are not replayed. */
        SKIPPED,
        /** The last segment had no valid header (its creation was interrupted) and was removed. */
        REMOVED
    }

    /**
     * @param droppedRecords -1 when the count cannot be told
     */
    public record Problem(long segmentId, long offset, String reason, Action action, long droppedBytes,
                          long droppedRecords) {

        @Override
        public String toString() {
            String count = droppedRecords < 0 ? "record count unknown"
                    : droppedRecords + (droppedRecords == 1 ? " record" : " records");
            return "segment " + segmentId + " at offset " + offset + ": " + reason + "; "
                    + action.name().toLowerCase() + " " + droppedBytes + " bytes (" + count + ")";
        }
    }

    public boolean clean() {
        return problems.isEmpty();
    }

    /** The one line the journal logs after recovery. */
    public String summary() {
        StringBuilder line = new StringBuilder()
                .append(records).append(" records (").append(bytes).append(" bytes) in ").append(segments)
                .append(segments == 1 ? " segment" : " segments").append(", ").append(duration.toMillis()).append(" ms");
        if (problems.size() > 1) {
            line.append("; dropped ").append(droppedBytes).append(" bytes (")
                    .append(countExact ? "" : "at least ").append(droppedRecords)
                    .append(droppedRecords == 1 ? " record" : " records").append(") in all");
        }
        for (Problem problem : problems) {
            line.append("; ").append(problem);
        }
        return line.toString();
    }
}

package io.exocom.journal;

import java.nio.file.Path;

/**
 * One segment file as the journal sees it. {@code firstPosition} and {@code lastPosition} are those of its first and
 * last valid record, -1 when it has none. {@code damaged} says recovery skipped part of it.
 */
public record SegmentInfo(long id, Path file, long sizeBytes, long records, long firstPosition, long lastPosition,
                          boolean active, boolean damaged) {
}

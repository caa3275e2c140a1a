package io.exocom.journal;

/**
 * A record's position: its segment id in the high 32 bits and its byte offset in that segment in the low 32 bits.
 * Positions grow monotonically through the log, across segments.
 */
public final class Positions {

    private Positions() {
    }

    public static long of(long segmentId, long offset) {
        return (segmentId << 32) | offset;
    }

    public static long segmentOf(long position) {
        return position >>> 32;
    }

    public static long offsetOf(long position) {
        return position & 0xFFFF_FFFFL;
    }

    public static String toString(long position) {
        return segmentOf(position) + ":" + offsetOf(position);
    }
}

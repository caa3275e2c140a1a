package io.exocom.broker.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The default memory bound of all messages leaves room for the tables of ids and correlations at their bounds. */
class MemoryDefaultsTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void messagesGetAQuarterOfWhatTheTablesLeave() {
        // bin/exocom's heap with the default tables (a million entries each, about 95 MB)
        assertEquals((256 * MIB - 95_000_000) / 4, MemoryDefaults.maxTotalBytes(256 * MIB, 1_000_000, 1_000_000));
        // small tables leave about a quarter of the heap
        assertEquals((1024 * MIB - 950_000) / 4, MemoryDefaults.maxTotalBytes(1024 * MIB, 10_000, 10_000));
    }

    @Test
    void tablesTooLargeForTheHeapStillLeaveASixteenthForMessages() {
        assertEquals(256 * MIB / 16, MemoryDefaults.maxTotalBytes(256 * MIB, 10_000_000, 10_000_000));
    }
}

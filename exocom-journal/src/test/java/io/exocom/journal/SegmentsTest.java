package io.exocom.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentsTest {

    private static final int SEGMENT_BYTES = 4096;

    @TempDir
    Path dir;

    private Journal open() {
        return Journal.open(TestJournals.options(dir).maxSegmentBytes(SEGMENT_BYTES).build());
    }

    @Test
    void fullSegmentsRollAndPositionsGrowAcrossThem() throws Exception {
        List<String> texts = TestJournals.texts("a record of a few dozen bytes, number ", 300);
        try (Journal journal = open()) {
            List<Outcomes.Outcome> outcomes = TestJournals.appendAll(journal, texts);
            long previous = -1;
            for (Outcomes.Outcome outcome : outcomes) {
                assertTrue(outcome.position() > previous, "positions grow: " + Positions.toString(outcome.position()));
                previous = outcome.position();
            }
            List<SegmentInfo> segments = journal.segments();
            assertTrue(segments.size() >= 4, "rolled into several segments: " + segments.size());
            long records = 0;
            for (int i = 0; i < segments.size(); i++) {
                SegmentInfo segment = segments.get(i);
                assertEquals(i == segments.size() - 1, segment.active());
                assertTrue(segment.sizeBytes() <= SEGMENT_BYTES);
                long fileBytes = Files.size(segment.file());
                if (segment.active()) {
                    // pre-allocated, unless the preparer thread had no file ready when the writer rolled (a busy
                    // machine): then the writer created it on the spot, and it holds just what was written
                    assertTrue(fileBytes == SEGMENT_BYTES || fileBytes == segment.sizeBytes(),
                            "active segment of " + fileBytes + " bytes with " + segment.sizeBytes() + " written");
                } else {
                    assertEquals(segment.sizeBytes(), fileBytes, "a segment the writer left is cut to its records");
                }
                assertEquals(segment.id(), Positions.segmentOf(segment.firstPosition()));
                assertEquals(segment.id(), Positions.segmentOf(segment.lastPosition()));
                records += segment.records();
            }
            assertEquals(texts.size(), records);
            assertEquals(outcomes.get(0).position(), segments.get(0).firstPosition());
            assertEquals(outcomes.get(outcomes.size() - 1).position(), segments.get(segments.size() - 1).lastPosition());
        }
        try (Journal journal = open()) {
            assertEquals(texts, Replayed.texts(journal));
        }
    }

    @Test
    void aSegmentLeftBehindCanBeDeletedAndItsRecordsAreGoneAfterReopening() throws Exception {
        List<String> texts = TestJournals.texts("a record of a few dozen bytes, number ", 300);
        List<String> expected = new ArrayList<>();
        try (Journal journal = open()) {
            List<Outcomes.Outcome> outcomes = TestJournals.appendAll(journal, texts);
            SegmentInfo first = journal.segments().get(0);
            journal.deleteSegment(first.id()).get(30, TimeUnit.SECONDS);
            assertFalse(Files.exists(first.file()));
            assertFalse(journal.segments().stream().anyMatch(s -> s.id() == first.id()));
            for (Outcomes.Outcome outcome : outcomes) {
                if (Positions.segmentOf(outcome.position()) != first.id()) {
                    expected.add(outcome.tag());
                }
            }
        }
        try (Journal journal = open()) {
            assertEquals(expected, Replayed.texts(journal));
        }
    }

    @Test
    void theActiveSegmentAndUnknownIdsCannotBeDeleted() throws Exception {
        try (Journal journal = open()) {
            TestJournals.appendAll(journal, List.of("one"));
            long active = journal.segments().get(0).id();
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> journal.deleteSegment(active).get(30, TimeUnit.SECONDS));
            assertInstanceOf(JournalException.class, refused.getCause());
            assertEquals("segment " + active + " of the journal in " + dir.toRealPath() + " is the one being written;"
                    + " only segments the writer has left can be deleted", refused.getCause().getMessage());
            ExecutionException unknown = assertThrows(ExecutionException.class,
                    () -> journal.deleteSegment(99).get(30, TimeUnit.SECONDS));
            assertEquals("the journal in " + dir.toRealPath() + " has no segment 99; its segments are [" + active + "]",
                    unknown.getCause().getMessage());
            TestJournals.appendAll(journal, List.of("two"));
        }
        try (Journal journal = open()) {
            assertEquals(List.of("one", "two"), Replayed.texts(journal));
        }
    }

    @Test
    void reopeningGoesOnWritingInTheLastSegment() throws Exception {
        try (Journal journal = open()) {
            TestJournals.appendAll(journal, List.of("one"));
        }
        try (Journal journal = open()) {
            long position = TestJournals.appendAll(journal, List.of("two")).get(0).position();
            assertEquals(1, Positions.segmentOf(position));
            assertEquals(1, journal.segments().size());
        }
    }
}

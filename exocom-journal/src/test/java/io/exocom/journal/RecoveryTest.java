package io.exocom.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoveryTest {

    @TempDir
    Path dir;

    @Test
    void aTornLastRecordIsCutAtEveryByteOffsetAndWritingGoesOnFromThere() throws Exception {
        tornAtEveryOffset(TestJournals.options(dir).preallocate(false), false);
    }

    @Test
    void aTornLastRecordInAPreallocatedSegmentIsCutAtEveryByteOffset() throws Exception {
        tornAtEveryOffset(TestJournals.options(dir).maxSegmentBytes(16 * 1024), true);
    }

    /**
     * Keeps each possible part of the last record (the rest of it is gone: cut off the file, or zeros in a
     * pre-allocated one); each time everything before it replays, nothing of it, and the report says what was dropped.
     */
    private void tornAtEveryOffset(JournalOptions.Builder options, boolean preallocated) throws Exception {
        String lastText = "the last record, torn";
        List<Outcomes.Outcome> written;
        try (Journal journal = Journal.open(options.build())) {
            written = TestJournals.appendAll(journal, List.of("first", "second", "third", lastText));
        }
        Path segment = onlySegment();
        byte[] full = Files.readAllBytes(segment);
        assertEquals(preallocated ? 16 * 1024 : Positions.offsetOf(written.get(3).position())
                + RecordFormat.sizeOf(lastText.length()), full.length);
        int lastStart = (int) Positions.offsetOf(written.get(3).position());
        int lastSize = RecordFormat.sizeOf(lastText.length());

        for (int kept = 0; kept < lastSize; kept++) {
            byte[] torn = preallocated ? full.clone() : Arrays.copyOf(full, lastStart + kept);
            Arrays.fill(torn, lastStart + kept, preallocated ? lastStart + lastSize : torn.length, (byte) 0);
            Files.write(segment, torn);
            int dropped = 0;  // counted up to the last torn byte that is not zero
            for (int i = 0; i < kept; i++) {
                if (torn[lastStart + i] != 0) {
                    dropped = i + 1;
                }
            }
            try (Journal journal = Journal.open(options.build())) {
                RecoveryReport report = journal.recoveryReport();
                String context = "kept " + kept + ": " + report.summary();
                assertEquals(3, report.records(), context);
                assertEquals(dropped, report.droppedBytes(), context);
                assertEquals(dropped == 0 ? 0 : 1, report.droppedRecords(), context);
                assertTrue(report.countExact(), context);
                if (dropped > 0) {
                    RecoveryReport.Problem problem = report.problems().get(0);
                    assertEquals(RecoveryReport.Action.TRUNCATED, problem.action());
                    assertEquals(lastStart, problem.offset());
                }
                byte[] after = Files.readAllBytes(segment);
                for (int i = lastStart; i < after.length; i++) {
                    assertEquals(0, after[i], "the torn bytes are gone from the file: " + context);
                }
                assertEquals(List.of("first", "second", "third"), Replayed.texts(journal));
                TestJournals.appendAll(journal, List.of("after"));
            }
            try (Journal journal = Journal.open(options.build())) {
                assertTrue(journal.recoveryReport().clean(), journal.recoveryReport().summary());
                assertEquals(List.of("first", "second", "third", "after"), Replayed.texts(journal), "kept " + kept);
            }
        }
    }

    @Test
    void aCorruptByteInAnEarlierSegmentSkipsThatSegmentsRestAndLaterSegmentsAreStillRead() throws Exception {
        List<String> texts = TestJournals.texts("record-with-some-padding-to-fill-segments-", 200);
        List<Outcomes.Outcome> written;
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            written = TestJournals.appendAll(journal, texts);
        }
        List<Long> ids = SegmentFiles.list(dir);
        assertTrue(ids.size() >= 3, "the records span several segments: " + ids);
        long damagedId = ids.get(1);
        Path damaged = SegmentFiles.path(dir, damagedId);
        byte[] bytes = Files.readAllBytes(damaged);
        int middle = bytes.length / 2;
        bytes[middle] ^= 0x5A;
        Files.write(damaged, bytes);

        // the record the byte belongs to, and how many records of that segment follow it
        int hit = -1;
        int inSegmentFromHit = 0;
        for (int i = 0; i < written.size(); i++) {
            long position = written.get(i).position();
            if (Positions.segmentOf(position) == damagedId) {
                if (Positions.offsetOf(position) <= middle) {
                    hit = i;
                    inSegmentFromHit = 0;
                }
                inSegmentFromHit++;
            }
        }
        List<String> expected = new ArrayList<>(texts);
        expected.subList(hit, hit + inSegmentFromHit).clear();

        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            RecoveryReport report = journal.recoveryReport();
            assertEquals(1, report.problems().size(), report.summary());
            RecoveryReport.Problem problem = report.problems().get(0);
            assertEquals(damagedId, problem.segmentId());
            assertEquals(RecoveryReport.Action.SKIPPED, problem.action());
            assertEquals(Positions.offsetOf(written.get(hit).position()), problem.offset());
            assertEquals(inSegmentFromHit, problem.droppedRecords());
            assertEquals(bytes.length - problem.offset(), problem.droppedBytes());
            assertEquals("record checksum mismatch", problem.reason());
            assertEquals(expected, Replayed.texts(journal));
            assertEquals(bytes.length, Files.size(damaged), "an earlier segment is left as it is, for inspection");
            SegmentInfo info = journal.segments().get(1);
            assertTrue(info.damaged());
            assertFalse(journal.segments().get(0).damaged());
            TestJournals.appendAll(journal, List.of("after"));
        }
        expected.add("after");
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            assertEquals(expected, Replayed.texts(journal));
        }
    }

    @Test
    void aTruncatedEarlierSegmentLosesOnlyItsRest() throws Exception {
        List<String> texts = TestJournals.texts("record-with-some-padding-to-fill-segments-", 200);
        List<Outcomes.Outcome> written;
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            written = TestJournals.appendAll(journal, texts);
        }
        long cutId = SegmentFiles.list(dir).get(1);
        Path cut = SegmentFiles.path(dir, cutId);
        long cutAt = Files.size(cut) - 20;
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(cut), (int) cutAt));

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            long position = written.get(i).position();
            boolean lost = Positions.segmentOf(position) == cutId
                    && Positions.offsetOf(position) + RecordFormat.sizeOf(texts.get(i).length()) > cutAt;
            if (!lost) {
                expected.add(texts.get(i));
            }
        }
        assertEquals(texts.size() - 1, expected.size(), "cutting 20 bytes off loses the segment's last record");
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            RecoveryReport.Problem problem = journal.recoveryReport().problems().get(0);
            assertEquals(RecoveryReport.Action.SKIPPED, problem.action());
            assertEquals(cutId, problem.segmentId());
            assertEquals(1, problem.droppedRecords());
            assertEquals(expected, Replayed.texts(journal));
        }
    }

    @Test
    void anEarlierSegmentShorterThanItsHeaderIsSkippedWhole() throws Exception {
        List<String> texts = TestJournals.texts("record-with-some-padding-to-fill-segments-", 200);
        List<Outcomes.Outcome> written;
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            written = TestJournals.appendAll(journal, texts);
        }
        long cutId = SegmentFiles.list(dir).get(1);
        Files.write(SegmentFiles.path(dir, cutId), new byte[10]);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            if (Positions.segmentOf(written.get(i).position()) != cutId) {
                expected.add(texts.get(i));
            }
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).maxSegmentBytes(4096).build())) {
            RecoveryReport.Problem problem = journal.recoveryReport().problems().get(0);
            assertEquals(RecoveryReport.Action.SKIPPED, problem.action());
            assertEquals("the file (10 bytes) is shorter than a segment header", problem.reason());
            assertEquals(expected, Replayed.texts(journal));
        }
    }

    @Test
    void aLastSegmentWhoseCreationWasInterruptedIsRemovedAndANewOneStarted() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            TestJournals.appendAll(journal, List.of("kept"));
        }
        Path interrupted = SegmentFiles.path(dir, 2);
        Files.write(interrupted, new byte[] {1, 2, 3, 4, 5});
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            RecoveryReport report = journal.recoveryReport();
            assertEquals(RecoveryReport.Action.REMOVED, report.problems().get(0).action());
            assertEquals(5, report.droppedBytes());
            assertEquals(List.of("kept"), Replayed.texts(journal));
            TestJournals.appendAll(journal, List.of("next"));
            assertEquals(3, journal.segments().get(journal.segments().size() - 1).id(),
                    "a new segment after the highest id ever seen");
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("kept", "next"), Replayed.texts(journal));
        }
    }

    @Test
    void anEmptyDirectoryOpensAsAnEmptyJournal() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            RecoveryReport report = journal.recoveryReport();
            assertTrue(report.clean());
            assertEquals(0, report.segments());
            assertEquals(0, report.records());
            assertEquals(List.of(), Replayed.texts(journal));
            assertEquals(1, journal.segments().size());
            TestJournals.appendAll(journal, List.of("one"));
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("one"), Replayed.texts(journal));
        }
    }

    @Test
    void aPreallocatedSegmentTheWriterNeverWroteIsRemovedWithoutComplaint() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            TestJournals.appendAll(journal, List.of("kept"));
        }
        Files.write(SegmentFiles.path(dir, 2), new byte[64 * 1024]);
        Files.write(dir.resolve("7" + SegmentStorage.PREPARED_SUFFIX), new byte[64 * 1024]);
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertTrue(journal.recoveryReport().clean(), journal.recoveryReport().summary());
            assertEquals(List.of("kept"), Replayed.texts(journal));
            assertEquals(List.of(1L, 3L), journal.segments().stream().map(SegmentInfo::id).toList(),
                    "segment 2 is gone and the writer starts after the highest id it saw");
            assertFalse(Files.exists(dir.resolve("7" + SegmentStorage.PREPARED_SUFFIX)),
                    "a prepared file of an earlier run is deleted");
        }
    }

    @Test
    void aMissingDirectoryIsCreated() throws Exception {
        Path missing = dir.resolve("a/b/journal");
        try (Journal journal = Journal.open(TestJournals.options(missing).build())) {
            TestJournals.appendAll(journal, List.of("one"));
        }
        assertTrue(Files.isDirectory(missing));
        try (Journal journal = Journal.open(TestJournals.options(missing).build())) {
            assertEquals(List.of("one"), Replayed.texts(journal));
        }
    }

    private Path onlySegment() throws Exception {
        List<Long> ids = SegmentFiles.list(dir);
        assertEquals(1, ids.size());
        return SegmentFiles.path(dir, ids.get(0));
    }
}

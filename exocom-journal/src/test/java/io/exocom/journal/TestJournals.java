package io.exocom.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Options with short intervals, and small helpers the tests share. */
final class TestJournals {

    private TestJournals() {
    }

    static JournalOptions.Builder options(Path dir) {
        return JournalOptions.builder(dir)
                .maxSegmentBytes(1 << 20)  // pre-allocating the default 64 MiB per open would only slow the tests
                .probeInterval(Duration.ofMillis(20))
                .closeTimeout(Duration.ofSeconds(30));
    }

    /** Appends {@code texts} durably, one after the other without waiting, and waits for all answers. */
    static List<Outcomes.Outcome> appendAll(Journal journal, List<String> texts) throws Exception {
        Outcomes outcomes = new Outcomes();
        for (String text : texts) {
            journal.append(1, text.getBytes(StandardCharsets.UTF_8), outcomes.completion(text));
        }
        return outcomes.await(texts.size());
    }

    static List<String> texts(String prefix, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(prefix + i);
        }
        return texts;
    }
}

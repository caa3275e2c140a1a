package io.exocom.broker.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact table behind de-duplication and correlations, against a plain map doing the same. */
class TimedTableTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void agreesWithAMapUnderRandomPutsRemovesAndExpiry(boolean ofReferences) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int max = 200;
        TimedTable table = ofReferences ? TimedTable.ofReferences(max) : TimedTable.ofNumbers(max);
        Map<Key128, Long> model = new HashMap<>();
        Map<Key128, Long> putAt = new HashMap<>();
        long clock = 0;
        for (int step = 0; step < 100_000; step++) {
            clock++;
            Key128 key = Key128.of("s", "id-" + random.nextInt(400));
            int op = random.nextInt(10);
            if (op < 6) {
                table.put(key, clock, clock * 3, ofReferences ? Long.valueOf(clock * 3) : null);
                model.put(key, clock * 3);
                putAt.put(key, clock);
                if (model.size() > max) { // the model evicts its oldest, as the table does
                    Key128 oldest = putAt.entrySet().stream().min(Map.Entry.comparingByValue()).get().getKey();
                    model.remove(oldest);
                    putAt.remove(oldest);
                }
            } else if (op < 9) {
                assertEquals(model.remove(key) != null, table.remove(key), "seed " + seed);
                putAt.remove(key);
            } else {
                long oldestKept = clock - random.nextInt(300);
                table.expire(oldestKept);
                putAt.entrySet().removeIf(entry -> {
                    if (entry.getValue() < oldestKept) {
                        model.remove(entry.getKey());
                        return true;
                    }
                    return false;
                });
            }
            int slot = table.find(key);
            Long expected = model.get(key);
            long kept = slot < 0 ? -1L : ofReferences ? (Long) table.reference(slot) : table.number(slot);
            assertEquals(expected == null ? -1L : expected, kept, "seed " + seed);
            assertEquals(model.size(), table.size(), "seed " + seed);
        }
        assertTrue(table.consistent(), "seed " + seed);
    }

    @Test
    void fingerprintsOfDifferentPairsDiffer() {
        assertTrue(!Key128.of("ab", "c").equals(Key128.of("a", "bc")), "the separator keeps the pair apart");
        assertEquals(Key128.of("svc", "id"), Key128.of("svc", "id"));
        java.util.Set<Key128> seen = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(seen.add(Key128.of("service", Integer.toString(i))));
        }
    }
}

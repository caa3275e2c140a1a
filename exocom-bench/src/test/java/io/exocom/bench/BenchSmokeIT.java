package io.exocom.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every scenario of the harness for about a second against the packaged broker (and against nats-server when
 * it is installed) and checks that messages arrived. Asserts no timing: benchmarks are not tests.
 */
class BenchSmokeIT {

    @Test
    void everyScenarioMovesMessages() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        // the current nats-server that exocom-bench/run builds (JetStream's sync_interval needs it), else Debian's
        String nats = System.getenv("NATS_SERVER");
        if (nats == null) {
            nats = Bench.findOnPath("nats-server");
        }
        Set<String> systems = new LinkedHashSet<>(List.of(Bench.RAW, Bench.RAW_MEMORY, Bench.RELAY, Bench.RELAY_MEMORY));
        if (nats != null) {
            systems.add(Bench.NATS);
            if (!Bench.command(null, nats, "--version").contains("v2.9.")) {
                systems.addAll(List.of(Bench.JS_ALWAYS, Bench.JS_DEFAULT));
            }
        } else {
            System.out.println("BenchSmokeIT: nats-server is not installed, so the NATS side of the harness is "
                    + "skipped (exocom-bench/run installs it)");
        }
        Bench bench = new Bench(Bench.Mode.of("smoke"), root, Path.of("target/smoke-results"), nats, List.of(),
                systems, new LinkedHashSet<>(Bench.ALL_SCENARIOS));
        bench.run();
        bench.report();

        List<Result> results = bench.results();
        for (String system : systems) {
            for (String scenario : Bench.ALL_SCENARIOS) {
                boolean perBroker = scenario.equals("scale") || scenario.equals("start");
                if (perBroker && (system.equals(Bench.RELAY) || system.equals(Bench.RELAY_MEMORY)
                        || system.startsWith("nats-js"))) {
                    continue; // start and scale measure each broker process once, with raw clients
                }
                assertTrue(results.stream().anyMatch(r -> r.scenario.equals(scenario) && Bench.column(r).equals(system)),
                        "no " + scenario + " result for " + system);
            }
        }
        for (Result result : results) {
            String what = result.scenario + " " + result.payload + " " + result.system;
            assertNull(result.failure, what + " failed");
            switch (result.scenario) {
                case "round-trip", "throughput" ->
                        assertTrue(result.figures.get("count") > 0, what + ": no message arrived");
                // JetStream with a sync per message may deliver nothing within the smoke run's second on a busy
                // machine: what counts is that every receiver got messages before the end of the drain
                case "fan-out" -> assertTrue(result.figures.get("delivered to each") > 0, what + ": no message arrived");
                case "scale" -> assertTrue(result.figures.get("connections") >= 20, what + ": connections missing");
                case "start" -> assertTrue(result.figures.get("first connection ms") > 0, what + ": never accepted");
                default -> throw new AssertionError(result.scenario);
            }
        }
        assertFalse(bench.markdown().isBlank());
    }
}

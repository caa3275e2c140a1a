package io.exocom.broker.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings as the broker checks them, the configuration it runs with, and the README's table agree. */
class SettingsTest {

    @Test
    void everySettingIsCheckedAndDocumented() throws Exception {
        Set<String> checked = Settings.ALL.stream().map(Settings.Setting::property).collect(Collectors.toSet());
        for (Method method : ExocomConfig.class.getDeclaredMethods()) {
            String property = "exocom." + method.getName().replaceAll("([A-Z])", "-$1").toLowerCase();
            assertTrue(checked.contains(property), property + " is configurable but not checked at startup");
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        for (Settings.Setting setting : Settings.ALL) {
            assertTrue(readme.contains("| `" + setting.variable() + "` |"), setting.variable() + " is missing from the README's table");
        }
    }

    @Test
    void goodValuesPassAndEachBadOneIsOneSentence() {
        assertEquals(List.of(), Settings.problems(Map.of("EXOCOM_ACK_TIMEOUT", "PT30S", "EXOCOM_MAX_QUEUE_BYTES", "128M",
                "EXOCOM_HOST", "elsewhere", "EXOCOM_SERVICE_HOST", "10.0.0.1", "EXOCOM_PORT_3100_TCP_ADDR", "10.0.0.1"), Map.of()));
        List<String> problems = Settings.problems(Map.of("EXOCOM_MAX_ATTEMPTS", "0", "EXOCOM_DEDUP_WINDOW", "-1m"),
                Map.of("exocom.max-queue-dpeth", "5"));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("EXOCOM_MAX_ATTEMPTS is \"0\", but it must be a whole number from 1")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("did you mean exocom.max-queue-depth?")), problems.toString());
    }
}

package io.exocom.operator;

import io.exocom.operator.model.ExoServiceSpec;
import io.exocom.protocol.Limits;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CRD's pattern for service names says exactly what the protocol's {@link Limits} says. */
class ServiceNamePatternTest {

    @Test
    void patternAgreesWithLimitsOnEdgeCasesAndRandomNames() {
        List<String> samples = new ArrayList<>(List.of("todos", "a", "A1", "web-2", "x.y_z", "-a", "a-", ".a", "a.",
                "_a", "a_", "a b", "ä", "", "a".repeat(63), "a".repeat(64), "tödos", "a\u0000b", "1", "9-9"));
        Random random = new Random(42);
        String alphabet = "abcXYZ019._- /ä\t";
        for (int i = 0; i < 5000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(8);
            for (int j = 0; j < length; j++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            samples.add(name.toString());
        }
        for (String name : samples) {
            boolean byPattern = name.length() >= 1 && name.length() <= Limits.MAX_SERVICE_NAME_LENGTH
                    && name.matches(ExoServiceSpec.SERVICE_NAME_PATTERN);
            assertEquals(Limits.isValidServiceName(name), byPattern, "\"" + name + "\"");
        }
    }

    @Test
    void messageNamePatternAgreesWithLimits() {
        for (String name : List.of("todos.create", "a", "x y", "ä.ö", "a\u0001", "a\u007f", "a\u009f", "a\u00a0", "tab\there")) {
            boolean byPattern = name.length() >= 1 && name.length() <= Limits.MAX_NAME_LENGTH
                    && name.matches(ExoServiceSpec.MESSAGE_NAME_PATTERN.replace("\\x{9f}", "\\x9f"));
            assertEquals(Limits.isValidName(name), byPattern, "\"" + name + "\"");
        }
    }
}

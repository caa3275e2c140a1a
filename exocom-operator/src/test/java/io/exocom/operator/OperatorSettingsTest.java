package io.exocom.operator;

import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.control.RelayNetworkPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's new settings: good values as meant, bad ones refused with a sentence naming the variable. */
class OperatorSettingsTest {

    static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void relayTokenBounds() {
        assertEquals(600, new OperatorSettings.RelayToken("exocom", 600).expirationSeconds());
        assertTrue(refusal(() -> new OperatorSettings.RelayToken("exocom", 60))
                .startsWith("EXOCOM_RELAY_TOKEN_EXPIRATION is 60, but it must be 600 to 86400 seconds"));
        assertTrue(refusal(() -> new OperatorSettings.RelayToken(" ", 600)).startsWith("EXOCOM_RELAY_TOKEN_AUDIENCE is empty"));
    }

    @Test
    void brokerPodSelectorAndExtraEgress() {
        assertEquals(Map.of("a", "1", "b/c", "2"), RelayNetworkPolicy.Settings.parseSelector("a=1, b/c=2"));
        assertTrue(refusal(() -> RelayNetworkPolicy.Settings.parseSelector("broker"))
                .startsWith("EXOCOM_BROKER_POD_SELECTOR is \"broker\", but it must be labels as key=value pairs"));
        assertTrue(refusal(() -> new RelayNetworkPolicy.Settings(Map.of(), List.of()))
                .startsWith("EXOCOM_BROKER_POD_SELECTOR is empty"));
        assertEquals(List.of(), RelayNetworkPolicy.Settings.parseEgress(""));
        assertEquals(1, RelayNetworkPolicy.Settings.parseEgress("[{\"to\":[]}]").size());
        assertTrue(refusal(() -> RelayNetworkPolicy.Settings.parseEgress("{not json"))
                .startsWith("EXOCOM_RELAY_EGRESS_EXTRA is not a JSON list of NetworkPolicy egress rules"));
    }
}

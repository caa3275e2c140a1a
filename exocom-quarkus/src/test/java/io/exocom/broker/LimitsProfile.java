package io.exocom.broker;

import java.util.HashMap;
import java.util.Map;

/**
 * The test routes with small transport limits, so that the guards of PROTOCOL.md §1 (registration deadline, pongs,
 * slow consumers, connections per address) trip within a test.
 */
public class LimitsProfile extends RoutedProfile {
    public static final int MAX_CONNECTIONS_PER_ADDRESS = 12;
    public static final int MAX_PENDING_BYTES = 256 * 1024;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> settings = new HashMap<>(super.getConfigOverrides());
        settings.put("exocom.registration-timeout", "1s");
        settings.put("exocom.ping-interval", "1s");
        settings.put("exocom.max-pending-bytes", String.valueOf(MAX_PENDING_BYTES));
        settings.put("exocom.max-connections-per-address", String.valueOf(MAX_CONNECTIONS_PER_ADDRESS));
        settings.put("exocom.max-queue-depth", "1000");
        return settings;
    }
}

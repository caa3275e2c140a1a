package io.exocom.broker;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A broker with the test routes and small limits, so that timeouts, attempts and bounds are reached quickly.
 * The routes file is a copy in target/, so that the reload test can change it.
 */
public class RoutedProfile implements QuarkusTestProfile {
    public static final Path ROUTES = Path.of("target", "test-routes", "routes.yaml").toAbsolutePath();
    public static final int MAX_QUEUE_DEPTH = 20;
    public static final int MAX_ATTEMPTS = 3;
    public static final int MAX_FRAME_SIZE = 64 * 1024;
    /** Long enough that a busy 2-core machine does not time out deliveries a test holds on purpose. */
    public static final int ACK_TIMEOUT_SECONDS = 3;

    public static void restoreRoutes() {
        try (InputStream original = RoutedProfile.class.getResourceAsStream("/routes/test-routes.yaml")) {
            Files.createDirectories(ROUTES.getParent());
            Path temp = Files.createTempFile(ROUTES.getParent(), "routes", ".tmp");
            Files.copy(original, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, ROUTES, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        restoreRoutes();
        return Map.of(
                "exocom.routes", ROUTES.toString(),
                "exocom.routes-poll-interval", "100ms",
                "exocom.ack-timeout", ACK_TIMEOUT_SECONDS + "s",
                "exocom.max-attempts", String.valueOf(MAX_ATTEMPTS),
                "exocom.max-queue-depth", String.valueOf(MAX_QUEUE_DEPTH),
                "exocom.max-frame-size", String.valueOf(MAX_FRAME_SIZE),
                "exocom.reply-window", "3s",
                "exocom.ping-interval", "1s",
                "exocom.registration-timeout", "3s");
    }
}

package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Limits;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * How a relay connects and behaves. Built by {@link ExoRelay.Builder}, usually from the environment variables
 * that PROTOCOL.md §6 names and that the platform (the ExoCom operator, or a run script) provides:
 * <table>
 *   <caption>Environment</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code SERVICE_NAME}</td><td>required</td></tr>
 *   <tr><td>{@code EXOCOM_HOST}</td><td>{@code localhost}</td></tr>
 *   <tr><td>{@code EXOCOM_PORT}</td><td>{@code 3100}</td></tr>
 *   <tr><td>{@code EXOCOM_INSTANCE}</td><td>the host name</td></tr>
 *   <tr><td>{@code EXOCOM_TOKEN} or {@code EXOCOM_TOKEN_FILE}</td><td>none (authentication off)</td></tr>
 * </table>
 *
 * @param service           the service's registered name (required)
 * @param instance          the name of this running copy, unique per service
 * @param host              ExoCom's host
 * @param port              ExoCom's port
 * @param secure            whether to connect with {@code wss://}
 * @param token             the token proving the service's identity, or null
 * @param tokenFile         a file holding the token, read at every connect (so rotated tokens are picked up), or null
 * @param prefetch          the most unacknowledged deliveries this instance takes at once, or null for ExoCom's default
 * @param requestTimeout    default timeout of {@link Sender#request(String, Object)}
 * @param maxBufferedSends  how many unanswered sends may wait while ExoCom is unreachable
 * @param reconnectMinDelay first back-off delay after a lost connection
 * @param reconnectMaxDelay longest back-off delay
 * @param connectTimeout    how long one connection attempt may take
 * @param heartbeatInterval how often the relay pings ExoCom; a connection silent for two intervals is taken as dead
 *                          and replaced (a peer that vanished without closing TCP is otherwise never noticed)
 * @param closeGracePeriod  how long {@link ExoRelay#close()} waits for running handlers and unanswered sends
 * @param rememberedIds     how many handled message ids are remembered to recognise redeliveries
 * @param mapper            reads and writes payloads
 */
public record ExoRelayConfig(
        String service,
        String instance,
        String host,
        int port,
        boolean secure,
        String token,
        Path tokenFile,
        Integer prefetch,
        Duration requestTimeout,
        int maxBufferedSends,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay,
        Duration connectTimeout,
        Duration heartbeatInterval,
        Duration closeGracePeriod,
        int rememberedIds,
        ObjectMapper mapper) {

    public ExoRelayConfig {
        if (service == null || service.isBlank()) {
            throw new IllegalArgumentException("no service name: set the environment variable SERVICE_NAME to the "
                    + "name this service is registered under in ExoCom's routes (for example SERVICE_NAME=todos), "
                    + "or call ExoRelay.builder().service(\"todos\")");
        }
        if (!Limits.isValidServiceName(service)) {
            throw new IllegalArgumentException("service name \"" + service + "\" is not valid: use 1-63 letters, "
                    + "digits, '.', '_' or '-', starting and ending with a letter or digit");
        }
        if (instance == null || instance.isBlank()) {
            instance = defaultInstance();
        }
        host = host == null || host.isBlank() ? "localhost" : host;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("ExoCom port " + port + " is not a TCP port (1-65535)");
        }
        if (prefetch != null && prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, not " + prefetch);
        }
        requestTimeout = positive(requestTimeout, Duration.ofSeconds(30), "requestTimeout");
        if (maxBufferedSends < 0) {
            throw new IllegalArgumentException("maxBufferedSends must not be negative");
        }
        reconnectMinDelay = positive(reconnectMinDelay, Duration.ofMillis(100), "reconnectMinDelay");
        reconnectMaxDelay = positive(reconnectMaxDelay, Duration.ofSeconds(5), "reconnectMaxDelay");
        if (reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            reconnectMaxDelay = reconnectMinDelay;
        }
        connectTimeout = positive(connectTimeout, Duration.ofSeconds(5), "connectTimeout");
        heartbeatInterval = positive(heartbeatInterval, Duration.ofSeconds(10), "heartbeatInterval");
        closeGracePeriod = closeGracePeriod == null ? Duration.ofSeconds(30) : closeGracePeriod;
        if (rememberedIds < 0) {
            throw new IllegalArgumentException("rememberedIds must not be negative");
        }
        mapper = mapper == null ? new ObjectMapper() : mapper;
    }

    private static Duration positive(Duration value, Duration fallback, String what) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + value);
        }
        return value;
    }

    /** The WebSocket address of ExoCom, e.g. {@code ws://localhost:3100/services}. */
    public URI uri() {
        return URI.create((secure ? "wss://" : "ws://") + host + ":" + port + "/services");
    }

    /** The token to register with: {@link #token()}, else the content of {@link #tokenFile()}, else null. */
    public String currentToken() {
        if (token != null && !token.isBlank()) {
            return token.trim();
        }
        if (tokenFile != null) {
            try {
                String text = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
                return text.isEmpty() ? null : text;
            } catch (IOException e) {
                throw new ExoRelayException("cannot read the ExoCom token from EXOCOM_TOKEN_FILE " + tokenFile
                        + ": " + e.getMessage(), e);
            }
        }
        return null;
    }

    /** Reads the variables of PROTOCOL.md §6 from {@code env} into {@code builder}; absent ones are left alone. */
    static ExoRelay.Builder readEnvironment(Map<String, String> env, ExoRelay.Builder builder) {
        Objects.requireNonNull(env, "env");
        String service = env.get("SERVICE_NAME");
        if (service != null && !service.isBlank()) {
            builder.service(service.trim());
        }
        String host = env.get("EXOCOM_HOST");
        if (host != null && !host.isBlank()) {
            builder.host(host.trim());
        }
        String port = env.get("EXOCOM_PORT");
        if (port != null && !port.isBlank()) {
            try {
                builder.port(Integer.parseInt(port.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("EXOCOM_PORT \"" + port + "\" is not a port number");
            }
        }
        String instance = env.get("EXOCOM_INSTANCE");
        if (instance != null && !instance.isBlank()) {
            builder.instance(instance.trim());
        }
        String token = env.get("EXOCOM_TOKEN");
        if (token != null && !token.isBlank()) {
            builder.token(token.trim());
        }
        String tokenFile = env.get("EXOCOM_TOKEN_FILE");
        if (tokenFile != null && !tokenFile.isBlank()) {
            builder.tokenFile(Path.of(tokenFile.trim()));
        }
        return builder;
    }

    private static String defaultInstance() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (IOException | SecurityException ignored) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env : "instance-" + UUID.randomUUID().toString().substring(0, 8);
    }
}

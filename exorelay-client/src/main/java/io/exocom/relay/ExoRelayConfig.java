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
 * How a relay connects and behaves. Built by {@link ExoRelay.Builder} (its settings are {@link Builder}), usually from the environment variables
 * that PROTOCOL.md §6 names and that the platform (the ExoCom operator, or a run script) provides:
 * <table>
 *   <caption>Environment</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code SERVICE_NAME}</td><td>required</td></tr>
 *   <tr><td>{@code EXOCOM_HOST}</td><td>{@code localhost}</td></tr>
 *   <tr><td>{@code EXOCOM_PORT}</td><td>{@code 3100}</td></tr>
 *   <tr><td>{@code EXOCOM_INSTANCE}</td><td>the host name and the process id</td></tr>
 *   <tr><td>{@code EXOCOM_TOKEN} or {@code EXOCOM_TOKEN_FILE}</td><td>none (authentication off)</td></tr>
 *   <tr><td>{@code EXOCOM_TLS}</td><td>{@code false}; {@code true} connects with {@code wss://}</td></tr>
 *   <tr><td>{@code EXOCOM_TLS_CA}</td><td>none: the system trust store verifies ExoCom's certificate</td></tr>
 * </table>
 * {@code EXOCOM_HOST} may also be an address, {@code wss://broker:3100} or {@code ws://broker}: its scheme says
 * whether to use TLS ({@code wss}, {@code https}) and its port, when given, overrides {@code EXOCOM_PORT}.
 *
 * @param service           the service's registered name (required)
 * @param instance          the name of this running copy, unique per service
 * @param host              ExoCom's host
 * @param port              ExoCom's port
 * @param secure            whether to connect with TLS ({@code wss://})
 * @param token             the token proving the service's identity, or null
 * @param tokenFile         a file holding the token, read at every (re)connect (so a rotated token is used from the next
 *                          connection on; while it cannot be read, the last token read stays in use), or null
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
 * @param tlsCa             a PEM file of the CA certificates that verify ExoCom's certificate instead of the system
 *                          trust store, or null; implies TLS
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
        ObjectMapper mapper,
        Path tlsCa) {

    /** ExoCom's host when none is given. */
    public static final String DEFAULT_HOST = "localhost";
    /** ExoCom's port when none is given. */
    public static final int DEFAULT_PORT = Limits.DEFAULT_PORT;
    /** Timeout of a request when the call names none. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How many unanswered sends may wait while ExoCom is unreachable. */
    public static final int DEFAULT_MAX_BUFFERED_SENDS = 10_000;
    /** The first back-off delay after a lost connection. */
    public static final Duration DEFAULT_RECONNECT_MIN_DELAY = Duration.ofMillis(100);
    /** The longest back-off delay. */
    public static final Duration DEFAULT_RECONNECT_MAX_DELAY = Duration.ofSeconds(5);
    /** How long one connection attempt, registration included, may take. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How often the relay pings ExoCom. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    /** How long close() waits for running handlers and unanswered sends. */
    public static final Duration DEFAULT_CLOSE_GRACE_PERIOD = Duration.ofSeconds(30);
    /** How many handled message ids are remembered to recognise redeliveries. */
    public static final int DEFAULT_REMEMBERED_IDS = 10_000;
    /** The largest frame the relay reads; ExoCom's own limit (maxFrameSize) is lower unless raised this far. */
    public static final int MAX_INBOUND_FRAME_BYTES = 64 * 1024 * 1024;

    /** The configuration without a CA file of its own (the form before TLS). */
    public ExoRelayConfig(String service, String instance, String host, int port, boolean secure, String token,
                          Path tokenFile, Integer prefetch, Duration requestTimeout, int maxBufferedSends,
                          Duration reconnectMinDelay, Duration reconnectMaxDelay, Duration connectTimeout,
                          Duration heartbeatInterval, Duration closeGracePeriod, int rememberedIds,
                          ObjectMapper mapper) {
        this(service, instance, host, port, secure, token, tokenFile, prefetch, requestTimeout, maxBufferedSends,
                reconnectMinDelay, reconnectMaxDelay, connectTimeout, heartbeatInterval, closeGracePeriod,
                rememberedIds, mapper, null);
    }

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
        host = host == null || host.isBlank() ? DEFAULT_HOST : host;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("ExoCom port " + port + " is not a TCP port (1-65535)");
        }
        if (prefetch != null && prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, not " + prefetch);
        }
        requestTimeout = positive(requestTimeout, DEFAULT_REQUEST_TIMEOUT, "requestTimeout");
        if (maxBufferedSends < 0) {
            throw new IllegalArgumentException("maxBufferedSends must not be negative");
        }
        reconnectMinDelay = positive(reconnectMinDelay, DEFAULT_RECONNECT_MIN_DELAY, "reconnectMinDelay");
        reconnectMaxDelay = positive(reconnectMaxDelay, DEFAULT_RECONNECT_MAX_DELAY, "reconnectMaxDelay");
        if (reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            reconnectMaxDelay = reconnectMinDelay;
        }
        connectTimeout = positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connectTimeout");
        heartbeatInterval = positive(heartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL, "heartbeatInterval");
        closeGracePeriod = closeGracePeriod == null ? DEFAULT_CLOSE_GRACE_PERIOD : closeGracePeriod;
        if (rememberedIds < 0) {
            throw new IllegalArgumentException("rememberedIds must not be negative");
        }
        mapper = mapper == null ? new ObjectMapper() : mapper;
        secure = secure || tlsCa != null;
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
    static void readEnvironment(Map<String, String> env, Builder<?> builder) {
        Objects.requireNonNull(env, "env");
        String service = env.get("SERVICE_NAME");
        if (service != null && !service.isBlank()) {
            builder.service(service.trim());
        }
        String port = env.get("EXOCOM_PORT");
        if (port != null && !port.isBlank()) {
            try {
                builder.port(Integer.parseInt(port.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("EXOCOM_PORT \"" + port + "\" is not a port number");
            }
        }
        String tls = env.get("EXOCOM_TLS");
        if (tls != null && !tls.isBlank()) {
            switch (tls.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> builder.secure(true);
                case "false" -> builder.secure(false);
                default -> throw new IllegalArgumentException("EXOCOM_TLS \"" + tls + "\" is not true or false: say "
                        + "EXOCOM_TLS=true to connect to ExoCom with TLS, false (the default) for a plain connection");
            }
        }
        String host = env.get("EXOCOM_HOST");
        if (host != null && !host.isBlank()) {
            try {
                builder.address(host.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("EXOCOM_HOST: " + e.getMessage());
            }
        }
        String ca = env.get("EXOCOM_TLS_CA");
        if (ca != null && !ca.isBlank()) {
            builder.tlsCa(Path.of(ca.trim()));
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
    }

    /**
     * Reads an address, {@code wss://broker:3100} or a plain host name, into the builder; the scheme sets TLS,
     * the port (when given) the port.
     */
    static void readAddress(String address, Builder<?> builder) {
        int scheme = address.indexOf("://");
        if (scheme < 0) {
            builder.host(address);
            return;
        }
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + address + "\" is not an address like wss://exocom:3100");
        }
        String kind = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        switch (kind) {
            case "wss", "https" -> builder.secure(true);
            case "ws", "http" -> {
                // plain, unless EXOCOM_TLS=true asks for TLS all the same
            }
            default -> throw new IllegalArgumentException("\"" + address + "\" has the scheme " + kind
                    + ": say wss:// (TLS) or ws://, or give a plain host name");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("\"" + address + "\" names no host, like wss://exocom:3100");
        }
        builder.host(uri.getHost());
        if (uri.getPort() > 0) {
            builder.port(uri.getPort());
        }
    }

    /**
     * The host name and the process id: with the host name alone, two processes of one service on one machine would
     * be one instance, and ExoCom replaces an instance's older connection by its newer one, so they would push each
     * other out in turn.
     */
    private static String defaultInstance() {
        return hostName() + "-" + ProcessHandle.current().pid();
    }

    private static String hostName() {
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

    /**
     * The settings of a relay, one method each (later calls win), from the defaults above; {@link #environment(Map)}
     * reads the variables of PROTOCOL.md §6. {@link ExoRelay.Builder}, from {@link ExoRelay#builder()}, is the one
     * to use: it adds {@link ExoRelay.Builder#build()}.
     *
     * @param <B> the builder itself, so that chained calls keep its type
     */
    public abstract static class Builder<B extends Builder<B>> {

        private String service;
        private String instance;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private boolean secure;
        private Path tlsCa;
        private String token;
        private Path tokenFile;
        private Integer prefetch;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxBufferedSends = DEFAULT_MAX_BUFFERED_SENDS;
        private Duration reconnectMinDelay = DEFAULT_RECONNECT_MIN_DELAY;
        private Duration reconnectMaxDelay = DEFAULT_RECONNECT_MAX_DELAY;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration closeGracePeriod = DEFAULT_CLOSE_GRACE_PERIOD;
        private int rememberedIds = DEFAULT_REMEMBERED_IDS;
        private ObjectMapper mapper;

        /**
         * Reads {@code SERVICE_NAME}, {@code EXOCOM_HOST}, {@code EXOCOM_PORT}, {@code EXOCOM_INSTANCE},
         * {@code EXOCOM_TOKEN}, {@code EXOCOM_TOKEN_FILE}, {@code EXOCOM_TLS} and {@code EXOCOM_TLS_CA} from
         * {@code env} (usually {@code System.getenv()}); absent variables leave the current values.
         */
        public B environment(Map<String, String> env) {
            readEnvironment(env, this);
            return self();
        }

        /** The service's registered name ({@code SERVICE_NAME}); required. */
        public B service(String service) {
            this.service = service;
            return self();
        }

        /** This running copy's name ({@code EXOCOM_INSTANCE}); default: the host name and the process id. */
        public B instance(String instance) {
            this.instance = instance;
            return self();
        }

        /** ExoCom's host ({@code EXOCOM_HOST}); default {@code localhost}. */
        public B host(String host) {
            this.host = host;
            return self();
        }

        /** ExoCom's port ({@code EXOCOM_PORT}); default 3100. */
        public B port(int port) {
            this.port = port;
            return self();
        }

        /**
         * ExoCom's address: a host name, or {@code wss://host:port} / {@code ws://host:port} (the scheme sets TLS,
         * the port, when given, the port).
         */
        public B address(String address) {
            readAddress(Objects.requireNonNull(address, "address"), this);
            return self();
        }

        /** Connect with TLS ({@code wss://}, {@code EXOCOM_TLS=true}), verifying ExoCom's certificate. */
        public B secure(boolean secure) {
            this.secure = secure;
            return self();
        }

        /**
         * A PEM file with the CA certificates that verify ExoCom's certificate ({@code EXOCOM_TLS_CA}), instead of
         * the system trust store; implies TLS.
         */
        public B tlsCa(Path tlsCa) {
            this.tlsCa = tlsCa;
            return self();
        }

        /** The token proving the service's identity ({@code EXOCOM_TOKEN}). */
        public B token(String token) {
            this.token = token;
            return self();
        }

        /**
         * A file holding the token ({@code EXOCOM_TOKEN_FILE}), read at every connect: a rotated token is used from
         * the next (re)connect on, and a file unreadable for a moment leaves the last token read in use.
         */
        public B tokenFile(Path tokenFile) {
            this.tokenFile = tokenFile;
            return self();
        }

        /** The most unacknowledged deliveries this instance takes at once; default: ExoCom's (64). */
        public B prefetch(int prefetch) {
            this.prefetch = prefetch;
            return self();
        }

        /** Timeout of {@link ExoRelay#request(String, Object)}; default 30 s. */
        public B requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return self();
        }

        /** How many unanswered sends may wait while ExoCom is unreachable; default 10,000. */
        public B maxBufferedSends(int maxBufferedSends) {
            this.maxBufferedSends = maxBufferedSends;
            return self();
        }

        /** Back-off between reconnection attempts: from {@code min}, doubling, up to {@code max}, with jitter. */
        public B reconnectDelay(Duration min, Duration max) {
            this.reconnectMinDelay = min;
            this.reconnectMaxDelay = max;
            return self();
        }

        /** How long one connection attempt, registration included, may take; default 5 s. */
        public B connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return self();
        }

        /**
         * How often the relay pings ExoCom; default 10 s. A connection that stays silent for two intervals (no frame,
         * no pong) is dropped and replaced, so that a broker or network that vanished without closing the TCP
         * connection is noticed.
         */
        public B heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return self();
        }

        /** How long {@link ExoRelay#close()} waits for running handlers and unanswered sends; default 30 s. */
        public B closeGracePeriod(Duration closeGracePeriod) {
            this.closeGracePeriod = closeGracePeriod;
            return self();
        }

        /** How many handled message ids are remembered to recognise redeliveries; default 10,000. */
        public B rememberedIds(int rememberedIds) {
            this.rememberedIds = rememberedIds;
            return self();
        }

        /** The Jackson mapper that reads and writes payloads; default a plain {@code new ObjectMapper()}. */
        public B objectMapper(ObjectMapper mapper) {
            this.mapper = mapper;
            return self();
        }

        /** The configuration so far; fails with a sentence naming the problem, e.g. a missing service name. */
        public ExoRelayConfig config() {
            return new ExoRelayConfig(service, instance, host, port, secure, token, tokenFile, prefetch,
                    requestTimeout, maxBufferedSends, reconnectMinDelay, reconnectMaxDelay, connectTimeout,
                    heartbeatInterval, closeGracePeriod, rememberedIds, mapper, tlsCa);
        }

        Builder() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }
    }
}

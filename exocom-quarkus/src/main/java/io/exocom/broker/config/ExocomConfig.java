package io.exocom.broker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of the broker. Each can be given as an environment variable: {@code exocom.max-attempts} is
 * {@code EXOCOM_MAX_ATTEMPTS}. The port is Quarkus' {@code quarkus.http.port}, set from {@code EXOCOM_PORT}.
 * {@link Settings} checks the values a user gives before the broker starts; the README's settings table lists them
 * all. Keep the three in step ({@code SettingsTest} checks it).
 */
@ConfigMapping(prefix = "exocom")
public interface ExocomConfig {

    /** Routes file or directory; without it the broker runs in development mode. */
    Optional<String> routes();

    /**
     * A Kubernetes ConfigMap holding the routes, as {@code namespace/name} (what the ExoCom operator publishes);
     * watched through the API server and applied live. Used when {@link #routes()} is not given.
     */
    Optional<String> routesConfigmap();

    /** How often the routes file or directory is checked for changes. */
    @WithDefault("1s")
    Duration routesPollInterval();

    /** Waiting copies per receiving service before commands for it are rejected {@code queue-full}. */
    @WithDefault("10000")
    int maxQueueDepth();

    /** Bytes of waiting copies per receiving service before commands for it are rejected {@code queue-full}. */
    @WithDefault("64M")
    MemorySize maxQueueBytes();

    /**
     * Bytes of copies queued or in flight in the whole broker before commands are rejected {@code queue-full};
     * default a quarter of the JVM's heap less the de-duplication and correlation tables at their bounds
     * ({@link MemoryDefaults}).
     */
    Optional<MemorySize> maxTotalBytes();

    /** Largest frame (and HTTP message body) in bytes; larger ones are refused {@code too-large}. */
    @WithDefault("1048576")
    int maxFrameSize();

    /** Bytes that may wait to be written to one connection before it is closed as a slow consumer. */
    @WithDefault("16M")
    MemorySize maxPendingBytes();

    /** How long a delivery may stay unacknowledged before it is delivered again. */
    @WithDefault("60s")
    Duration ackTimeout();

    /** Deliveries of one copy before it becomes a dead letter. */
    @WithDefault("5")
    int maxAttempts();

    /** How long a command accepts replies after it was delivered. */
    @WithDefault("10m")
    Duration replyWindow();

    /**
     * Most commands accepting replies at once; beyond it the oldest stop accepting them (a late reply is refused
     * unknown-command) before their reply window ends.
     */
    @WithDefault("1000000")
    int maxCorrelations();

    /** How long an accepted id is remembered to answer a repeated send without delivering it again. */
    @WithDefault("10m")
    Duration dedupWindow();

    /** Most ids remembered for de-duplication; beyond it the oldest are forgotten before their window ends. */
    @WithDefault("1000000")
    int dedupMaxEntries();

    /** Dead letters kept; beyond it the oldest is dropped with an error log line and a metric. */
    @WithDefault("10000")
    int maxDeadLetters();

    /** Bytes of dead letters kept; beyond it the oldest are dropped, as beyond {@link #maxDeadLetters()}. */
    @WithDefault("64M")
    MemorySize maxDeadLetterBytes();

    /** Highest prefetch an instance may ask for. */
    @WithDefault("10000")
    int maxPrefetch();

    /** How often ExoCom pings every connection; one silent for two intervals is closed. */
    @WithDefault("30s")
    Duration pingInterval();

    /** How long a new connection may take to register before it is closed. */
    @WithDefault("10s")
    Duration registrationTimeout();

    /** Most relay connections open at once. */
    @WithDefault("10000")
    int maxConnections();

    /** Most relay connections open at once from one remote address. */
    @WithDefault("1000")
    int maxConnectionsPerAddress();

    /** Web page origins allowed to open a WebSocket ({@code *} for any); none by default. */
    Optional<List<String>> allowedOrigins();

    /** Longest {@code ?wait=} a {@code POST /messages} may ask for. */
    @WithDefault("60s")
    Duration httpMaxWait();

    /** How long a graceful stop waits for pending sends and queued frames before closing connections. */
    @WithDefault("10s")
    Duration shutdownGrace();

    /** Where accepted messages are kept: {@code journal} (on disk, the default) or {@code memory} (not durable). */
    @WithDefault("journal")
    String store();

    /** The journal's directory, relative to the working directory unless absolute. */
    @WithDefault("exocom-data")
    String dataDir();

    /**
     * {@code always}: {@code accepted} after the message is synced to disk (survives a machine crash);
     * {@code os}: after it is written to the operating system (survives a broker crash, not a machine crash).
     */
    @WithDefault("always")
    String journalSync();

    /** Size of one journal segment file; space is reclaimed a segment at a time. */
    @WithDefault("64M")
    MemorySize journalSegmentSize();

    /** One log line per delivery (sender, name, receiver, attempt). */
    @WithDefault("true")
    boolean logMessages();

    /**
     * A file of {@code service=token} lines (and {@code @name=token} lines for admins); when given, every relay
     * must register with its service's token, {@code POST /messages} must carry it as a bearer token, and the
     * other HTTP views need an admin token.
     */
    Optional<String> tokensFile();

    /** PEM certificate (chain) of the broker: with {@link #tlsKey()}, its port speaks only TLS (wss://, https://). */
    Optional<String> tlsCert();

    /** PEM private key of {@link #tlsCert()}. */
    Optional<String> tlsKey();

    /** PEM CA certificates: when given, every client must present a certificate they signed (mutual TLS). */
    Optional<String> tlsClientCa();

    /**
     * With TLS on, a second port that accepts plain (unencrypted) connections, for clients not yet moved to TLS;
     * none by default: the broker's port takes TLS only.
     */
    Optional<Integer> tlsPlainPort();

    /** How often the TLS files are checked for a new certificate (cert-manager rotates them in place). */
    @WithDefault("1m")
    Duration tlsReloadInterval();

    /**
     * Relays prove their service with their pod's ServiceAccount token, validated by a TokenReview and mapped to a
     * service by the routes' {@code serviceAccount: namespace/name}.
     */
    @WithDefault("false")
    boolean authKubernetes();

    /** The audience ServiceAccount tokens must be issued for (the projected token's {@code audience}). */
    @WithDefault("exocom")
    String authAudience();

    /** Sends per second one service may make, all its instances and HTTP senders together; 0 for no limit. */
    @WithDefault("100000")
    int maxSendRate();

    /** Suspicious events of one kind from one source within a minute that raise an alarm. */
    @WithDefault("10")
    int alarmThreshold();

    /** How many times its recent normal a service's send rate must be to raise the send-rate alarm. */
    @WithDefault("10")
    int sendRateAlarmFactor();

    /** Sends per second below which the send-rate alarm is never raised. */
    @WithDefault("100")
    int sendRateAlarmMin();

    /** Over how long a service's normal send rate is averaged (and watched before its first send-rate alarm). */
    @WithDefault("5m")
    Duration sendRateBaseline();
}

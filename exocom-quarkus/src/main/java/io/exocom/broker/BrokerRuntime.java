package io.exocom.broker;

import io.exocom.broker.auth.KubernetesAccessReviews;
import io.exocom.broker.auth.KubernetesTokenReviews;
import io.exocom.broker.auth.RelayAuthentication;
import io.exocom.broker.auth.Tokens;
import io.exocom.broker.config.ExocomConfig;
import io.exocom.broker.config.MemoryDefaults;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.BrokerSettings;
import io.exocom.broker.core.SendRateLimiter;
import io.exocom.broker.core.ServiceDispatcher;
import io.exocom.broker.observe.Alarms;
import io.exocom.broker.observe.SendRateWatch;
import io.exocom.broker.observe.TrafficObserver;
import io.exocom.broker.routing.ConfigMapRoutesSource;
import io.exocom.broker.routing.RoutesWatcher;
import io.exocom.broker.routing.Routing;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.Recovered;
import io.exocom.broker.store.journal.JournalMessageStore;
import io.exocom.broker.store.memory.MemoryDeadLetterStore;
import io.exocom.broker.store.memory.MemoryMessageStore;
import io.exocom.broker.tls.BrokerTls;
import io.exocom.broker.tls.PemMaterial;
import io.exocom.broker.tls.PlainPort;
import io.exocom.broker.wire.FrameDecoder;
import io.exocom.journal.JournalException;
import io.exocom.journal.JournalOptions;
import io.exocom.journal.SyncMode;
import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Builds the broker from the configuration and runs its housekeeping: the ack-timeout sweep, the routes watcher
 * and the per-service gauges. Everything transport-specific lives in {@code transport} and {@code http}.
 */
@Singleton
public class BrokerRuntime implements HttpServerOptionsCustomizer {
    private static final Logger LOG = Logger.getLogger("exocom");
    /** Largest journal batch completed on its writer thread (JournalOptions.inlineCompletions); more hand off. */
    private static final int INLINE_COMPLETIONS = 16;
    /** The exit status of a broker that hit an error it cannot recover from, as -XX:+ExitOnOutOfMemoryError's. */
    static final int EXIT_FATAL = 3;

    private final ExocomConfig config;
    private final MeterRegistry registry;
    private final FrameDecoder decoder = new FrameDecoder();
    private final Routing routing;
    private final Tokens tokens;
    private final KubernetesTokenReviews reviews;
    private final RelayAuthentication authentication;
    private final KubernetesAccessReviews accessReviews;
    private final Alarms alarms;
    private final PlainPort plainPort = new PlainPort();
    private final SendRateWatch sendRateWatch;
    private final Optional<BrokerTls> tls;
    private final MessageStore store;
    private final TrafficObserver observer;
    private final Broker broker;
    private final Set<String> gaugedServices = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService housekeeping;
    private long evictionsReported;
    private long evictionWarnedNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);
    private RoutesWatcher watcher;
    private ConfigMapRoutesSource configMapSource;
    private final java.util.concurrent.atomic.AtomicBoolean announced = new java.util.concurrent.atomic.AtomicBoolean();

    BrokerRuntime(ExocomConfig config, MeterRegistry registry, Instance<KubernetesClient> kubernetes) {
        this.config = config;
        this.registry = registry;
        this.routing = loadRouting(config, kubernetes);
        this.tokens = loadTokens(config);
        this.reviews = config.authKubernetes()
                ? new KubernetesTokenReviews(kubernetes.get(), config.authAudience(), registry) : null;
        this.authentication = new RelayAuthentication(tokens, reviews);
        this.accessReviews = reviews == null ? null : new KubernetesAccessReviews(reviews,
                kubernetes.get().getNamespace() == null ? "default" : kubernetes.get().getNamespace());
        this.tls = loadTls(config);
        long totalBytes = config.maxTotalBytes().map(size -> size.asLongValue())
                .orElse(MemoryDefaults.maxTotalBytes(Runtime.getRuntime().maxMemory(), config.dedupMaxEntries(),
                        config.maxCorrelations()));
        BrokerSettings settings = new BrokerSettings(config.maxQueueDepth(), config.maxQueueBytes().asLongValue(),
                totalBytes, config.ackTimeout(), config.maxAttempts(), config.replyWindow(), config.dedupWindow(),
                config.dedupMaxEntries(), 10_000, config.maxCorrelations());
        this.observer = new TrafficObserver(registry, config.logMessages());
        this.store = openStore(config, settings);
        this.broker = new Broker(settings, routing, store, observer,
                new SendRateLimiter(config.maxSendRate()));
        KubernetesClient eventsClient = config.authKubernetes() || configMapSource != null ? kubernetes.get() : null;
        String brokerNamespace = eventsClient == null || eventsClient.getNamespace() == null ? "default" : eventsClient.getNamespace();
        this.alarms = new Alarms(registry, config.alarmThreshold(),
                service -> routing.get().isKnownService(service), eventsClient, service -> {
                    String account = routing.get().serviceAccountOf(service);
                    return account == null || account.isEmpty() ? brokerNamespace : account.substring(0, account.indexOf('/'));
                });
        observer.alarms(alarms);
        this.sendRateWatch = new SendRateWatch(() -> broker.sendRates().sentSoFar(), alarms,
                config.sendRateAlarmFactor(), config.sendRateAlarmMin(), config.sendRateBaseline().toNanos());
        if (store instanceof JournalMessageStore journal) {
            journal.windowsFrom(broker.windowSource());
        }
        Recovered recovered = store.recover();
        broker.restore(recovered);
        LOG.infof("store: %s", recovered.summary());
    }

    /**
     * The journal, or memory when told so. A directory another broker holds, or one that cannot be used, is a
     * configuration mistake: one sentence and exit status 2, as for a bad setting (README, Configuration).
     */
    private static MessageStore openStore(ExocomConfig config, BrokerSettings settings) {
        MemoryDeadLetterStore deadLetters = new MemoryDeadLetterStore(config.maxDeadLetters(),
                config.maxDeadLetterBytes().asLongValue());
        if (config.store().equals("memory")) {
            return new MemoryMessageStore(deadLetters);
        }
        JournalOptions options = JournalOptions.builder(Path.of(config.dataDir()))
                .syncMode(config.journalSync().equals("os") ? SyncMode.OS : SyncMode.ALWAYS)
                .maxRecordBytes(Math.max(1 << 20, 2 * config.maxFrameSize()))
                .maxSegmentBytes(config.journalSegmentSize().asLongValue())
                // The store's completions only queue copies and hand answers to event loops (MessageStore: nothing
                // on that path blocks), so a small batch may complete on the writer thread: one wake-up less per sync.
                .inlineCompletions(INLINE_COMPLETIONS)
                .availabilityListener((available, cause) -> {
                    if (available) {
                        LOG.info("storage is available again: sends are accepted again");
                    } else {
                        LOG.errorf("storage unavailable: sends are refused storage-unavailable until it works again: %s",
                                cause == null ? "" : cause.getMessage());
                    }
                })
                .build();
        try {
            return JournalMessageStore.open(options, deadLetters, new JournalMessageStore.Settings(
                    settings.dedupWindow().toNanos(), settings.replyWindow().toNanos(), settings.dedupMaxEntries(),
                    settings.maxCorrelations()));
        } catch (JournalException cannot) {
            System.err.println("exocom: cannot start: EXOCOM_DATA_DIR is \"" + config.dataDir() + "\", but "
                    + cannot.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(io.exocom.broker.config.Settings.EXIT_CONFIGURATION);
            throw cannot;
        }
    }

    private Routing loadRouting(ExocomConfig config, Instance<KubernetesClient> kubernetes) {
        if (config.routes().isEmpty() && config.routesConfigmap().isPresent()) {
            configMapSource = new ConfigMapRoutesSource(kubernetes.get(), config.routesConfigmap().get());
            try {
                return configMapSource.start();
            } catch (RoutesException e) {
                throw new IllegalStateException("cannot start: routes are broken: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot start: " + configMapSource.description()
                        + " cannot be read through the Kubernetes API: " + e.getMessage(), e);
            }
        }
        if (config.routes().isEmpty()) {
            return Routing.development();
        }
        Path path = Path.of(config.routes().get());
        try {
            RoutesLoader.Loaded loaded = RoutesLoader.load(path);
            Routing routing = Routing.of(path.toString(), loaded.table());
            watcher = new RoutesWatcher(path, routing, loaded.fingerprint());
            return routing;
        } catch (RoutesException e) {
            throw new IllegalStateException("cannot start: routes are broken: " + e.getMessage(), e);
        }
    }

    private static Tokens loadTokens(ExocomConfig config) {
        if (config.tokensFile().isEmpty()) {
            return Tokens.off();
        }
        try {
            return Tokens.load(Path.of(config.tokensFile().get()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start: tokens file " + config.tokensFile().get()
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static Optional<BrokerTls> loadTls(ExocomConfig config) {
        try {
            return BrokerTls.of(config.tlsCert(), config.tlsKey(), config.tlsClientCa());
        } catch (PemMaterial.TlsFileException e) {
            throw new IllegalStateException("cannot start: TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Netty reads a whole WebSocket frame before the broker sees it; bound that at twice the frame limit, so that a
     * frame a little over the limit is still answered {@code too-large} with its id, and anything larger is
     * closed with 1009 unread (PROTOCOL.md §1). Connections that never send a request are closed once idle for
     * longer than two ping intervals (a registered one is pinged, so it is never idle that long).
     */
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        applyLimits(options);
        // TLS on the one port of the broker, not on a second one: a plain connection to it fails its handshake
        tls.ifPresent(t -> t.applyTo(options));
    }

    private void applyLimits(HttpServerOptions options) {
        options.setMaxWebSocketFrameSize(transportFrameLimit(config));
        options.setMaxWebSocketMessageSize(transportFrameLimit(config));
        options.setIdleTimeout((int) Math.max(10, config.pingInterval().toSeconds() * 2 + config.registrationTimeout().toSeconds()));
        options.setIdleTimeoutUnit(TimeUnit.SECONDS);
    }

    /** With TLS and EXOCOM_TLS_PLAIN_PORT, the second, plain port on the same routes. */
    public void openPlainPort(Vertx vertx, Router router) {
        if (tls.isPresent() && config.tlsPlainPort().isPresent()) {
            String host = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
            plainPort.open(vertx, router, host, config.tlsPlainPort().get(), this::applyLimits);
        }
    }

    /** The plain port's number once open, else -1. */
    public int plainPort() {
        return plainPort.actualPort();
    }

    public static int transportFrameLimit(ExocomConfig config) {
        return (int) Math.min(16L * 1024 * 1024, 2L * config.maxFrameSize());
    }

    void start(@Observes StartupEvent event) {
        Thread.setDefaultUncaughtExceptionHandler(BrokerRuntime::uncaught);
        housekeeping = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "exocom-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        long sweepMillis = Math.max(50, Math.min(1000, config.ackTimeout().toMillis() / 4));
        housekeeping.scheduleWithFixedDelay(guarded(this::sweep), sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        if (watcher != null) {
            long pollMillis = Math.max(50, config.routesPollInterval().toMillis());
            housekeeping.scheduleWithFixedDelay(guarded(watcher), pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        }
        tls.ifPresent(t -> {
            long reloadMillis = Math.max(50, config.tlsReloadInterval().toMillis());
            housekeeping.scheduleWithFixedDelay(guarded(t::reloadIfChanged), reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
        });
        housekeeping.scheduleWithFixedDelay(guarded(sendRateWatch), 1, 1, TimeUnit.SECONDS);
        registerBrokerGauges();
        if (!ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+ExitOnOutOfMemoryError")) {
            LOG.warn("the JVM runs without -XX:+ExitOnOutOfMemoryError: after running out of memory the broker could "
                    + "stay up without working; bin/exocom, the container image and the chart set it");
        }
    }

    /**
     * Logged once the port is really open, so that a port in use never shows a "listening" line first. Quarkus
     * fires the event asynchronously, once per event loop that listens: the first one speaks.
     */
    void listening(@ObservesAsync HttpServerStart started) {
        if (!announced.compareAndSet(false, true)) {
            return;
        }
        String host = started.options().getHost();
        LOG.infof("ExoCom %s listening on %s:%d (WebSocket /services, HTTP /messages)%s", ExocomMain.version(), host,
                started.options().getPort(), tls.isPresent() ? " with TLS only (wss://, https://)" : "");
        tls.ifPresentOrElse(t -> LOG.infof("TLS: %s; files checked for a new certificate every %s", t.describe(),
                config.tlsReloadInterval()), () -> LOG.info("TLS: off (EXOCOM_TLS_CERT and EXOCOM_TLS_KEY turn it on): "
                + "messages and tokens cross the network unencrypted"));
        if (!authentication.enabled() && isLoopback(host)) {
            LOG.info("only this machine can connect: authentication is off, so ExoCom listens on loopback "
                    + "(EXOCOM_HOST_BIND=0.0.0.0 opens it to the network)");
        } else if (!authentication.enabled()) {
            LOG.warn("authentication is off and ExoCom listens on " + host + ": anyone who reaches the port may send "
                    + "and read anything (EXOCOM_TOKENS_FILE turns authentication on)");
        }
        if (routing.isDevelopment()) {
            LOG.warn("mode: DEVELOPMENT: no routes configured (--routes, EXOCOM_ROUTES or EXOCOM_ROUTES_CONFIGMAP), so ANY service may send ANY "
                    + "message and receivers are whoever declares them; never run this way in production");
        } else {
            int services = ((StaticRouting) routing.get()).table().size();
            LOG.infof("mode: routes from %s (%d services, reloaded on change)", routing.source(), services);
            if (services == 0) {
                LOG.warn("the routes name no service at all, so every registration is refused unknown-service and "
                        + "nothing can be sent: check " + routing.source() + " (documents of a kind other than "
                        + "ExoService are skipped; an empty file gives no routes)");
            }
        }
        LOG.infof("store: %s", store.description());
        if (!(store instanceof JournalMessageStore)) {
            LOG.warn("store: messages live in memory only (EXOCOM_STORE=memory): a restart or crash of the broker "
                    + "loses every message it accepted and did not deliver");
        }
        LOG.infof("authentication: %s%s", tokens.enabled() ? "service tokens from " + config.tokensFile().get()
                + " (" + tokens.admins() + " admin tokens)" : reviews == null ? "off" : "",
                reviews == null ? "" : (tokens.enabled() ? "; " : "") + "Kubernetes ServiceAccount tokens for audience "
                        + reviews.audience() + " (TokenReview), mapped to services by the routes' serviceAccount");
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }

    /**
     * A graceful stop (PROTOCOL.md §5.6): refuse new sends with {@code shutting-down}, answer every send already
     * begun, write out what was queued for each connection and close them all with 1001, so that relays go to the
     * next broker at once.
     */
    void drain(@Observes io.quarkus.runtime.ShutdownDelayInitiatedEvent event,
               io.exocom.broker.transport.ServicesEndpoint endpoint) {
        // Quarkus' pre-shutdown (quarkus.shutdown.delay-enabled): readiness is down and the HTTP server still
        // serves, unlike in ShutdownEvent, by which time Vert.x has closed every connection with a plain 1000
        broker.stopAccepting();
        long grace = config.shutdownGrace().toMillis();
        try {
            if (!broker.awaitAnswered(grace)) {
                LOG.warnf("sends still being decided after %d ms (EXOCOM_SHUTDOWN_GRACE); stopping anyway", grace);
            }
            endpoint.stopPinging();
            endpoint.closeAll(Math.max(1000, grace));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("ExoCom stopped: every send was answered and every connection closed");
    }

    void stop(@Observes ShutdownEvent event) {
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (configMapSource != null) {
            configMapSource.close();
        }
        if (reviews != null) {
            reviews.close();
        }
        alarms.close();
        plainPort.close();
        store.close();
    }

    /** A housekeeping task that logs what it throws, and ends the process on an error it cannot recover from. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("housekeeping failed; it will run again", e);
            } catch (Throwable fatal) {
                uncaught(Thread.currentThread(), fatal);
            }
        };
    }

    /**
     * No thread may die silently, and a broker that ran out of memory must not stay up half-working: its
     * supervisor (Kubernetes, systemd) restarts it, and relays send again what was not answered.
     */
    private static void uncaught(Thread thread, Throwable error) {
        if (error instanceof VirtualMachineError) {
            try {
                LOG.fatalf(error, "thread %s: %s; exiting so that the broker is restarted", thread.getName(), error);
            } finally {
                Runtime.getRuntime().halt(EXIT_FATAL);
            }
        }
        LOG.errorf(error, "thread %s died", thread.getName());
    }

    private void sweep() {
        broker.sweep();
        alarms.forgetOldWindows(System.nanoTime());
        store.maintain();
        warnAboutEvictedCorrelations();
        for (ServiceDispatcher dispatcher : broker.dispatchers()) {
            if (gaugedServices.add(dispatcher.service())) {
                registerServiceGauges(dispatcher);
            }
        }
    }

    /** At most one line a minute, however fast correlations are dropped. */
    private void warnAboutEvictedCorrelations() {
        long evicted = broker.evictedCorrelations();
        long now = System.nanoTime();
        if (evicted > evictionsReported && now - evictionWarnedNanos > TimeUnit.MINUTES.toNanos(1)) {
            LOG.warnf("%d correlations were dropped before their reply window ended because %d commands were "
                    + "accepting replies: late replies to them are refused unknown-command. Raise "
                    + "EXOCOM_MAX_CORRELATIONS or shorten EXOCOM_REPLY_WINDOW", evicted - evictionsReported,
                    config.maxCorrelations());
            evictionsReported = evicted;
            evictionWarnedNanos = now;
        }
    }

    private void registerServiceGauges(ServiceDispatcher dispatcher) {
        String service = dispatcher.service();
        Gauge.builder("exocom.queue.depth", dispatcher, ServiceDispatcher::queued)
                .description("Copies waiting for an instance of the service").tag("service", service).register(registry);
        Gauge.builder("exocom.queue.bytes", dispatcher, ServiceDispatcher::queuedBytes)
                .description("Bytes of copies waiting for an instance of the service").tag("service", service)
                .register(registry);
        Gauge.builder("exocom.in.flight", dispatcher, ServiceDispatcher::inFlight)
                .description("Copies delivered to the service and not yet acked").tag("service", service).register(registry);
        Gauge.builder("exocom.instances", dispatcher, ServiceDispatcher::instanceCount)
                .description("Registered instances of the service").tag("service", service).register(registry);
    }

    private void registerBrokerGauges() {
        Gauge.builder("exocom.dead.letters", store.deadLetters(), d -> d.size())
                .description("Dead letters kept").register(registry);
        Gauge.builder("exocom.correlations.open", broker, Broker::openCorrelations)
                .description("Commands still accepting replies").register(registry);
        FunctionCounter.builder("exocom.correlations.evicted", broker, Broker::evictedCorrelations)
                .description("Correlations dropped before their reply window ended (EXOCOM_MAX_CORRELATIONS)")
                .register(registry);
        Gauge.builder("exocom.dedup.ids", broker, Broker::rememberedIds)
                .description("Message ids remembered for de-duplication").register(registry);
        Gauge.builder("exocom.storage.available", store, s -> s.isAvailable() ? 1 : 0)
                .description("1 while the store can take messages, 0 while sends are refused storage-unavailable")
                .register(registry);
        if (store instanceof JournalMessageStore journal) {
            FunctionCounter.builder("exocom.journal.syncs", journal, j -> j.journal().metrics().syncs())
                    .description("Syncs of the journal to disk (one per group of appends)").register(registry);
            // with the count above: the mean time of one sync over any window, what every `accepted` waits for
            FunctionCounter.builder("exocom.journal.sync.time", journal, j -> j.journal().metrics().syncNanos() / 1e9)
                    .baseUnit("seconds").description("Time spent syncing the journal to disk").register(registry);
            FunctionCounter.builder("exocom.journal.bytes.written", journal, j -> j.journal().metrics().bytesWritten())
                    .description("Bytes written to the journal").register(registry);
            Gauge.builder("exocom.journal.segments", journal, j -> j.journal().segments().size())
                    .description("Segment files of the journal").register(registry);
            Gauge.builder("exocom.journal.live.messages", journal, JournalMessageStore::liveMessages)
                    .description("Messages with copies not yet settled, as the journal keeps them").register(registry);
        }
        Gauge.builder("exocom.held.bytes", broker, Broker::heldBytes)
                .description("Bytes of copies queued or in flight and of messages the journal still writes, "
                        + "against EXOCOM_MAX_TOTAL_BYTES").register(registry);
    }

    public Broker broker() {
        return broker;
    }

    public Routing routing() {
        return routing;
    }

    public Tokens tokens() {
        return tokens;
    }

    public Alarms alarms() {
        return alarms;
    }

    public RelayAuthentication authentication() {
        return authentication;
    }

    /** SubjectAccessReviews for the admin API in a cluster; null without EXOCOM_AUTH_KUBERNETES. */
    public KubernetesAccessReviews accessReviews() {
        return accessReviews;
    }

    public FrameDecoder decoder() {
        return decoder;
    }

    public TrafficObserver observer() {
        return observer;
    }

    public ExocomConfig config() {
        return config;
    }
}

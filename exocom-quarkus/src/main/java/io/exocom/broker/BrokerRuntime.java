package io.exocom.broker;

import io.exocom.broker.auth.Tokens;
import io.exocom.broker.config.ExocomConfig;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.BrokerSettings;
import io.exocom.broker.core.ServiceDispatcher;
import io.exocom.broker.observe.TrafficObserver;
import io.exocom.broker.routing.ConfigMapRoutesSource;
import io.exocom.broker.routing.Routing;
import io.exocom.broker.routing.RoutesWatcher;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.memory.MemoryMessageStore;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.Limits;
import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
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
public class BrokerRuntime {
    private static final Logger LOG = Logger.getLogger("exocom");

    private final ExocomConfig config;
    private final MeterRegistry registry;
    private final FrameCodec codec = new FrameCodec();
    private final Routing routing;
    private final Tokens tokens;
    private final MessageStore store;
    private final Broker broker;
    private final Set<String> gaugedServices = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService housekeeping;
    private long evictionsReported;
    private long evictionWarnedNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);
    private RoutesWatcher watcher;
    private ConfigMapRoutesSource configMapSource;

    BrokerRuntime(ExocomConfig config, MeterRegistry registry, Instance<KubernetesClient> kubernetes) {
        this.config = config;
        this.registry = registry;
        this.routing = loadRouting(config, kubernetes);
        this.tokens = loadTokens(config);
        this.store = new MemoryMessageStore(config.maxDeadLetters());
        BrokerSettings settings = new BrokerSettings(config.maxQueueDepth(), config.ackTimeout(), config.maxAttempts(),
                config.replyWindow(), config.dedupWindow(), config.dedupMaxEntries(), 10_000, config.maxCorrelations());
        this.broker = new Broker(settings, routing, store, new TrafficObserver(registry, config.logMessages()), codec);
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

    void start(@Observes StartupEvent event) {
        housekeeping = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "exocom-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        long sweepMillis = Math.max(50, Math.min(1000, config.ackTimeout().toMillis() / 4));
        housekeeping.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        if (watcher != null) {
            long pollMillis = Math.max(50, config.routesPollInterval().toMillis());
            housekeeping.scheduleWithFixedDelay(watcher, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        }
        registerBrokerGauges();
        LOG.infof("ExoCom listening on port %d (WebSocket /services, HTTP /messages)", port());
        if (routing.isDevelopment()) {
            LOG.warn("mode: DEVELOPMENT: no routes configured (--routes, EXOCOM_ROUTES or EXOCOM_ROUTES_CONFIGMAP), so ANY service may send ANY "
                    + "message and receivers are whoever declares them; never run this way in production");
        } else {
            LOG.infof("mode: routes from %s (%d services, reloaded on change)", routing.source(),
                    ((StaticRouting) routing.get()).table().size());
        }
        LOG.infof("store: %s", store.description());
        LOG.infof("authentication: %s", tokens.enabled() ? "service tokens from " + config.tokensFile().get() : "off");
    }

    /** The configured port; in tests Quarkus picks its own and says so in its "Listening on" line. */
    private static int port() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(Limits.DEFAULT_PORT);
    }

    void stop(@Observes ShutdownEvent event) {
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (configMapSource != null) {
            configMapSource.close();
        }
    }

    private void sweep() {
        try {
            broker.sweep();
            warnAboutEvictedCorrelations();
            for (ServiceDispatcher dispatcher : broker.dispatchers()) {
                if (gaugedServices.add(dispatcher.service())) {
                    registerServiceGauges(dispatcher);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("housekeeping failed; it will run again", e);
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

    public FrameCodec codec() {
        return codec;
    }

    public ExocomConfig config() {
        return config;
    }
}

package io.exocom.broker.observe;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Alarms on traffic that may mean an attack or a broken client (README, Security): each raised alarm is the metric
 * {@code exocom_alarms_total{alarm,service}}, a warning (at most one a minute per alarm and source) and, in a
 * cluster, a Kubernetes Event of type Warning on the ExoService concerned. Suspicious events are counted per
 * source (a service, a ServiceAccount or a remote address) in one-minute windows; {@code EXOCOM_ALARM_THRESHOLD}
 * of them in one window raise the alarm. The {@code service} label is a service of the routes or
 * {@code unknown}, so that names a client makes up cannot grow the metrics without bound.
 */
public final class Alarms {
    private static final Logger LOG = Logger.getLogger("exocom.alarm");
    private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_SOURCES = 10_000;

    /** The alarms, by their metric label. */
    public enum Alarm {
        FORBIDDEN_SENDS("forbidden-sends", "ForbiddenSends", "sends refused forbidden: a service trying messages its routes do not grant"),
        FAILED_AUTHENTICATION("failed-authentication", "FailedAuthentication", "failed authentications: a wrong or stolen token, or someone guessing"),
        UNKNOWN_SERVICE("unknown-service", "UnknownService", "registrations as a service the routes do not know"),
        UNKNOWN_COMMAND_REPLIES("unknown-command-replies", "UnknownCommandReplies", "replies to commands the service never received (or after the reply window)"),
        SEND_RATE("send-rate", "SendRate", "a send rate far above the service's recent normal");

        final String label;
        final String reason;
        final String meaning;

        Alarm(String label, String reason, String meaning) {
            this.label = label;
            this.reason = reason;
            this.meaning = meaning;
        }

        public String label() {
            return label;
        }
    }

    /** Where a cluster Event goes: the namespace of the ExoService of a service, or null to send none. */
    public interface EventTarget {
        String namespaceOf(String service);
    }

    private final MeterRegistry registry;
    private final int threshold;
    private final Function<String, Boolean> isKnownService;
    private final KubernetesClient kubernetes;
    private final EventTarget target;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();
    private final ExecutorService events;

    private static final class Window {
        long start;
        int count;
    }

    public Alarms(MeterRegistry registry, int threshold, Function<String, Boolean> isKnownService,
                  KubernetesClient kubernetes, EventTarget target) {
        this.registry = registry;
        this.threshold = threshold;
        this.isKnownService = isKnownService;
        this.kubernetes = kubernetes;
        this.target = target;
        this.events = kubernetes == null ? null : Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "exocom-alarm-events");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * One suspicious event from {@code source}; raises the alarm when it is the threshold's in its window.
     *
     * @param service the service concerned (claimed or sending), or null
     * @param detail  what happened this time, for the log line and the Event
     */
    public void suspicious(Alarm alarm, String source, String service, String detail) {
        String key = alarm.label + "\n" + source;
        if (windows.size() > MAX_SOURCES) {
            forgetOldWindows(System.nanoTime());
        }
        Window window = windows.computeIfAbsent(key, k -> new Window());
        boolean raise;
        int seen;
        synchronized (window) {
            long now = System.nanoTime();
            if (window.count == 0 || now - window.start > WINDOW_NANOS) {
                window.start = now;
                window.count = 0;
            }
            seen = ++window.count;
            raise = seen == threshold;
        }
        if (raise) {
            raise(alarm, source, service, seen + " " + alarm.meaning + " from " + source + " within a minute; the last: " + detail);
        }
    }

    /** Raises the alarm at once (the send-rate watch decides by itself). */
    public void raise(Alarm alarm, String source, String service, String message) {
        String label = service != null && isKnownService.apply(service) ? service : "unknown";
        counters.computeIfAbsent(alarm.label + "\n" + label, k -> Counter.builder("exocom.alarms")
                .description("Alarms raised on suspicious traffic, by alarm and service (README, Security)")
                .tag("alarm", alarm.label).tag("service", label).register(registry)).increment();
        long now = System.nanoTime();
        String warnKey = alarm.label + "\n" + source;
        Long last = lastWarned.get(warnKey);
        if (last != null && now - last < WINDOW_NANOS) {
            return;
        }
        lastWarned.put(warnKey, now);
        LOG.warnf("ALARM %s (service %s): %s", alarm.label, label, message);
        if (kubernetes != null && !label.equals("unknown")) {
            String namespace = target.namespaceOf(label);
            if (namespace != null) {
                events.execute(() -> event(alarm, label, namespace, message));
            }
        }
    }

    private void event(Alarm alarm, String service, String namespace, String message) {
        String now = Instant.now().toString();
        try {
            kubernetes.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(service + "-exocom-alarm-").withNamespace(namespace).endMetadata()
                    .withNewInvolvedObject().withApiVersion("exocom.io/v1alpha1").withKind("ExoService")
                    .withName(service).withNamespace(namespace).endInvolvedObject()
                    .withType("Warning").withReason(alarm.reason).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withNewSource().withComponent("exocom").endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (RuntimeException e) {
            LOG.debugf("could not record the alarm as a Kubernetes Event in %s: %s", namespace, e.getMessage());
        }
    }

    /** Drops the windows no event touched for a minute (called by housekeeping, and when there are too many). */
    public void forgetOldWindows(long now) {
        for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Window window = it.next().getValue();
            synchronized (window) {
                if (now - window.start > WINDOW_NANOS) {
                    it.remove();
                }
            }
        }
        lastWarned.entrySet().removeIf(entry -> now - entry.getValue() > WINDOW_NANOS);
    }

    public void close() {
        if (events != null) {
            events.shutdownNow();
        }
    }
}

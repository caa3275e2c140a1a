package io.exocom.operator;

import io.exocom.operator.control.ExoServiceReconciler;
import io.exocom.operator.control.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/**
 * The operator without any framework around it: one JOSDK {@link Operator} with the ExoService controller, on a
 * given client and settings. {@link OperatorRuntime} runs it inside Quarkus; tests run it directly against a real
 * API server.
 */
public final class ExoComOperator implements AutoCloseable {
    private final Operator operator;
    private final ExoServiceReconciler reconciler;
    private final OperatorSettings settings;

    public ExoComOperator(KubernetesClient client, OperatorSettings settings, MeterRegistry metrics) {
        this.settings = settings;
        this.reconciler = new ExoServiceReconciler(client, settings, metrics);
        this.operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withStopOnInformerErrorDuringStartup(false)
                .withCacheSyncTimeout(Duration.ofMinutes(2)));
        operator.register(reconciler, c -> {
            c.withName("exoservice").withFieldManager(OperatorSettings.FIELD_MANAGER)
                    .withReconciliationMaxInterval(Duration.ofMinutes(10));
            if (settings.watchesAllNamespaces()) {
                c.watchingAllNamespaces();
            } else {
                c.settingNamespaces(settings.namespaces());
            }
        });
    }

    public ExoComOperator start() {
        operator.start();
        return this;
    }

    public boolean healthy() {
        return operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy();
    }

    public ExoServiceReconciler reconciler() {
        return reconciler;
    }

    public OperatorSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        operator.stop();
    }
}

package io.exocom.operator.control;

import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Reconciles one ExoService at a time, but routes are global: every reconciliation compiles all watched
 * ExoServices into the routing table and publishes it, then writes this ExoService's status and its workload's
 * relay environment. A change of any ExoService's routes, and of any watched Deployment, re-reconciles the
 * ExoServices it can affect, so that a conflict resolves as soon as the older claimant goes away.
 */
public class ExoServiceReconciler implements Reconciler<ExoService>, Cleaner<ExoService> {
    private static final Logger LOG = Logger.getLogger("exocom.operator");
    public static final String READY = "Ready";
    public static final String ROUTED = "Routed";
    public static final String CONFLICT = "Conflict";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String WORKLOAD_NOT_FOUND = "WorkloadNotFound";
    public static final String WORKLOAD_FIELD_CONFLICT = "WorkloadFieldConflict";

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final RoutesPublisher publisher;
    private final RelayEnvironment relayEnvironment;
    private final EventRecorder events;
    private final MeterRegistry metrics;

    public ExoServiceReconciler(KubernetesClient client, OperatorSettings settings, MeterRegistry metrics) {
        this.client = client;
        this.settings = settings;
        this.publisher = new RoutesPublisher(client, settings);
        this.relayEnvironment = new RelayEnvironment(client, settings);
        this.events = new EventRecorder(client);
        this.metrics = metrics == null ? new SimpleMeterRegistry() : metrics;
    }

    public RoutesPublisher publisher() {
        return publisher;
    }

    @Override
    public List<EventSource<?, ExoService>> prepareEventSources(EventSourceContext<ExoService> context) {
        // Deployments named by an ExoService's spec.workload: a Deployment that appears (or whose containers
        // change) after its ExoService gets its environment.
        InformerEventSource<Deployment, ExoService> deployments = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Deployment.class, ExoService.class)
                        .withName("deployments")
                        .withSecondaryToPrimaryMapper(deployment -> context.getPrimaryCache()
                                .list(deployment.getMetadata().getNamespace())
                                .filter(s -> s.getSpec() != null
                                        && deployment.getMetadata().getName().equals(s.getSpec().getWorkload()))
                                .map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
                                before.getMetadata().getGeneration()))
                        .build(), context);
        // Other ExoServices: a change of one's routes can change every other's verdict (conflicts), so it
        // re-reconciles all of them; status-only updates do not.
        InformerEventSource<ExoService, ExoService> peers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ExoService.class, ExoService.class)
                        .withName("peers")
                        .withSecondaryToPrimaryMapper(changed -> context.getPrimaryCache().list()
                                .map(ResourceID::fromResource).collect(Collectors.toSet()))
                        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
                                before.getMetadata().getGeneration())
                                || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp()))
                        .build(), context);
        return List.of(deployments, peers);
    }

    @Override
    public UpdateControl<ExoService> reconcile(ExoService resource, Context<ExoService> context) {
        RoutesCompiler.Compiled compiled = publisher.publish(() -> context.getPrimaryCache().list().toList());
        RoutesCompiler.Verdict verdict = compiled.verdict(resource);
        if (verdict == null) { // not in the cache yet (we were called from a fresh event): compile with it
            compiled = publisher.publish(() -> {
                List<ExoService> all = new ArrayList<>(context.getPrimaryCache().list().toList());
                all.removeIf(r -> RoutesCompiler.key(r).equals(RoutesCompiler.key(resource)));
                all.add(resource);
                return all;
            });
            verdict = compiled.verdict(resource);
        }
        metrics.counter("exocom.operator.reconciliations", "outcome", verdict.outcome().name().toLowerCase()).increment();

        String reason;
        String message;
        String workloadApplied = null;
        switch (verdict.outcome()) {
            case INVALID_SPEC -> {
                reason = INVALID_SPEC;
                message = verdict.message();
            }
            case CONFLICT -> {
                reason = CONFLICT;
                message = verdict.message();
            }
            default -> {
                reason = ROUTED;
                message = verdict.message();
            }
        }
        boolean ready = verdict.outcome() == RoutesCompiler.Outcome.ROUTED;
        ExoServiceStatus previous = resource.getStatus();
        String previousWorkload = previous == null ? null : previous.getWorkload();
        String workload = resource.getSpec() == null ? null : resource.getSpec().getWorkload();
        if (previousWorkload != null && !previousWorkload.equals(workload)) {
            releaseWorkload(resource, previousWorkload);
        }
        if (workload != null && verdict.outcome() != RoutesCompiler.Outcome.INVALID_SPEC) {
            String namespace = resource.getMetadata().getNamespace();
            Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(workload).get();
            if (deployment == null) {
                if (ready) {
                    ready = false;
                    reason = WORKLOAD_NOT_FOUND;
                    message = verdict.message().replace("Routed", "Routed, but not ready") + " Deployment " + namespace + "/"
                            + workload + " (spec.workload) does not exist yet: create it, or correct spec.workload; it gets "
                            + "EXOCOM_HOST, EXOCOM_PORT and SERVICE_NAME as soon as it exists.";
                }
            } else if (verdict.outcome() == RoutesCompiler.Outcome.ROUTED) {
                try {
                    RelayEnvironment.Change change = relayEnvironment.apply(deployment, verdict.service());
                    workloadApplied = workload;
                    if (change == RelayEnvironment.Change.APPLIED) {
                        events.record(resource, EventRecorder.NORMAL, "RelayEnvironmentSet", "Set EXOCOM_HOST="
                                + settings.brokerHost() + ", EXOCOM_PORT=" + settings.brokerPort() + ", SERVICE_NAME="
                                + verdict.service() + " in the pod template of Deployment " + workload);
                    }
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    ready = false;
                    reason = WORKLOAD_FIELD_CONFLICT;
                    message = "Routed, but the relay environment is not set: another field manager owns it in Deployment "
                            + workload + " (" + firstLine(e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage())
                            + "). Remove EXOCOM_HOST, EXOCOM_PORT and SERVICE_NAME from that Deployment's manifest and let "
                            + "the operator set them.";
                }
            }
        }
        if (workloadApplied == null && previousWorkload != null && previousWorkload.equals(workload)
                && verdict.outcome() != RoutesCompiler.Outcome.ROUTED) {
            releaseWorkload(resource, previousWorkload); // no longer routed: its relays should not look routable
        }

        ExoServiceStatus status = new ExoServiceStatus();
        status.setObservedGeneration(resource.getMetadata().getGeneration());
        status.setServiceName(verdict.service());
        status.setWorkload(workloadApplied);
        Condition before = previous == null ? null : previous.condition(READY);
        String readyText = ready ? "True" : "False";
        String since = before != null && readyText.equals(before.getStatus()) && before.getLastTransitionTime() != null
                ? before.getLastTransitionTime() : now();
        status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType(READY).withStatus(readyText)
                .withReason(reason).withMessage(message).withObservedGeneration(resource.getMetadata().getGeneration())
                .withLastTransitionTime(since).build())));
        if (before == null || !reason.equals(before.getReason()) || !message.equals(before.getMessage())) {
            events.record(resource, ready ? EventRecorder.NORMAL : EventRecorder.WARNING, reason, message);
        }
        if (status.equals(previous)) {
            return UpdateControl.noUpdate();
        }
        ExoService patch = new ExoService();
        patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(resource.getMetadata().getName()).withNamespace(resource.getMetadata().getNamespace()).build());
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch);
    }

    @Override
    public DeleteControl cleanup(ExoService resource, Context<ExoService> context) {
        String key = RoutesCompiler.key(resource);
        boolean lastAttempt = context.getRetryInfo().map(r -> r.isLastAttempt()).orElse(false);
        try {
            publisher.publish(() -> context.getPrimaryCache().list()
                    .filter(r -> !RoutesCompiler.key(r).equals(key)).toList());
        } catch (KubernetesClientException e) {
            if (!lastAttempt) {
                throw e; // retried with back-off
            }
            LOG.errorf("ExoService %s deleted without updating the routing table, which keeps its routes until the next "
                    + "change: %s", key, e.getMessage());
        }
        String workload = resource.getStatus() != null && resource.getStatus().getWorkload() != null
                ? resource.getStatus().getWorkload()
                : resource.getSpec() == null ? null : resource.getSpec().getWorkload();
        if (workload != null) {
            try {
                relayEnvironment.remove(resource.getMetadata().getNamespace(), workload);
            } catch (KubernetesClientException e) {
                // never block deletion on the workload: it may be gone or not ours to change any more
                LOG.warnf("ExoService %s: could not remove the relay environment from Deployment %s: %s", key, workload,
                        e.getMessage());
            }
        }
        events.record(resource, EventRecorder.NORMAL, "Removed", "Routes of service \"" + resource.serviceName()
                + "\" removed from the routing table" + (workload == null ? "" : ", relay environment removed from Deployment "
                + workload));
        return DeleteControl.defaultDelete();
    }

    private void releaseWorkload(ExoService resource, String workload) {
        try {
            relayEnvironment.remove(resource.getMetadata().getNamespace(), workload);
            events.record(resource, EventRecorder.NORMAL, "RelayEnvironmentRemoved",
                    "Removed the relay environment from Deployment " + workload);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not remove the relay environment from Deployment %s: %s", workload, e.getMessage());
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static String now() {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

}

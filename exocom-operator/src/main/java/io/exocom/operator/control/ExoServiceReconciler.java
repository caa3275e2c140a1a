package io.exocom.operator.control;

import io.exocom.operator.control.StatusBuilder.WorkloadOutcome;
import io.exocom.operator.model.ExoService;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Reconciles one ExoService at a time, but routes are global. Each reconciliation goes the same way:
 * <ol>
 *   <li>the verdict: all watched ExoServices compiled into the routing table (pure, {@link RoutesCompiler}),
 *       which is published;</li>
 *   <li>the desired state of the workloads, decided without side effects ({@link WorkloadPlan}) from the
 *       Deployments in the informer's cache;</li>
 *   <li>small named apply steps: {@link #releaseWorkload}, {@link #applyNetworkPolicy}, {@link #publishBrokerCa},
 *       {@link #applyRelayEnvironment};</li>
 *   <li>the status, built in one place ({@link StatusBuilder}).</li>
 * </ol>
 * A change of any ExoService's routes, and of any watched Deployment, re-reconciles the ExoServices it can affect,
 * so that a conflict resolves as soon as the older claimant goes away.
 */
public class ExoServiceReconciler implements Reconciler<ExoService>, Cleaner<ExoService> {
    private static final Logger LOG = Logger.getLogger("exocom.operator");
    public static final String READY = StatusBuilder.READY;
    public static final String ROUTED = StatusBuilder.ROUTED;
    public static final String CONFLICT = StatusBuilder.CONFLICT;
    public static final String INVALID_SPEC = StatusBuilder.INVALID_SPEC;
    public static final String WORKLOAD_NOT_FOUND = StatusBuilder.WORKLOAD_NOT_FOUND;
    public static final String WORKLOAD_FIELD_CONFLICT = StatusBuilder.WORKLOAD_FIELD_CONFLICT;

    private final OperatorSettings settings;
    private final RoutesPublisher publisher;
    private final RelayEnvironment relayEnvironment;
    private final BrokerCaPublisher brokerCa;
    private final RelayNetworkPolicy networkPolicy;
    private final EventRecorder events;
    private final MeterRegistry metrics;
    private volatile InformerEventSource<Deployment, ExoService> deployments;

    public ExoServiceReconciler(KubernetesClient client, OperatorSettings settings, MeterRegistry metrics) {
        this.settings = settings;
        this.publisher = new RoutesPublisher(client, settings);
        this.relayEnvironment = new RelayEnvironment(client, settings);
        this.brokerCa = new BrokerCaPublisher(client, settings);
        this.networkPolicy = new RelayNetworkPolicy(client, settings);
        this.events = new EventRecorder(client);
        this.metrics = metrics == null ? new SimpleMeterRegistry() : metrics;
    }

    public RoutesPublisher publisher() {
        return publisher;
    }

    @Override
    public List<EventSource<?, ExoService>> prepareEventSources(EventSourceContext<ExoService> context) {
        // Deployments named by an ExoService's spec.workload: a Deployment that appears (or whose pod template
        // changes) after its ExoService gets its environment. Its cache is what reconciliations read.
        deployments = new InformerEventSource<>(
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
        RoutesCompiler.Verdict verdict = publishRoutes(resource, context);
        metrics.counter("exocom.operator.reconciliations", "outcome", verdict.outcome().name().toLowerCase()).increment();

        WorkloadPlan plan = WorkloadPlan.of(resource, verdict, this::cachedDeployment);
        if (plan.release() != null) {
            releaseWorkload(resource, plan.release());
        }
        WorkloadOutcome workload = new WorkloadOutcome.None();
        if (verdict.outcome() == RoutesCompiler.Outcome.ROUTED) {
            applyNetworkPolicy(resource);
        }
        if (plan.apply()) {
            publishBrokerCa(resource);
            workload = applyRelayEnvironment(resource, plan.deployment(), verdict.service());
        } else if (plan.workload() != null && plan.deployment() == null) {
            workload = new WorkloadOutcome.Missing(resource.getMetadata().getNamespace(), plan.workload());
        }

        StatusBuilder.Built built = StatusBuilder.build(resource, verdict, workload);
        if (built.changed()) {
            events.record(resource, built.ready() ? EventRecorder.NORMAL : EventRecorder.WARNING, built.reason(),
                    built.message());
        }
        if (built.status().equals(resource.getStatus())) {
            return UpdateControl.noUpdate();
        }
        ExoService patch = new ExoService();
        patch.setMetadata(new ObjectMetaBuilder()
                .withName(resource.getMetadata().getName()).withNamespace(resource.getMetadata().getNamespace()).build());
        patch.setStatus(built.status());
        return UpdateControl.patchStatus(patch);
    }

    /** Step 1: compiles every watched ExoService (this one included) and publishes the table; its verdict. */
    private RoutesCompiler.Verdict publishRoutes(ExoService resource, Context<ExoService> context) {
        RoutesCompiler.Compiled compiled = publisher.publish(() -> context.getPrimaryCache().list().toList(),
                this::serviceAccountOf);
        RoutesCompiler.Verdict verdict = compiled.verdict(resource);
        if (verdict == null) { // not in the cache yet (we were called from a fresh event): compile with it
            compiled = publisher.publish(() -> {
                List<ExoService> all = new ArrayList<>(context.getPrimaryCache().list().toList());
                all.removeIf(r -> RoutesCompiler.key(r).equals(RoutesCompiler.key(resource)));
                all.add(resource);
                return all;
            }, this::serviceAccountOf);
            verdict = compiled.verdict(resource);
        }
        return verdict;
    }

    /** The relays' NetworkPolicy in the ExoService's namespace, before its pods get the label it selects. */
    private void applyNetworkPolicy(ExoService resource) {
        if (networkPolicy.enabled()) {
            networkPolicy.apply(resource.getMetadata().getNamespace());
        }
    }

    /** The CA next to the workload, before the workload mounts it. */
    private void publishBrokerCa(ExoService resource) {
        if (relayEnvironment.mountsBrokerCa()) {
            brokerCa.publish(resource.getMetadata().getNamespace());
        }
    }

    private WorkloadOutcome applyRelayEnvironment(ExoService resource, Deployment deployment, String service) {
        String name = deployment.getMetadata().getName();
        try {
            if (relayEnvironment.apply(deployment, service) == RelayEnvironment.Change.APPLIED) {
                events.record(resource, EventRecorder.NORMAL, "RelayEnvironmentSet", "Set " + String.join(", ",
                        relayEnvironment.values(service).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                                .toList()) + " and a ServiceAccount token of audience " + settings.relayToken().audience()
                        + " in the pod template of Deployment " + name);
            }
            return new WorkloadOutcome.Applied(name);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return new WorkloadOutcome.FieldConflict(name,
                    firstLine(e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage()));
        }
    }

    private void releaseWorkload(ExoService resource, String workload) {
        try {
            relayEnvironment.remove(cachedDeployment(resource.getMetadata().getNamespace(), workload));
            events.record(resource, EventRecorder.NORMAL, "RelayEnvironmentRemoved",
                    "Removed the relay environment from Deployment " + workload);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not remove the relay environment from Deployment %s: %s", workload, e.getMessage());
        }
    }

    /** A Deployment as the informer has it, or null. */
    private Deployment cachedDeployment(String namespace, String name) {
        InformerEventSource<Deployment, ExoService> source = deployments;
        return source == null ? null : source.get(new ResourceID(name, namespace)).orElse(null);
    }

    /**
     * The ServiceAccount that proves an ExoService's service: spec.serviceAccountName, else the one its workload's
     * pods run as ("default" when the pod template names none); null while neither is known.
     */
    String serviceAccountOf(ExoService resource) {
        if (resource.getSpec() == null) {
            return null;
        }
        if (resource.getSpec().getServiceAccountName() != null) {
            return resource.getSpec().getServiceAccountName();
        }
        if (resource.getSpec().getWorkload() == null) {
            return null;
        }
        Deployment deployment = cachedDeployment(resource.getMetadata().getNamespace(), resource.getSpec().getWorkload());
        if (deployment == null) {
            return null;
        }
        String account = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        return account == null || account.isEmpty() ? "default" : account;
    }

    @Override
    public DeleteControl cleanup(ExoService resource, Context<ExoService> context) {
        String key = RoutesCompiler.key(resource);
        boolean lastAttempt = context.getRetryInfo().map(r -> r.isLastAttempt()).orElse(false);
        try {
            publisher.publish(() -> context.getPrimaryCache().list()
                    .filter(r -> !RoutesCompiler.key(r).equals(key)).toList(), this::serviceAccountOf);
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
                relayEnvironment.remove(cachedDeployment(resource.getMetadata().getNamespace(), workload));
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

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}

package io.exocom.operator.control;

import io.exocom.operator.model.ExoService;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * What should happen to an ExoService's workloads, decided from its verdict and the Deployments as the informer
 * has them, without side effects: apply the relay environment to the workload, wait for it, or release a workload
 * the operator set up before (renamed spec.workload, or no longer routed).
 *
 * @param workload   spec.workload, or null
 * @param deployment that Deployment from the informer's cache, or null when it does not exist (yet)
 * @param apply      whether the relay environment goes onto {@code deployment}
 * @param release    a Deployment name whose relay environment is to be removed, or null
 */
public record WorkloadPlan(String workload, Deployment deployment, boolean apply, String release) {

    /** What is to be done for {@code resource} given its verdict. */
    public static WorkloadPlan of(ExoService resource, RoutesCompiler.Verdict verdict, Deployments deployments) {
        String namespace = resource.getMetadata().getNamespace();
        String workload = resource.getSpec() == null ? null : resource.getSpec().getWorkload();
        String previous = resource.getStatus() == null ? null : resource.getStatus().getWorkload();
        boolean routed = verdict.outcome() == RoutesCompiler.Outcome.ROUTED;
        Deployment deployment = workload == null ? null : deployments.get(namespace, workload);
        String release = null;
        if (previous != null && (!previous.equals(workload) || !routed)) {
            release = previous; // renamed, or no longer routed: its relays should not look routable
        }
        return new WorkloadPlan(workload, deployment, routed && deployment != null, release);
    }

    /** The Deployments the operator sees (its informer's cache). */
    @FunctionalInterface
    public interface Deployments {
        Deployment get(String namespace, String name);
    }
}

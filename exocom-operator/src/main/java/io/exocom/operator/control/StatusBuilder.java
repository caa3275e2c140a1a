package io.exocom.operator.control;

import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** The one place an ExoService's status is built: from its verdict and what became of its workload. */
public final class StatusBuilder {
    public static final String READY = "Ready";
    public static final String ROUTED = "Routed";
    public static final String CONFLICT = "Conflict";
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String WORKLOAD_NOT_FOUND = "WorkloadNotFound";
    public static final String WORKLOAD_FIELD_CONFLICT = "WorkloadFieldConflict";

    /** What the workload step came to. */
    public sealed interface WorkloadOutcome {
        /** No workload declared, or nothing to do for it (not routed). */
        record None() implements WorkloadOutcome { }

        /** The relay environment is on this Deployment. */
        record Applied(String deployment) implements WorkloadOutcome { }

        /** The declared Deployment does not exist yet. */
        record Missing(String namespace, String deployment) implements WorkloadOutcome { }

        /** Another field manager owns one of the fields; {@code detail} is the API server's first line. */
        record FieldConflict(String deployment, String detail) implements WorkloadOutcome { }
    }

    /** The status and whether its Ready condition's reason or message changed (an event is due). */
    public record Built(ExoServiceStatus status, boolean ready, String reason, String message, boolean changed) {
    }

    private StatusBuilder() {
    }

    public static Built build(ExoService resource, RoutesCompiler.Verdict verdict, WorkloadOutcome workload) {
        boolean ready = verdict.outcome() == RoutesCompiler.Outcome.ROUTED;
        String reason = switch (verdict.outcome()) {
            case INVALID_SPEC -> INVALID_SPEC;
            case CONFLICT -> CONFLICT;
            case ROUTED -> ROUTED;
        };
        String message = verdict.message();
        String applied = null;
        if (workload instanceof WorkloadOutcome.Applied a) {
            applied = a.deployment();
        } else if (workload instanceof WorkloadOutcome.Missing m && ready) {
            ready = false;
            reason = WORKLOAD_NOT_FOUND;
            message = verdict.message().replace("Routed", "Routed, but not ready") + " Deployment " + m.namespace()
                    + "/" + m.deployment() + " (spec.workload) does not exist yet: create it, or correct "
                    + "spec.workload; it gets its relay environment as soon as it exists.";
        } else if (workload instanceof WorkloadOutcome.FieldConflict c) {
            ready = false;
            reason = WORKLOAD_FIELD_CONFLICT;
            message = "Routed, but the relay environment is not set: another field manager owns it in Deployment "
                    + c.deployment() + " (" + c.detail() + "). Remove EXOCOM_HOST, EXOCOM_PORT, SERVICE_NAME and "
                    + "the other EXOCOM_* variables, volumes and mounts the operator sets from that Deployment's "
                    + "manifest and let the operator set them.";
        }
        ExoServiceStatus previous = resource.getStatus();
        Condition before = previous == null ? null : previous.condition(READY);
        String readyText = ready ? "True" : "False";
        String since = before != null && readyText.equals(before.getStatus()) && before.getLastTransitionTime() != null
                ? before.getLastTransitionTime() : now();
        ExoServiceStatus status = new ExoServiceStatus();
        status.setObservedGeneration(resource.getMetadata().getGeneration());
        status.setServiceName(verdict.service());
        status.setWorkload(applied);
        status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType(READY).withStatus(readyText)
                .withReason(reason).withMessage(message).withObservedGeneration(resource.getMetadata().getGeneration())
                .withLastTransitionTime(since).build())));
        boolean changed = before == null || !reason.equals(before.getReason()) || !message.equals(before.getMessage());
        return new Built(status, ready, reason, message, changed);
    }

    private static String now() {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }
}

package io.exocom.operator;

import io.exocom.operator.control.RoutesCompiler;
import io.exocom.operator.control.StatusBuilder;
import io.exocom.operator.control.StatusBuilder.WorkloadOutcome;
import io.exocom.operator.control.WorkloadPlan;
import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceSpec;
import io.exocom.operator.model.ExoServiceStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The side-effect-free parts of a reconciliation: what to do with the workload, and the status it leads to. */
class ReconcilePlanTest {
    static final Deployment SHOP = new DeploymentBuilder().withNewMetadata().withNamespace("a").withName("shop").endMetadata().build();

    static ExoService exo(String name, String created, String serviceName, String workload, String statusWorkload) {
        ExoService resource = new ExoService();
        resource.setMetadata(new ObjectMetaBuilder().withNamespace("a").withName(name).withCreationTimestamp(created)
                .withGeneration(1L).build());
        resource.setSpec(new ExoServiceSpec(serviceName, List.of("x.y"), List.of(), workload));
        if (statusWorkload != null) {
            ExoServiceStatus status = new ExoServiceStatus();
            status.setWorkload(statusWorkload);
            resource.setStatus(status);
        }
        return resource;
    }

    static RoutesCompiler.Verdict verdict(ExoService resource, ExoService... others) {
        List<ExoService> all = new java.util.ArrayList<>(List.of(others));
        all.add(resource);
        return RoutesCompiler.compile(all).verdict(resource);
    }

    @Test
    void aRoutedServiceWithItsDeploymentGetsItApplied() {
        ExoService shop = exo("shop", "2026-01-01T00:00:00Z", null, "shop", null);
        WorkloadPlan plan = WorkloadPlan.of(shop, verdict(shop), (ns, name) -> name.equals("shop") ? SHOP : null);
        assertTrue(plan.apply());
        assertNull(plan.release());
        StatusBuilder.Built built = StatusBuilder.build(shop, verdict(shop), new WorkloadOutcome.Applied("shop"));
        assertTrue(built.ready());
        assertEquals("Routed", built.reason());
        assertEquals("shop", built.status().getWorkload());
        assertTrue(built.changed(), "a first status is a change (an event is due)");
    }

    @Test
    void aMissingDeploymentIsWaitedForAndARenamedOneReleased() {
        ExoService shop = exo("shop", "2026-01-01T00:00:00Z", null, "shop-v2", "shop");
        WorkloadPlan plan = WorkloadPlan.of(shop, verdict(shop), (ns, name) -> null);
        assertFalse(plan.apply());
        assertEquals("shop", plan.release(), "the Deployment it set up before");
        StatusBuilder.Built built = StatusBuilder.build(shop, verdict(shop), new WorkloadOutcome.Missing("a", "shop-v2"));
        assertFalse(built.ready());
        assertEquals("WorkloadNotFound", built.reason());
        assertTrue(built.message().contains("Deployment a/shop-v2"), built.message());
        assertNull(built.status().getWorkload());
    }

    @Test
    void aConflictReleasesTheWorkloadAndStaysAConflictEvenWithoutItsDeployment() {
        ExoService older = exo("billing", "2026-01-01T00:00:00Z", null, null, null);
        ExoService younger = exo("billing-copy", "2026-01-02T00:00:00Z", "billing", "copy", "copy");
        RoutesCompiler.Verdict verdict = verdict(younger, older);
        WorkloadPlan plan = WorkloadPlan.of(younger, verdict, (ns, name) -> SHOP);
        assertFalse(plan.apply(), "a service that is not routed gets no relay environment");
        assertEquals("copy", plan.release());
        StatusBuilder.Built built = StatusBuilder.build(younger, verdict, new WorkloadOutcome.Missing("a", "copy"));
        assertEquals("Conflict", built.reason());
        assertFalse(built.ready());
    }

    @Test
    void aFieldConflictIsNotReadyAndNamesTheDeployment() {
        ExoService legacy = exo("legacy", "2026-01-01T00:00:00Z", null, "legacy", null);
        StatusBuilder.Built built = StatusBuilder.build(legacy, verdict(legacy),
                new WorkloadOutcome.FieldConflict("legacy", "conflict with \"kubectl\""));
        assertEquals("WorkloadFieldConflict", built.reason());
        assertTrue(built.message().contains("Deployment legacy (conflict with \"kubectl\")"), built.message());
        StatusBuilder.Built again = StatusBuilder.build(withStatus(legacy, built.status()), verdict(legacy),
                new WorkloadOutcome.FieldConflict("legacy", "conflict with \"kubectl\""));
        assertFalse(again.changed(), "the same condition again is no change: no second event");
        assertEquals(built.status(), again.status(), "and the same status: no status write");
    }

    static ExoService withStatus(ExoService resource, ExoServiceStatus status) {
        resource.setStatus(status);
        return resource;
    }
}

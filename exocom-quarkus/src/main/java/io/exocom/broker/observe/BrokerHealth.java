package io.exocom.broker.observe;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.routing.Routing;
import io.exocom.broker.routing.StaticRouting;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * Health for Kubernetes probes: live while the process serves requests; ready once routes are loaded. A failed
 * reload keeps the broker ready (the previous routes stay in force) and shows the error in the check's data.
 */
@ApplicationScoped
public class BrokerHealth {

    @Produces
    @Liveness
    HealthCheck live(BrokerRuntime runtime) {
        return () -> HealthCheckResponse.named("exocom")
                .up()
                .withData("instances", runtime.broker().dispatchers().stream().mapToLong(d -> d.instanceCount()).sum())
                .build();
    }

    @Produces
    @Readiness
    HealthCheck ready(BrokerRuntime runtime) {
        return () -> {
            Routing routing = runtime.routing();
            HealthCheckResponseBuilder response = HealthCheckResponse.named("routes").up()
                    .withData("mode", routing.get().mode());
            if (routing.get() instanceof StaticRouting routes) {
                response.withData("source", routing.source()).withData("services", routes.table().size());
            }
            if (routing.lastError() != null) {
                response.withData("lastReloadError", routing.lastError());
            }
            return response.build();
        };
    }

    /** Not ready while the store cannot take messages: every send would be refused storage-unavailable. */
    @Produces
    @Readiness
    HealthCheck storage(BrokerRuntime runtime) {
        return () -> {
            boolean available = runtime.broker().store().isAvailable();
            HealthCheckResponseBuilder response = HealthCheckResponse.named("store").status(available)
                    .withData("store", runtime.broker().store().description());
            if (!available && runtime.broker().store() instanceof io.exocom.broker.store.journal.JournalMessageStore journal) {
                response.withData("unavailableBecause", journal.unavailableBecause());
            }
            return response.build();
        };
    }
}

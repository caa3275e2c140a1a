package io.exocom.operator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the controller runs and all its informers are connected to the API server. */
@Readiness
@ApplicationScoped
public class OperatorHealth implements HealthCheck {
    private final OperatorRuntime runtime;

    OperatorHealth(OperatorRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        ExoComOperator operator = runtime.operator();
        boolean up = operator != null && operator.healthy();
        return HealthCheckResponse.named("exocom-operator").status(up)
                .withData("watching", operator == null ? "starting" : operator.settings().scope()).build();
    }
}

package io.exocom.operator;

import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.control.RelayNetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Starts the operator with Quarkus: its Kubernetes client (in-cluster or kubeconfig) and its settings. */
@Singleton
public class OperatorRuntime {
    private static final Logger LOG = Logger.getLogger("exocom.operator");

    private final KubernetesClient client;
    private final OperatorConfig config;
    private final MeterRegistry registry;
    private volatile ExoComOperator operator;

    OperatorRuntime(KubernetesClient client, OperatorConfig config, MeterRegistry registry) {
        this.client = client;
        this.config = config;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        String[] routes = OperatorSettings.splitConfigMap(config.routesConfigMap());
        OperatorSettings settings = new OperatorSettings(OperatorSettings.parseNamespaces(config.watchNamespaces()),
                routes[0], routes[1], config.brokerHost(), config.brokerPort(),
                new OperatorSettings.RelayToken(config.relayTokenAudience(), config.relayTokenExpiration()),
                config.brokerTls(), config.brokerCaFile().map(java.nio.file.Path::of).orElse(null),
                config.relayNetworkPolicy() ? new RelayNetworkPolicy.Settings(
                        RelayNetworkPolicy.Settings.parseSelector(config.brokerPodSelector()),
                        RelayNetworkPolicy.Settings.parseEgress(config.relayEgressExtra().orElse(null))) : null);
        LOG.infof("ExoCom operator: watching ExoServices in %s; routing table in ConfigMap %s/%s; relays get "
                        + "EXOCOM_HOST=%s EXOCOM_PORT=%d%s and a ServiceAccount token of audience %s; API server %s",
                settings.scope(), settings.routesNamespace(), settings.routesName(), settings.brokerHost(),
                settings.brokerPort(), settings.brokerTls() ? " EXOCOM_TLS=true" : "", settings.relayToken().audience(),
                client.getMasterUrl());
        operator = new ExoComOperator(client, settings, registry).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (operator != null) {
            operator.close();
        }
    }

    /** The running operator, or null before startup finished. */
    public ExoComOperator operator() {
        return operator;
    }
}

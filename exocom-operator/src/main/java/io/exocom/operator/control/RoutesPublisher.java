package io.exocom.operator.control;

import io.exocom.operator.model.ExoService;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Publishes the compiled routing table as a ConfigMap next to the broker, which watches it
 * (EXOCOM_ROUTES_CONFIGMAP). One publication at a time, each compiled from the ExoServices as they are at that
 * moment, so that the last write always reflects the latest state.
 */
public final class RoutesPublisher {
    private static final Logger LOG = Logger.getLogger("exocom.operator");

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private volatile RoutesCompiler.Compiled last;

    public RoutesPublisher(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Compiles the ExoServices the supplier gives now and writes the ConfigMap when its content differs. */
    public synchronized RoutesCompiler.Compiled publish(Supplier<Collection<ExoService>> resources,
                                                        RoutesCompiler.ServiceAccounts serviceAccounts) {
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(resources.get(), serviceAccounts);
        ConfigMap current = client.configMaps().inNamespace(settings.routesNamespace()).withName(settings.routesName()).get();
        String published = current == null || current.getData() == null ? null : current.getData().get(OperatorSettings.ROUTES_KEY);
        if (!Objects.equals(published, compiled.yaml())) {
            ConfigMap desired = new ConfigMapBuilder()
                    .withNewMetadata().withNamespace(settings.routesNamespace()).withName(settings.routesName())
                    .withLabels(Map.of("app.kubernetes.io/managed-by", OperatorSettings.FIELD_MANAGER,
                            "app.kubernetes.io/part-of", "exocom"))
                    .endMetadata()
                    .withData(Map.of(OperatorSettings.ROUTES_KEY, compiled.yaml()))
                    .build();
            client.configMaps().inNamespace(settings.routesNamespace()).resource(desired)
                    .fieldManager(OperatorSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
            LOG.infof("routing table published to ConfigMap %s/%s: %d services routed", settings.routesNamespace(),
                    settings.routesName(), compiled.table().size());
        }
        last = compiled;
        return compiled;
    }

    /** The last compiled table, or null before the first publication. */
    public RoutesCompiler.Compiled last() {
        return last;
    }
}

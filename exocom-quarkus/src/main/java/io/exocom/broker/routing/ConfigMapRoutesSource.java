package io.exocom.broker.routing;

import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Routes from a Kubernetes ConfigMap (EXOCOM_ROUTES_CONFIGMAP=namespace/name), as the ExoCom operator publishes
 * them: every {@code .yaml}/{@code .yml} key is read, in key order, in either routes shape. An informer watches
 * that one ConfigMap through the API server (a field selector on its name, so RBAC may grant get/list/watch on it
 * alone) and applies each change live (PROTOCOL.md §4.6). A broken or deleted table keeps the previous routes in
 * force, like {@link RoutesWatcher}.
 */
public final class ConfigMapRoutesSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConfigMapRoutesSource.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private Routing routing;
    private String appliedContent;
    private SharedIndexInformer<ConfigMap> informer;

    public ConfigMapRoutesSource(KubernetesClient client, String reference) {
        String[] parts = reference.split("/", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("EXOCOM_ROUTES_CONFIGMAP \"" + reference + "\" must be namespace/name, "
                    + "like exocom/exocom-routes");
        }
        this.client = client;
        this.namespace = parts[0];
        this.name = parts[1];
    }

    public String description() {
        return "ConfigMap " + namespace + "/" + name;
    }

    /**
     * Reads the ConfigMap once and starts watching it. A missing ConfigMap gives empty routes (nothing may be sent
     * until the operator publishes a table); a broken one fails, as a broken routes file does at startup.
     */
    public Routing start() throws RoutesException {
        ConfigMap initial = client.configMaps().inNamespace(namespace).withName(name).get();
        RouteTable table = initial == null ? RouteTable.empty() : parse(initial);
        if (initial == null) {
            LOG.warnf("%s does not exist yet: no service may send anything until it does", description());
        }
        routing = Routing.of(description(), table);
        appliedContent = content(initial);
        informer = client.configMaps().inNamespace(namespace).withName(name).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap map) {
                apply(map);
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap now) {
                apply(now);
            }

            @Override
            public void onDelete(ConfigMap map, boolean finalStateUnknown) {
                String message = description() + " was deleted; the previous routes stay in force";
                LOG.error(message);
                routing.reloadFailed(message);
            }
        }, TimeUnit.MINUTES.toMillis(10));
        return routing;
    }

    synchronized void apply(ConfigMap map) {
        String content = content(map);
        if (Objects.equals(content, appliedContent) && routing.lastError() == null) {
            return;
        }
        try {
            RouteTable table = parse(map);
            routing.replace(table);
            appliedContent = content;
            LOG.infof("routes reloaded from %s: %d services", description(), table.size());
        } catch (RoutesException e) {
            if (!e.getMessage().equals(routing.lastError())) {
                LOG.errorf("routes not reloaded, the previous routes stay in force: %s", e.getMessage());
            }
            routing.reloadFailed(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("routes from " + description() + " could not be applied; the previous routes stay in force", e);
            routing.reloadFailed(e.getMessage());
        }
    }

    private RouteTable parse(ConfigMap map) throws RoutesException {
        Map<String, String> texts = new LinkedHashMap<>();
        new TreeMap<>(map.getData() == null ? Map.<String, String>of() : map.getData()).forEach((key, yaml) -> {
            if (key.endsWith(".yaml") || key.endsWith(".yml")) {
                texts.put(description() + " key " + key, yaml);
            }
        });
        return RoutesLoader.parseAll(texts);
    }

    private static String content(ConfigMap map) {
        return map == null || map.getData() == null ? null : new TreeMap<>(map.getData()).toString();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}

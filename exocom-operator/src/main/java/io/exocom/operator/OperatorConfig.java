package io.exocom.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The operator's settings; each is an environment variable (see README.md, section Kubernetes). The Helm chart and
 * the plain manifests set them.
 */
@ConfigMapping(prefix = "exocom")
public interface OperatorConfig {

    /** EXOCOM_WATCH_NAMESPACES: comma-separated namespaces to watch; empty or "*" for all. */
    @WithName("watch-namespaces")
    @WithDefault("*")
    String watchNamespaces();

    /** EXOCOM_ROUTES_CONFIGMAP: namespace/name of the routing-table ConfigMap the broker watches. */
    @WithName("routes-configmap")
    @WithDefault("exocom/exocom-routes")
    String routesConfigMap();

    /** EXOCOM_BROKER_HOST: the broker Service's DNS name, given to relays as EXOCOM_HOST. */
    @WithName("broker-host")
    @WithDefault("exocom.exocom.svc")
    String brokerHost();

    /** EXOCOM_BROKER_PORT: the broker's port, given to relays as EXOCOM_PORT. */
    @WithName("broker-port")
    @WithDefault("3100")
    int brokerPort();
}

package io.exocom.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.util.Optional;

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

    /** EXOCOM_RELAY_TOKEN_AUDIENCE: the audience of the ServiceAccount token projected into workloads. */
    @WithName("relay-token-audience")
    @WithDefault("exocom")
    String relayTokenAudience();

    /** EXOCOM_RELAY_TOKEN_EXPIRATION: that token's lifetime in seconds (600 to 86400). */
    @WithName("relay-token-expiration")
    @WithDefault("600")
    long relayTokenExpiration();

    /** EXOCOM_BROKER_TLS: the broker runs with TLS, so relays get EXOCOM_TLS=true. */
    @WithName("broker-tls")
    @WithDefault("false")
    boolean brokerTls();

    /** EXOCOM_BROKER_CA_FILE: the CA of the broker's certificate, given to relays (EXOCOM_TLS_CA). */
    @WithName("broker-ca-file")
    Optional<String> brokerCaFile();

    /** EXOCOM_RELAY_NETWORK_POLICY: keep a NetworkPolicy for ExoService pods in each namespace with ExoServices. */
    @WithName("relay-network-policy")
    @WithDefault("false")
    boolean relayNetworkPolicy();

    /** EXOCOM_BROKER_POD_SELECTOR: the broker pods' labels, key=value,key=value (for that policy). */
    @WithName("broker-pod-selector")
    @WithDefault("app.kubernetes.io/name=exocom,app.kubernetes.io/component=broker")
    String brokerPodSelector();

    /** EXOCOM_RELAY_EGRESS_EXTRA: further egress rules of that policy, a JSON list. */
    @WithName("relay-egress-extra")
    Optional<String> relayEgressExtra();
}

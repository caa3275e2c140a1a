package io.exocom.operator;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

import java.util.List;
import java.util.Map;

/**
 * What a NetworkPolicy, as the API server stored it, allows: the selection rules of the NetworkPolicy API
 * (label selectors, peers, ports) for the tests, since the test cluster has no network plugin to try them with.
 */
final class PolicyCheck {
    /** A pod as a policy sees it: its namespace, that namespace's labels and its own labels. */
    record PodRef(String namespace, Map<String, String> namespaceLabels, Map<String, String> labels) {
    }

    private PolicyCheck() {
    }

    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String value = labels.get(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> value != null && r.getValues().contains(value);
                    case "NotIn" -> value == null || !r.getValues().contains(value);
                    case "Exists" -> value != null;
                    case "DoesNotExist" -> value == null;
                    default -> throw new IllegalArgumentException("operator " + r.getOperator());
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean selects(NetworkPolicy policy, PodRef pod) {
        return policy.getMetadata().getNamespace().equals(pod.namespace())
                && matches(policy.getSpec().getPodSelector(), pod.labels());
    }

    /** A peer (from/to) as the API defines it: pods of the policy's namespace unless a namespaceSelector is given. */
    static boolean peerMatches(NetworkPolicy policy, NetworkPolicyPeer peer, PodRef pod) {
        if (peer.getIpBlock() != null) {
            return false;
        }
        boolean namespaceOk = peer.getNamespaceSelector() == null
                ? pod.namespace().equals(policy.getMetadata().getNamespace())
                : matches(peer.getNamespaceSelector(), pod.namespaceLabels());
        return namespaceOk && (peer.getPodSelector() == null || matches(peer.getPodSelector(), pod.labels()));
    }

    static boolean portMatches(List<NetworkPolicyPort> ports, int port, String protocol) {
        return ports == null || ports.isEmpty() || ports.stream().anyMatch(p ->
                (p.getProtocol() == null ? "TCP" : p.getProtocol()).equals(protocol)
                        && (p.getPort() == null || p.getPort().getIntVal() != null && p.getPort().getIntVal() == port));
    }

    /** Whether this ingress policy (which must select {@code to}) lets {@code from} connect to the port. */
    static boolean ingressAllows(NetworkPolicy policy, PodRef from, PodRef to, int port) {
        if (!selects(policy, to)) {
            throw new AssertionError(policy.getMetadata().getName() + " does not select " + to);
        }
        return policy.getSpec().getIngress().stream().anyMatch(rule -> portMatches(rule.getPorts(), port, "TCP")
                && (rule.getFrom() == null || rule.getFrom().isEmpty()
                || rule.getFrom().stream().anyMatch(peer -> peerMatches(policy, peer, from))));
    }

    /** Whether this egress policy (which must select {@code from}) lets it connect to {@code to} on the port. */
    static boolean egressAllows(NetworkPolicy policy, PodRef from, PodRef to, int port, String protocol) {
        if (!selects(policy, from)) {
            throw new AssertionError(policy.getMetadata().getName() + " does not select " + from);
        }
        return policy.getSpec().getEgress().stream().anyMatch(rule -> portMatches(rule.getPorts(), port, protocol)
                && (rule.getTo() == null || rule.getTo().isEmpty()
                || rule.getTo().stream().anyMatch(peer -> peerMatches(policy, peer, to))));
    }
}

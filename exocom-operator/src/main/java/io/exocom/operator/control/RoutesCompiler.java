package io.exocom.operator.control;

import io.exocom.operator.model.ExoService;
import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesParser;
import io.exocom.protocol.routes.ServiceRoutes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles every watched ExoService into one routing table, in the compact shape the broker reads
 * ({@link RoutesParser}). Invalid ExoServices and those claiming a service name that an older ExoService already
 * claims are left out and get a verdict saying why; all others are routed. Pure: no Kubernetes calls.
 */
public final class RoutesCompiler {

    /** Why an ExoService is or is not in the table. */
    public enum Outcome { ROUTED, CONFLICT, INVALID_SPEC }

    /** What became of one ExoService. */
    public record Verdict(String key, String service, Outcome outcome, String message, ServiceRoutes routes) {
    }

    /** The table, its YAML and one verdict per ExoService key ({@code namespace/name}). */
    public record Compiled(RouteTable table, String yaml, Map<String, Verdict> verdicts) {
        public Verdict verdict(ExoService resource) {
            return verdicts.get(key(resource));
        }
    }

    private RoutesCompiler() {
    }

    public static String key(ExoService resource) {
        return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }

    /** Older first; ties (same second) by namespace and name, so every run decides the same way. */
    static final Comparator<ExoService> AGE = Comparator
            .comparing((ExoService r) -> r.getMetadata().getCreationTimestamp() == null ? "" : r.getMetadata().getCreationTimestamp())
            .thenComparing(RoutesCompiler::key);

    public static Compiled compile(Collection<ExoService> resources) {
        List<ExoService> ordered = resources.stream()
                .filter(r -> r.getMetadata().getDeletionTimestamp() == null)
                .sorted(AGE).toList();
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        Map<String, ExoService> claims = new HashMap<>();
        List<ServiceRoutes> routed = new ArrayList<>();
        for (ExoService resource : ordered) {
            String key = key(resource);
            String service = resource.serviceName();
            List<String> problems = resource.getSpec() == null ? List.of("spec is missing: give spec.sends and spec.receives")
                    : resource.getSpec().problems(service);
            if (!problems.isEmpty()) {
                verdicts.put(key, new Verdict(key, service, Outcome.INVALID_SPEC,
                        "Not routed: " + String.join("; ", problems) + ".", null));
                continue;
            }
            ExoService owner = claims.putIfAbsent(service, resource);
            if (owner != null) {
                verdicts.put(key, new Verdict(key, service, Outcome.CONFLICT, "Not routed: service name \"" + service
                        + "\" is already claimed by the older ExoService " + key(owner) + "; rename this one (spec.serviceName) "
                        + "or delete one of the two.", null));
                continue;
            }
            ServiceRoutes routes = resource.getSpec().toRoutes(service, "ExoService " + key);
            routed.add(routes);
            verdicts.put(key, new Verdict(key, service, Outcome.ROUTED, "Routed as service \"" + service + "\": sends "
                    + routes.sends().size() + ", receives " + routes.receives().size() + " message names.", routes));
        }
        RouteTable table = RouteTable.of(routed);
        return new Compiled(table, yaml(table, verdicts.size()), verdicts);
    }

    /**
     * The table in the compact shape: {@code services: {name: {sends: [...], receives: [...]}}}. Names are quoted
     * as JSON strings (valid YAML flow scalars), so any message name survives.
     */
    static String yaml(RouteTable table, int resources) {
        StringBuilder out = new StringBuilder();
        out.append("# Routing table compiled by exocom-operator from ").append(resources)
                .append(" ExoServices; edits are overwritten. Read by the broker (EXOCOM_ROUTES_CONFIGMAP).\n");
        if (table.size() == 0) {
            return out.append("services: {}\n").toString();
        }
        out.append("services:\n");
        for (ServiceRoutes service : table.services()) {
            out.append("  ").append(quote(service.service())).append(":\n");
            out.append("    sends: ").append(list(service.sortedSends())).append('\n');
            out.append("    receives: ").append(list(service.sortedReceives())).append('\n');
        }
        return out.toString();
    }

    private static String list(List<String> names) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < names.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(quote(names.get(i)));
        }
        return out.append(']').toString();
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Reads YAML produced by {@link #yaml} back with the broker's own parser: the check that both agree. */
    public static RouteTable parse(String yaml) throws RoutesException {
        return RouteTable.of(RoutesParser.parse("routes.yaml", yaml));
    }
}

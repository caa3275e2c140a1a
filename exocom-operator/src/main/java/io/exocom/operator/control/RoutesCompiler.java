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
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Compiles every watched ExoService into one routing table, in the compact shape the broker reads
 * ({@link RoutesParser}). Invalid ExoServices and those claiming a service name that an older ExoService already
 * claims are left out and get a verdict saying why; all others are routed. Pure: no Kubernetes calls.
 */
public final class RoutesCompiler {

    /** Why an ExoService is or is not in the table. */
    public enum Outcome { ROUTED, CONFLICT, INVALID_SPEC }

    /**
     * What became of one ExoService.
     *
     * @param serviceAccount the Kubernetes user name ({@code system:serviceaccount:NS:NAME}) whose tokens prove this
     *                       service, or null when none is known (no spec.serviceAccountName and no workload yet)
     */
    public record Verdict(String key, String service, Outcome outcome, String message, ServiceRoutes routes,
                          String serviceAccount) {
    }

    /** Which ServiceAccount (name, in the ExoService's namespace) proves an ExoService's service; null: none known. */
    @FunctionalInterface
    public interface ServiceAccounts {
        ServiceAccounts NONE = resource -> null;

        String of(ExoService resource);
    }

    /** The key, in a service's entry of the routes YAML, of the ServiceAccount that proves it: {@code namespace/name}. */
    public static final String SERVICE_ACCOUNT_KEY = "serviceAccount";
    private static final String USER_PREFIX = "system:serviceaccount:";

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
        return compile(resources, ServiceAccounts.NONE);
    }

    /** The Kubernetes user name of a ServiceAccount, as a TokenReview reports it. */
    public static String serviceAccountUser(String namespace, String name) {
        return "system:serviceaccount:" + namespace + ":" + name;
    }

    public static Compiled compile(Collection<ExoService> resources, ServiceAccounts serviceAccounts) {
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
                        "Not routed: " + String.join("; ", problems) + ".", null, null));
                continue;
            }
            ExoService owner = claims.putIfAbsent(service, resource);
            if (owner != null) {
                verdicts.put(key, new Verdict(key, service, Outcome.CONFLICT, "Not routed: service name \"" + service
                        + "\" is already claimed by the older ExoService " + key(owner) + "; rename this one (spec.serviceName) "
                        + "or delete one of the two.", null, null));
                continue;
            }
            ServiceRoutes routes = resource.getSpec().toRoutes(service, "ExoService " + key);
            routed.add(routes);
            String account = serviceAccounts.of(resource);
            verdicts.put(key, new Verdict(key, service, Outcome.ROUTED, "Routed as service \"" + service + "\": sends "
                    + routes.sends().size() + ", receives " + routes.receives().size() + " message names.", routes,
                    account == null ? null : serviceAccountUser(resource.getMetadata().getNamespace(), account)));
        }
        RouteTable table = RouteTable.of(routed);
        return new Compiled(table, yaml(verdicts, table), verdicts);
    }

    /** {@code namespace/name} of a Kubernetes user name {@code system:serviceaccount:NS:NAME}, as the routes name it. */
    static String routesName(String user) {
        String rest = user.substring(USER_PREFIX.length());
        int colon = rest.indexOf(':');
        return rest.substring(0, colon) + "/" + rest.substring(colon + 1);
    }

    /**
     * The table in the compact shape the broker reads, {@code services: {name: {sends: [...], receives: [...],
     * serviceAccount: NS/SA}}}, the ServiceAccount given for the services whose ServiceAccount is known (the
     * broker maps a TokenReview'd token to its service with it). Written by SnakeYAML,
     * the library the broker's parser reads it with, so any message name is quoted as it must be.
     */
    static String yaml(Map<String, Verdict> verdicts, RouteTable table) {
        Map<String, String> accounts = new TreeMap<>();
        verdicts.values().stream().filter(v -> v.outcome() == Outcome.ROUTED && v.serviceAccount() != null)
                .forEach(v -> accounts.put(v.service(), routesName(v.serviceAccount())));
        Map<String, Object> services = new LinkedHashMap<>();
        for (ServiceRoutes service : table.services()) {
            Map<String, Object> lists = new LinkedHashMap<>();
            lists.put("sends", service.sortedSends());
            lists.put("receives", service.sortedReceives());
            if (accounts.containsKey(service.service())) {
                lists.put(SERVICE_ACCOUNT_KEY, accounts.get(service.service()));
            }
            services.put(service.service(), lists);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("services", services);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(Integer.MAX_VALUE); // one line per list item, never folded
        options.setSplitLines(false);
        return "# Routing table compiled by exocom-operator from " + verdicts.size()
                + " ExoServices; edits are overwritten. Read by the broker (EXOCOM_ROUTES_CONFIGMAP).\n"
                + new Yaml(options).dump(root);
    }

    /** Reads YAML produced by {@link #yaml} back with the broker's own parser: the check that both agree. */
    public static RouteTable parse(String yaml) throws RoutesException {
        return RouteTable.of(RoutesParser.parse("routes.yaml", yaml));
    }
}

package io.exocom.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.exocom.protocol.Limits;
import io.exocom.protocol.routes.ServiceRoutes;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/** What an ExoService declares; see {@link ExoService}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.sends) && self.sends.size() > 0) || (has(self.receives) && self.receives.size() > 0)",
        message = "an ExoService must list at least one message name in sends or receives")
public class ExoServiceSpec {
    /**
     * The pattern of a service name, the same rule as {@link Limits#isValidServiceName} (a test checks they agree).
     */
    public static final String SERVICE_NAME_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$";
    /** A message name has no control characters ({@link Limits#isValidName}); its length is checked by @Size. */
    public static final String MESSAGE_NAME_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x{9f}]*$";
    /** A Deployment name: a DNS-1123 subdomain. */
    public static final String WORKLOAD_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    /** Most message names per list. */
    public static final int MAX_NAMES = 1000;

    @JsonPropertyDescription("The service name its relays register with (SERVICE_NAME). Defaults to metadata.name.")
    @Pattern(SERVICE_NAME_PATTERN)
    @Size(min = 1, max = Limits.MAX_SERVICE_NAME_LENGTH)
    private String serviceName;

    @JsonPropertyDescription("Message names this service may send: commands, events and reply outcomes.")
    @Size(max = MAX_NAMES)
    private List<@Size(min = 1, max = Limits.MAX_NAME_LENGTH) @Pattern(MESSAGE_NAME_PATTERN) String> sends;

    @JsonPropertyDescription("Message names delivered to this service.")
    @Size(max = MAX_NAMES)
    private List<@Size(min = 1, max = Limits.MAX_NAME_LENGTH) @Pattern(MESSAGE_NAME_PATTERN) String> receives;

    @JsonPropertyDescription("The Deployment (same namespace) that runs the service: the operator sets EXOCOM_HOST, "
            + "EXOCOM_PORT and SERVICE_NAME in its pod template. Optional.")
    @Pattern(WORKLOAD_PATTERN)
    @Size(min = 1, max = 253)
    private String workload;

    @JsonPropertyDescription("The ServiceAccount (same namespace) whose token proves this service to the broker: the "
            + "operator projects a token of audience exocom into the workload (EXOCOM_TOKEN_FILE) and publishes this "
            + "name with the routes. Defaults to the workload's ServiceAccount (its pod template's "
            + "serviceAccountName, or default). Must be the ServiceAccount the service's pods run as.")
    @Pattern(WORKLOAD_PATTERN)
    @Size(min = 1, max = 253)
    private String serviceAccountName;

    public ExoServiceSpec() {
    }

    public ExoServiceSpec(String serviceName, List<String> sends, List<String> receives, String workload) {
        this.serviceName = serviceName;
        this.sends = sends;
        this.receives = receives;
        this.workload = workload;
    }

    public String getServiceName() {
        return serviceName;
    }

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    public List<String> getSends() {
        return sends;
    }

    public void setSends(List<String> sends) {
        this.sends = sends;
    }

    public List<String> getReceives() {
        return receives;
    }

    public void setReceives(List<String> receives) {
        this.receives = receives;
    }

    public String getWorkload() {
        return workload;
    }

    public void setWorkload(String workload) {
        this.workload = workload;
    }

    public String getServiceAccountName() {
        return serviceAccountName;
    }

    public void setServiceAccountName(String serviceAccountName) {
        this.serviceAccountName = serviceAccountName;
    }

    /**
     * The problems that keep this spec out of the routing table, checked with the protocol's own rules
     * ({@link Limits}), as sentences a person can act on; empty when it is valid. The CRD schema rejects most of
     * these already; this also covers clusters whose CRD is older or was edited.
     */
    public List<String> problems(String service) {
        List<String> problems = new ArrayList<>();
        if (!Limits.isValidServiceName(service)) {
            problems.add("\"" + service + "\" is not a service name: use 1-" + Limits.MAX_SERVICE_NAME_LENGTH
                    + " letters, digits, '.', '_' or '-', starting and ending with a letter or digit (set spec.serviceName)");
        }
        checkNames("sends", sends, problems);
        checkNames("receives", receives, problems);
        if (empty(sends) && empty(receives)) {
            problems.add("spec.sends and spec.receives are both empty: list the messages the service sends or receives");
        }
        if (workload != null && !workload.matches(WORKLOAD_PATTERN)) {
            problems.add("spec.workload \"" + workload + "\" is not a Deployment name");
        }
        if (serviceAccountName != null && !serviceAccountName.matches(WORKLOAD_PATTERN)) {
            problems.add("spec.serviceAccountName \"" + serviceAccountName + "\" is not a ServiceAccount name");
        }
        return problems;
    }

    private static void checkNames(String field, List<String> names, List<String> problems) {
        if (names == null) {
            return;
        }
        if (names.size() > MAX_NAMES) {
            problems.add("spec." + field + " lists " + names.size() + " names, at most " + MAX_NAMES + " are allowed");
        }
        for (int i = 0; i < names.size(); i++) {
            if (!Limits.isValidName(names.get(i))) {
                problems.add("spec." + field + "[" + i + "] \"" + names.get(i) + "\" is not a message name: use 1-"
                        + Limits.MAX_NAME_LENGTH + " characters without control characters, like todos.create");
            }
        }
    }

    private static boolean empty(List<String> list) {
        return list == null || list.isEmpty();
    }

    /** This spec as the protocol module's routes of one service. */
    public ServiceRoutes toRoutes(String service, String source) {
        return new ServiceRoutes(service, new LinkedHashSet<>(Objects.requireNonNullElse(sends, List.of())),
                new LinkedHashSet<>(Objects.requireNonNullElse(receives, List.of())), source);
    }
}

package io.exocom.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed and did; written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExoServiceStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The service name in force (spec.serviceName or metadata.name).")
    private String serviceName;

    @JsonPropertyDescription("The Deployment whose pod template carries this service's relay environment.")
    private String workload;

    @JsonPropertyDescription("Ready: True when the service is in the routing table and its workload has its relay "
            + "environment; reasons Routed, Conflict, InvalidSpec, WorkloadNotFound, WorkloadFieldConflict.")
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getServiceName() {
        return serviceName;
    }

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    public String getWorkload() {
        return workload;
    }

    public void setWorkload(String workload) {
        this.workload = workload;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    /** The condition of this type, or null. */
    public Condition condition(String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ExoServiceStatus other)) {
            return false;
        }
        return Objects.equals(observedGeneration, other.observedGeneration) && Objects.equals(serviceName, other.serviceName)
                && Objects.equals(workload, other.workload) && Objects.equals(conditions, other.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, serviceName, workload, conditions);
    }
}

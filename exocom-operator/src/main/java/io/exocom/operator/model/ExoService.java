package io.exocom.operator.model;

import io.exocom.protocol.routes.RoutesParser;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One service of an application on ExoCom: the messages it may send and receive, and the Deployment that runs it.
 * The same shape {@link RoutesParser} reads from local files ({@code apiVersion: exocom.io/v1alpha1},
 * {@code kind: ExoService}); {@link ExoServiceSpec#toRoutes} turns it into the protocol module's
 * {@code ServiceRoutes}, so the operator and the broker share one definition of routes.
 */
@Group(RoutesParser.API_GROUP)
@Version("v1alpha1")
@Kind(RoutesParser.KIND)
@Singular("exoservice")
@Plural("exoservices")
@ShortNames("exos")
@AdditionalPrinterColumn(name = "Service", jsonPath = ".status.serviceName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Sends", jsonPath = ".spec.sends", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Receives", jsonPath = ".spec.receives", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Workload", jsonPath = ".spec.workload", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec.serviceName) || self.metadata.name.size() <= 63",
        message = "metadata.name is longer than 63 characters, so it cannot be the service name: set spec.serviceName "
                + "to a name of 1-63 letters, digits, '.', '_' or '-'")
public class ExoService extends CustomResource<ExoServiceSpec, ExoServiceStatus> implements Namespaced {

    public ExoService() {
    }

    @Override
    @Required
    public ExoServiceSpec getSpec() {
        return super.getSpec();
    }

    /** The service name its relays register with: {@code spec.serviceName}, or {@code metadata.name}. */
    public String serviceName() {
        ExoServiceSpec spec = getSpec();
        if (spec != null && spec.getServiceName() != null && !spec.getServiceName().isEmpty()) {
            return spec.getServiceName();
        }
        return getMetadata().getName();
    }
}

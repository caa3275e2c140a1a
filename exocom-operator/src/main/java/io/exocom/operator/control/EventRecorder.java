package io.exocom.operator.control;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** Kubernetes Events about ExoServices (what {@code kubectl describe exoservice} and {@code kubectl events} show). */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger("exocom.operator");
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final KubernetesClient client;

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    /** Records an event and logs the same line; never fails the caller (an event is a report, not the work). */
    public void record(HasMetadata about, String type, String reason, String message) {
        String namespace = about.getMetadata().getNamespace();
        String name = about.getMetadata().getName();
        if (WARNING.equals(type)) {
            LOG.warnf("%s %s/%s: %s: %s", about.getKind(), namespace, name, reason, message);
        } else {
            LOG.infof("%s %s/%s: %s: %s", about.getKind(), namespace, name, reason, message);
        }
        String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(namespace)
                    .withName(name + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 16)).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(about.getApiVersion())
                            .withKind(about.getKind()).withNamespace(namespace).withName(name)
                            .withUid(about.getMetadata().getUid()).withResourceVersion(about.getMetadata().getResourceVersion())
                            .build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withReportingComponent(OperatorSettings.FIELD_MANAGER).withReportingInstance(hostname())
                    .withNewSource().withComponent(OperatorSettings.FIELD_MANAGER).endSource()
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, namespace, name, e.getMessage());
        }
    }

    private static String hostname() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "exocom-operator" : host;
    }

}

package io.exocom.operator;

import io.exocom.operator.model.ExoService;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The CRD as checked in at k8s/crds/: the fabric8 generator's output (target/crds, written by
 * crd-generator-maven-plugin from the ExoService classes), with the printer columns in the order the class
 * declares them (the generator sorts them by JSON path, which would put Age first).
 */
public final class CrdFile {
    public static final String HEADER = "# The ExoService CRD, generated from exocom-operator's model classes (fabric8 CRD generator).\n"
            + "# Do not edit: change the classes, then ./mvnw -pl exocom-operator verify -Dexocom.crd.update=true\n";

    private CrdFile() {
    }

    public static Path generated() {
        return Path.of(System.getProperty("exocom.crd.generated", "target/crds/exoservices.exocom.io-v1.yml"));
    }

    public static Path checkedIn() {
        return Path.of(System.getProperty("exocom.crd.checkedin", "../k8s/crds/exoservices.exocom.io-v1.yml"));
    }

    /** The text that belongs in k8s/crds/. */
    public static String expected() throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(generated()), CustomResourceDefinition.class);
        List<String> order = new ArrayList<>();
        for (AdditionalPrinterColumn column : ExoService.class.getAnnotationsByType(AdditionalPrinterColumn.class)) {
            order.add(column.name());
        }
        crd.getSpec().getVersions().forEach(version -> {
            List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
            columns.sort(Comparator.comparingInt(c -> order.indexOf(c.getName())));
            version.setAdditionalPrinterColumns(columns);
        });
        return HEADER + Serialization.asYaml(crd).replaceFirst("^---\n", "");
    }
}

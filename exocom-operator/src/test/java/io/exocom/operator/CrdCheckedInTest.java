package io.exocom.operator;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** k8s/crds/ holds exactly the CRD generated from the classes, so users install what the operator reads. */
class CrdCheckedInTest {

    @Test
    void checkedInCrdIsTheGeneratedOne() throws Exception {
        String expected = CrdFile.expected();
        if (Boolean.getBoolean("exocom.crd.update")) {
            Files.createDirectories(CrdFile.checkedIn().getParent());
            Files.writeString(CrdFile.checkedIn(), expected);
        }
        assertTrue(Files.exists(CrdFile.checkedIn()), CrdFile.checkedIn() + " is missing: run "
                + "./mvnw -pl exocom-operator verify -Dexocom.crd.update=true");
        assertEquals(expected, Files.readString(CrdFile.checkedIn()), CrdFile.checkedIn() + " differs from the CRD "
                + "generated from the ExoService classes: run ./mvnw -pl exocom-operator verify -Dexocom.crd.update=true "
                + "and commit the result");
    }

    @Test
    void theHelmChartShipsTheSameCrd() throws Exception {
        java.nio.file.Path chart = CrdFile.checkedIn().getParent().getParent().resolve("helm/exocom/crds")
                .resolve(CrdFile.checkedIn().getFileName());
        if (Boolean.getBoolean("exocom.crd.update")) {
            Files.copy(CrdFile.checkedIn(), chart, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(Files.readString(CrdFile.checkedIn()), Files.readString(chart), chart + " differs from "
                + CrdFile.checkedIn() + ": run ./mvnw -pl exocom-operator verify -Dexocom.crd.update=true");
    }

    @Test
    void printerColumnsAreServiceSendsReceivesReadyAge() throws Exception {
        String crd = CrdFile.expected();
        int service = crd.indexOf("name: \"Service\""), sends = crd.indexOf("name: \"Sends\""),
                receives = crd.indexOf("name: \"Receives\""), ready = crd.indexOf("name: \"Ready\""), age = crd.indexOf("name: \"Age\"");
        assertTrue(service > 0 && service < sends && sends < receives && receives < ready && ready < age, crd);
    }
}

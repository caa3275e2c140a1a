package io.exocom.operator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What users install from k8s/: the Helm chart rendered by the real helm, and the plain manifests. */
public final class K8sFiles {
    static final ObjectMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new JsonMapper();

    private K8sFiles() {
    }

    public static Path dir() {
        return Path.of(System.getProperty("exocom.k8s.dir", "../k8s"));
    }

    public static Path chart() {
        return dir().resolve("helm/exocom");
    }

    /** {@code helm template RELEASE chart --namespace NS --set ...}: every rendered object, hooks included. */
    public static List<Map<String, Object>> helmTemplate(TestCluster cluster, String release, String namespace,
                                                         String... sets) throws IOException, InterruptedException {
        Rendered rendered = render(cluster, release, namespace, sets);
        if (rendered.exit() != 0) {
            throw new AssertionError("helm template " + String.join(" ", sets) + " failed: " + rendered.error());
        }
        return documents(rendered.out());
    }

    /** What helm printed and its exit status. */
    public record Rendered(int exit, String out, String error) {
    }

    public static Rendered render(TestCluster cluster, String release, String namespace, String... sets)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cluster.bin().resolve("helm").toString(), "template", release,
                chart().toString(), "--namespace", namespace));
        for (String set : sets) {
            command.add("--set");
            command.add(set);
        }
        Path err = Files.createTempFile("helm", ".err");
        Process helm = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(helm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!helm.waitFor(2, TimeUnit.MINUTES)) {
            helm.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
        }
        return new Rendered(helm.exitValue(), out, Files.readString(err));
    }

    /** The objects of every file in k8s/manifests/. */
    public static List<Map<String, Object>> manifests() throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir().resolve("manifests"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                all.addAll(documents(Files.readString(file)));
            }
        }
        return all;
    }

    static List<Map<String, Object>> documents(String yaml) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var values = YAML.readValues(parser, com.fasterxml.jackson.databind.JsonNode.class);
            while (values.hasNext()) {
                var doc = values.next();
                if (doc != null && doc.isObject() && !doc.isEmpty()) { // a document of comments only is null
                    docs.add(YAML.convertValue(doc, new TypeReference<Map<String, Object>>() { }));
                }
            }
        }
        return docs;
    }

    public static String kind(Map<String, Object> object) {
        return (String) object.get("kind");
    }

    @SuppressWarnings("unchecked")
    public static String name(Map<String, Object> object) {
        return (String) ((Map<String, Object>) object.get("metadata")).get("name");
    }

    public static <T> T as(Map<String, Object> object, Class<T> type) {
        return JSON.convertValue(object, type);
    }
}

package io.exocom.protocol.routes;

import io.exocom.protocol.Limits;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads routes from YAML in either of two shapes, detected per document:
 * <ul>
 *   <li>a compact map: {@code services: {web: {sends: [...], receives: [...], serviceAccount: ns/name}, ...}}
 *   ({@code serviceAccount} optional: the Kubernetes ServiceAccount whose tokens prove the service);</li>
 *   <li>ExoService manifests exactly as they are applied to a cluster ({@code apiVersion: exocom.io/v1alpha1},
 *   {@code kind: ExoService}, {@code metadata.name}, {@code spec.serviceName} defaulting to
 *   {@code metadata.name}, {@code spec.sends}, {@code spec.receives}, {@code spec.serviceAccountName} in {@code metadata.namespace}, default
 *   {@code default}). Other fields are ignored, and so are
 *   documents of other kinds, so that a file may hold a service's Deployment next to its ExoService.</li>
 * </ul>
 * It works on SnakeYAML's node tree rather than on plain maps because the nodes know their line, so that every
 * error can name file, line and field.
 */
public final class RoutesParser {
    public static final String API_GROUP = "exocom.io";
    public static final String API_VERSION = API_GROUP + "/v1alpha1";
    public static final String KIND = "ExoService";

    /** Upper bound of names per list, so that a runaway file cannot exhaust memory. */
    static final int MAX_NAMES_PER_LIST = 10_000;

    private RoutesParser() {
    }

    /** Parses YAML text; {@code source} names it in errors (usually the file path). */
    public static List<ServiceRoutes> parse(String source, String yaml) throws RoutesException {
        return parse(source, new StringReader(yaml));
    }

    public static List<ServiceRoutes> parse(String source, Reader yaml) throws RoutesException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        Yaml parser = new Yaml(new SafeConstructor(options));
        List<ServiceRoutes> routes = new ArrayList<>();
        try {
            for (Node document : parser.composeAll(yaml)) {
                new DocumentReader(source).read(document, routes);
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new RoutesException(source, mark == null ? 0 : mark.getLine() + 1, "",
                    "not valid YAML: " + firstLine(e.getProblem() != null ? e.getProblem() : e.getMessage()));
        } catch (YAMLException e) {
            throw new RoutesException(source, 0, "", "not valid YAML: " + firstLine(e.getMessage()));
        }
        return routes;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Reads one YAML document; keeps the source for error messages. */
    private static final class DocumentReader {
        private final String source;

        DocumentReader(String source) {
            this.source = source;
        }

        void read(Node document, List<ServiceRoutes> into) throws RoutesException {
            if (document == null || isNull(document)) {
                return;
            }
            MappingNode root = mapping(document, "");
            if (child(root, "kind") != null || child(root, "apiVersion") != null) {
                readManifest(root, "", into);
            } else if (child(root, "services") != null) {
                readCompact(root, into);
            } else {
                throw error(root, "", "expected either a compact routes map with a top-level \"services\" key, "
                        + "or an ExoService manifest with \"apiVersion: " + API_VERSION + "\" and \"kind: " + KIND + "\"");
            }
        }

        private void readCompact(MappingNode root, List<ServiceRoutes> into) throws RoutesException {
            Node servicesNode = child(root, "services");
            if (isNull(servicesNode)) {
                return;
            }
            MappingNode services = mapping(servicesNode, "services");
            for (NodeTuple entry : services.getValue()) {
                String service = scalar(entry.getKeyNode(), "services");
                String path = "services." + service;
                checkServiceName(entry.getKeyNode(), path, service);
                Set<String> sends = Set.of();
                Set<String> receives = Set.of();
                String serviceAccount = "";
                if (!isNull(entry.getValueNode())) {
                    MappingNode spec = mapping(entry.getValueNode(), path);
                    rejectUnknownKeys(spec, path, Set.of("sends", "receives", "serviceAccount"));
                    sends = names(child(spec, "sends"), path + ".sends");
                    receives = names(child(spec, "receives"), path + ".receives");
                    Node account = child(spec, "serviceAccount");
                    if (account != null && !isNull(account)) {
                        serviceAccount = serviceAccount(account, path + ".serviceAccount", scalar(account, path + ".serviceAccount"));
                    }
                }
                into.add(new ServiceRoutes(service, sends, receives, where(entry.getKeyNode()), serviceAccount));
            }
        }

        private void readManifest(MappingNode root, String path, List<ServiceRoutes> into) throws RoutesException {
            String kind = requiredScalar(root, "kind", path);
            String apiVersion = requiredScalar(root, "apiVersion", path);
            if (kind.equals("List") || kind.endsWith("List") && child(root, "items") != null) {
                Node items = child(root, "items");
                if (items != null && !isNull(items)) {
                    List<Node> list = sequence(items, join(path, "items")).getValue();
                    for (int i = 0; i < list.size(); i++) {
                        readManifest(mapping(list.get(i), join(path, "items[" + i + "]")), join(path, "items[" + i + "]"), into);
                    }
                }
                return;
            }
            if (!kind.equals(KIND)) {
                return; // a Deployment or Service next to the ExoService: not ours to read
            }
            if (!apiVersion.equals(API_VERSION)) {
                throw error(child(root, "apiVersion"), join(path, "apiVersion"), "unsupported version \"" + apiVersion
                        + "\" of ExoService: this ExoCom reads " + API_VERSION);
            }
            Node metadataNode = child(root, "metadata");
            if (metadataNode == null) {
                throw error(root, join(path, "metadata"), "an ExoService needs metadata.name");
            }
            MappingNode metadata = mapping(metadataNode, join(path, "metadata"));
            String name = requiredScalar(metadata, "name", join(path, "metadata"));
            Node specNode = child(root, "spec");
            String specPath = join(path, "spec");
            String service = name;
            Node nameNode = child(metadata, "name");
            Node serviceNode = nameNode;
            Set<String> sends = Set.of();
            Set<String> receives = Set.of();
            String serviceAccount = "";
            if (specNode != null && !isNull(specNode)) {
                MappingNode spec = mapping(specNode, specPath);
                Node serviceName = child(spec, "serviceName");
                if (serviceName != null && !isNull(serviceName)) {
                    service = scalar(serviceName, specPath + ".serviceName");
                    serviceNode = serviceName;
                }
                sends = names(child(spec, "sends"), specPath + ".sends");
                receives = names(child(spec, "receives"), specPath + ".receives");
                Node accountName = child(spec, "serviceAccountName");
                if (accountName != null && !isNull(accountName)) {
                    Node namespaceNode = child(metadata, "namespace");
                    String namespace = namespaceNode == null || isNull(namespaceNode) ? "default"
                            : scalar(namespaceNode, join(path, "metadata.namespace"));
                    serviceAccount = serviceAccount(accountName, specPath + ".serviceAccountName",
                            namespace + "/" + scalar(accountName, specPath + ".serviceAccountName"));
                }
            }
            checkServiceName(serviceNode, serviceNode == nameNode ? join(path, "metadata.name")
                    : specPath + ".serviceName", service);
            into.add(new ServiceRoutes(service, sends, receives, where(serviceNode), serviceAccount));
        }

        private Set<String> names(Node node, String path) throws RoutesException {
            if (node == null || isNull(node)) {
                return Set.of();
            }
            List<Node> items = sequence(node, path).getValue();
            if (items.size() > MAX_NAMES_PER_LIST) {
                throw error(node, path, "lists at most " + MAX_NAMES_PER_LIST + " message names");
            }
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; i < items.size(); i++) {
                String itemPath = path + "[" + i + "]";
                String name = scalar(items.get(i), itemPath);
                if (!Limits.isValidName(name)) {
                    throw error(items.get(i), itemPath, "\"" + name + "\" is not a message name: use 1-"
                            + Limits.MAX_NAME_LENGTH + " characters without control characters, like todos.create");
                }
                names.add(name);
            }
            return names;
        }

        /** A ServiceAccount as {@code namespace/name}: a DNS label, a slash, a DNS subdomain (Kubernetes' rules). */
        private String serviceAccount(Node node, String path, String value) throws RoutesException {
            if (!value.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?")) {
                throw error(node, path, "\"" + value + "\" is not a ServiceAccount: give namespace/name, like "
                        + "shop/todos (lower-case letters, digits and '-'; the name may also have '.')");
            }
            return value;
        }

        private void checkServiceName(Node node, String path, String service) throws RoutesException {
            if (!Limits.isValidServiceName(service)) {
                throw error(node, path, "\"" + service + "\" is not a service name: use 1-" + Limits.MAX_SERVICE_NAME_LENGTH
                        + " letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
            }
        }

        private void rejectUnknownKeys(MappingNode node, String path, Set<String> allowed) throws RoutesException {
            for (NodeTuple entry : node.getValue()) {
                String key = scalar(entry.getKeyNode(), path);
                if (!allowed.contains(key)) {
                    throw error(entry.getKeyNode(), join(path, key), "unknown field: a service lists \"sends\" and \"receives\", and may name its \"serviceAccount\"");
                }
            }
        }

        /**
         * SnakeYAML enforces {@code allowDuplicateKeys(false)} only when constructing objects, and this reader works
         * on the composed node tree, so every map read is checked here.
         */
        private void rejectDuplicateKeys(MappingNode node, String path) throws RoutesException {
            java.util.Map<String, Node> seen = new java.util.HashMap<>();
            for (NodeTuple entry : node.getValue()) {
                if (entry.getKeyNode() instanceof ScalarNode key) {
                    Node earlier = seen.putIfAbsent(key.getValue(), key);
                    if (earlier != null) {
                        throw error(key, join(path, key.getValue()), "duplicate key \"" + key.getValue()
                                + "\": first given on line " + line(earlier));
                    }
                }
            }
        }

        private String requiredScalar(MappingNode node, String key, String path) throws RoutesException {
            Node value = child(node, key);
            if (value == null || isNull(value)) {
                throw error(node, join(path, key), "is required");
            }
            return scalar(value, join(path, key));
        }

        private static Node child(MappingNode node, String key) {
            for (NodeTuple entry : node.getValue()) {
                if (entry.getKeyNode() instanceof ScalarNode scalar && scalar.getValue().equals(key)) {
                    return entry.getValueNode();
                }
            }
            return null;
        }

        private MappingNode mapping(Node node, String path) throws RoutesException {
            if (node instanceof MappingNode mapping) {
                rejectDuplicateKeys(mapping, path);
                return mapping;
            }
            throw error(node, path, "expected a map (key: value lines), found " + describe(node));
        }

        private SequenceNode sequence(Node node, String path) throws RoutesException {
            if (node instanceof SequenceNode sequence) {
                return sequence;
            }
            throw error(node, path, "expected a list of message names (like [todos.create, todos.list]), found " + describe(node));
        }

        private String scalar(Node node, String path) throws RoutesException {
            if (node instanceof ScalarNode scalar && !isNull(node)) {
                return scalar.getValue();
            }
            throw error(node, path, "expected a single value, found " + describe(node));
        }

        private static boolean isNull(Node node) {
            return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
        }

        private static String describe(Node node) {
            if (node instanceof MappingNode) {
                return "a map";
            }
            if (node instanceof SequenceNode) {
                return "a list";
            }
            if (isNull(node)) {
                return "nothing";
            }
            return "\"" + ((ScalarNode) node).getValue() + "\"";
        }

        private String where(Node node) {
            return source + ":" + line(node);
        }

        private static int line(Node node) {
            return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
        }

        private RoutesException error(Node node, String path, String problem) {
            return new RoutesException(source, line(node), path, problem);
        }

        private static String join(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }
}

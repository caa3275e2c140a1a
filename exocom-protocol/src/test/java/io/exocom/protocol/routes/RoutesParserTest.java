package io.exocom.protocol.routes;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutesParserTest {
    private static final String FILE = "routes.yaml";

    private static List<ServiceRoutes> parse(String yaml) throws RoutesException {
        return RoutesParser.parse(FILE, yaml);
    }

    private static RoutesException failure(String yaml) {
        RoutesException e = assertThrows(RoutesException.class, () -> parse(yaml));
        assertEquals(FILE, e.source());
        assertTrue(e.getMessage().startsWith(FILE + ":"), e.getMessage());
        return e;
    }

    private static void assertMentions(RoutesException e, String fragment) {
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
    }

    private static ServiceRoutes only(List<ServiceRoutes> routes) {
        assertEquals(1, routes.size(), routes.toString());
        return routes.get(0);
    }

    @Nested
    class ServiceAccounts {
        @Test
        void aCompactEntryNamesItsServiceAccountAndAManifestItsServiceAccountName() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    services:
                      web:
                        sends: [todos.create]
                        serviceAccount: shop/web-sa
                      todos:
                        receives: [todos.create]
                    ---
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata: {name: mailer, namespace: mail}
                    spec: {receives: [user.created], serviceAccountName: mailer}
                    ---
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata: {name: search}
                    spec: {receives: [user.created], serviceAccountName: search}
                    """);
            assertEquals("shop/web-sa", routes.get(0).serviceAccount());
            assertEquals("", routes.get(1).serviceAccount());
            assertEquals("mail/mailer", routes.get(2).serviceAccount());
            assertEquals("default/search", routes.get(3).serviceAccount(), "kubectl's namespace when none is given");
            assertEquals("shop/web-sa", RouteTable.of(routes).serviceAccountOf("web"));
        }

        @Test
        void aServiceAccountThatIsNotNamespaceSlashNameIsRefusedWithItsLine() {
            RoutesException e = failure("""
                    services:
                      web:
                        serviceAccount: web-sa
                    """);
            assertEquals(3, e.line());
            assertMentions(e, "services.web.serviceAccount");
            assertMentions(e, "give namespace/name");
        }
    }

    @Nested
    class CompactShape {
        @Test
        void readsServicesWithSendsAndReceives() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    services:
                      web:
                        sends: [todos.create, todos.list]
                        receives: [todos.created]
                      todos:
                        sends:
                          - todos.created
                        receives:
                          - todos.create
                          - todos.list
                    """);
            assertEquals(2, routes.size());
            ServiceRoutes web = routes.get(0);
            assertEquals("web", web.service());
            assertEquals(Set.of("todos.create", "todos.list"), web.sends());
            assertEquals(Set.of("todos.created"), web.receives());
            assertEquals(FILE + ":2", web.source());
            ServiceRoutes todos = routes.get(1);
            assertEquals("todos", todos.service());
            assertEquals(List.of("todos.create", "todos.list"), todos.sortedReceives());
            assertEquals(FILE + ":5", todos.source());
        }

        @Test
        void serviceWithoutSpecOrListsHasNoRoutes() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    services:
                      idle:
                      quiet: {}
                      listless:
                        sends:
                    """);
            assertEquals(3, routes.size());
            for (ServiceRoutes r : routes) {
                assertEquals(Set.of(), r.sends(), r.service());
                assertEquals(Set.of(), r.receives(), r.service());
            }
        }

        @Test
        void emptyServicesAndEmptyFile() throws Exception {
            assertEquals(List.of(), parse("services:\n"));
            assertEquals(List.of(), parse(""));
            assertEquals(List.of(), parse("# only a comment\n"));
        }
    }

    @Nested
    class Manifests {
        @Test
        void singleExoServiceWithServiceNameFromMetadata() throws Exception {
            ServiceRoutes r = only(parse("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: todos
                      namespace: prod
                    spec:
                      sends: [todos.created]
                      receives: [todos.create]
                      replicas: 3
                    """));
            assertEquals("todos", r.service());
            assertEquals(Set.of("todos.created"), r.sends());
            assertEquals(Set.of("todos.create"), r.receives());
            assertEquals(FILE + ":4", r.source());
        }

        @Test
        void specServiceNameOverridesMetadataName() throws Exception {
            ServiceRoutes r = only(parse("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: todos-prod
                    spec:
                      serviceName: todos
                      receives: [todos.create]
                    """));
            assertEquals("todos", r.service());
            assertEquals(FILE + ":6", r.source());
        }

        @Test
        void multiDocumentSkipsOtherKinds() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: web
                    spec:
                      replicas: 2
                      template: {}
                    ---
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: web
                    spec:
                      sends: [todos.create]
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: web
                    ---
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: todos
                    spec:
                      receives: [todos.create]
                    """);
            assertEquals(List.of("web", "todos"), routes.stream().map(ServiceRoutes::service).toList());
            assertEquals(Set.of("todos.create"), routes.get(0).sends());
            assertEquals(Set.of("todos.create"), routes.get(1).receives());
        }

        @Test
        void otherKindIsSkippedEvenWithAnotherApiVersion() throws Exception {
            assertEquals(List.of(), parse("""
                    apiVersion: exocom.io/v2
                    kind: Deployment
                    metadata: {}
                    """));
        }

        @Test
        void kindListWithItems() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    apiVersion: v1
                    kind: List
                    items:
                      - apiVersion: exocom.io/v1alpha1
                        kind: ExoService
                        metadata:
                          name: web
                        spec:
                          sends: [todos.create]
                      - apiVersion: v1
                        kind: ConfigMap
                        metadata:
                          name: web-config
                      - apiVersion: exocom.io/v1alpha1
                        kind: ExoService
                        metadata:
                          name: todos
                        spec:
                          receives: [todos.create]
                    """);
            assertEquals(List.of("web", "todos"), routes.stream().map(ServiceRoutes::service).toList());
        }

        @Test
        void errorsInsideAListNameTheItem() {
            RoutesException e = failure("""
                    apiVersion: v1
                    kind: List
                    items:
                      - apiVersion: exocom.io/v1alpha1
                        kind: ExoService
                        metadata:
                          name: web
                        spec:
                          sends: todos.create
                    """);
            assertEquals("items[0].spec.sends", e.field());
            assertEquals(9, e.line());
        }

        @Test
        void compactAndManifestDocumentsMix() throws Exception {
            List<ServiceRoutes> routes = parse("""
                    services:
                      web: {sends: [a.b]}
                    ---
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata: {name: todos}
                    spec: {receives: [a.b]}
                    """);
            assertEquals(List.of("web", "todos"), routes.stream().map(ServiceRoutes::service).toList());
        }
    }

    @Nested
    class Errors {
        @Test
        void yamlSyntaxError() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: [todos.create
                        receives: []
                    """);
            assertMentions(e, "not valid YAML");
            assertTrue(e.line() >= 3, "line " + e.line());
        }

        @Test
        void yamlSyntaxErrorLineIsOneBased() {
            RoutesException e = failure("services:\n  web: {sends: [a]}\n  - b\n");
            assertMentions(e, "not valid YAML");
            assertEquals(3, e.line());
            assertEquals("", e.field());
        }

        @Test
        void sendsNotAList() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: todos.create
                    """);
            assertEquals(3, e.line());
            assertEquals("services.web.sends", e.field());
            assertMentions(e, "list of message names");
            assertEquals(FILE + ":3: services.web.sends: " + e.problem(), e.getMessage());
        }

        @Test
        void receivesAMap() {
            RoutesException e = failure("""
                    services:
                      web:
                        receives:
                          todos.created: true
                    """);
            assertEquals("services.web.receives", e.field());
            assertEquals(4, e.line());
        }

        @Test
        void listItemThatIsAMap() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends:
                          - todos.create
                          - name: todos.list
                    """);
            assertEquals(5, e.line());
            assertEquals("services.web.sends[1]", e.field());
            assertMentions(e, "found a map");
            assertEquals(FILE + ":5: services.web.sends[1]: expected a single value, found a map", e.getMessage());
        }

        @Test
        void badMessageName() {
            String tooLong = "n".repeat(201);
            RoutesException e = failure("""
                    services:
                      web:
                        receives:
                          - ok.name
                          - %s
                    """.formatted(tooLong));
            assertEquals(5, e.line());
            assertEquals("services.web.receives[1]", e.field());
            assertMentions(e, "is not a message name");
        }

        @Test
        void messageNameWithControlCharacter() {
            RoutesException e = failure("services:\n  web:\n    sends: [\"todos\\tcreate\"]\n");
            assertEquals("services.web.sends[0]", e.field());
            assertEquals(3, e.line());
        }

        @Test
        void badServiceNameInCompactShape() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: [a.b]
                      -todos-:
                        receives: [a.b]
                    """);
            assertEquals(4, e.line());
            assertEquals("services.-todos-", e.field());
            assertMentions(e, "is not a service name");
        }

        @Test
        void badServiceNameInMetadataNameNamesItsLine() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      namespace: prod
                      labels: {app: x}
                      name: "todos service"
                    """);
            assertEquals("metadata.name", e.field());
            assertEquals(6, e.line());
            assertMentions(e, "\"todos service\" is not a service name");
        }

        @Test
        void badServiceNameInSpecServiceName() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: todos
                    spec:
                      serviceName: todos_
                    """);
            assertEquals("spec.serviceName", e.field());
            assertEquals(6, e.line());
        }

        @Test
        void unknownKeyInCompactServiceEntry() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: [a.b]
                        recieves: [c.d]
                    """);
            assertEquals(4, e.line());
            assertEquals("services.web.recieves", e.field());
            assertMentions(e, "unknown field");
            assertEquals(FILE + ":4: services.web.recieves: " + e.problem(), e.getMessage());
        }

        @Test
        void serviceEntryNotAMap() {
            RoutesException e = failure("""
                    services:
                      web: [a.b]
                    """);
            assertEquals("services.web", e.field());
            assertEquals(2, e.line());
        }

        @Test
        void wrongApiVersionForExoService() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v2
                    kind: ExoService
                    metadata:
                      name: web
                    """);
            assertEquals(1, e.line());
            assertEquals("apiVersion", e.field());
            assertMentions(e, "exocom.io/v1alpha1");
            assertEquals(FILE + ":1: apiVersion: " + e.problem(), e.getMessage());
        }

        @Test
        void missingKindOrApiVersion() {
            assertEquals("kind", failure("apiVersion: exocom.io/v1alpha1\nmetadata: {name: web}\n").field());
            assertEquals("apiVersion", failure("kind: ExoService\nmetadata: {name: web}\n").field());
        }

        @Test
        void missingMetadata() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    spec:
                      sends: [a.b]
                    """);
            assertEquals("metadata", e.field());
            assertMentions(e, "metadata.name");
        }

        @Test
        void missingMetadataName() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      namespace: prod
                    spec:
                      sends: [a.b]
                    """);
            assertEquals("metadata.name", e.field());
            assertMentions(e, "is required");
            assertTrue(e.line() >= 3 && e.line() <= 4, "line " + e.line());
        }

        @Test
        void documentThatIsNeitherShape() {
            RoutesException e = failure("""
                    # routes
                    routes:
                      web: {sends: [a.b]}
                    """);
            assertEquals(2, e.line());
            assertMentions(e, "\"services\"");
            assertMentions(e, "ExoService");
        }

        @Test
        void documentThatIsAScalarOrList() {
            assertMentions(failure("just text\n"), "expected a map");
            assertMentions(failure("- web\n- todos\n"), "expected a map");
        }

        @Test
        void secondDocumentErrorsNameItsOwnLine() {
            RoutesException e = failure("""
                    services:
                      web: {sends: [a.b]}
                    ---
                    services:
                      todos: {receives: a.b}
                    """);
            assertEquals(5, e.line());
            assertEquals("services.todos.receives", e.field());
        }

        @Test
        void duplicateServiceKeys() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: [a.b]
                      web:
                        receives: [c.d]
                    """);
            assertEquals(4, e.line());
            assertEquals("services.web", e.field());
            assertEquals(FILE + ":4: services.web: duplicate key \"web\": first given on line 2", e.getMessage());
        }

        @Test
        void duplicateListKeys() {
            RoutesException e = failure("""
                    services:
                      web:
                        sends: [a.b]
                        sends: [c.d]
                    """);
            assertMentions(e, "duplicate key \"sends\"");
            assertEquals(4, e.line());
            assertEquals("services.web.sends", e.field());
        }

        @Test
        void duplicateManifestKeys() {
            RoutesException e = failure("""
                    apiVersion: exocom.io/v1alpha1
                    kind: ExoService
                    metadata:
                      name: web
                      name: todos
                    """);
            assertEquals(5, e.line());
            assertEquals("metadata.name", e.field());
        }

        @Test
        void messageFormatWithoutLineOrField() {
            RoutesException e = new RoutesException("x.yaml", 0, "", "cannot be read");
            assertEquals("x.yaml: cannot be read", e.getMessage());
            assertEquals("x.yaml:7: a.b: bad", new RoutesException("x.yaml", 7, "a.b", "bad").getMessage());
        }
    }
}

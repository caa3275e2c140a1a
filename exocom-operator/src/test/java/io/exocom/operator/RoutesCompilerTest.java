package io.exocom.operator;

import io.exocom.operator.control.RoutesCompiler;
import io.exocom.operator.control.RoutesCompiler.Outcome;
import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceSpec;
import io.exocom.protocol.routes.RouteTable;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The routing table the operator publishes, compiled from ExoServices, read back by the broker's parser. */
class RoutesCompilerTest {

    static ExoService exo(String namespace, String name, String created, String serviceName, List<String> sends,
                          List<String> receives) {
        ExoService resource = new ExoService();
        resource.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withCreationTimestamp(created).build());
        resource.setSpec(new ExoServiceSpec(serviceName, sends, receives, null));
        return resource;
    }

    @Test
    void tableIsReadByTheBrokersParserAsCompiled() throws Exception {
        ExoService todos = exo("apps", "todos", "2026-01-01T00:00:00Z", null,
                List.of("todos.listed", "todos.created", "todos.invalid"), List.of("todos.list", "todos.create"));
        ExoService web = exo("apps", "web-frontend", "2026-01-01T00:00:01Z", "web", List.of("todos.list", "quote\"d \\ name"), List.of());
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(List.of(todos, web));
        RouteTable read = RoutesCompiler.parse(compiled.yaml());
        assertEquals(2, read.size());
        assertTrue(read.maySend("web", "todos.list"));
        assertTrue(read.maySend("web", "quote\"d \\ name"));
        assertEquals(List.of("todos"), read.receiversOf("todos.create"));
        assertFalse(read.maySend("todos", "todos.list"));
        assertEquals(Outcome.ROUTED, compiled.verdict(web).outcome());
        assertEquals("web", compiled.verdict(web).service());
    }

    @Test
    void olderClaimWinsAndTheYoungerIsNotRouted() throws Exception {
        ExoService older = exo("a", "todos", "2026-01-01T00:00:00Z", null, List.of("x.done"), List.of("x.do"));
        ExoService younger = exo("b", "todos-copy", "2026-01-02T00:00:00Z", "todos", List.of("y.done"), List.of("y.do"));
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(List.of(younger, older));
        assertEquals(Outcome.ROUTED, compiled.verdict(older).outcome());
        assertEquals(Outcome.CONFLICT, compiled.verdict(younger).outcome());
        assertTrue(compiled.verdict(younger).message().contains("a/todos"), compiled.verdict(younger).message());
        RouteTable read = RoutesCompiler.parse(compiled.yaml());
        assertEquals(List.of("todos"), read.receiversOf("x.do"));
        assertTrue(read.receiversOf("y.do").isEmpty());
    }

    @Test
    void invalidSpecIsLeftOutAndTheOthersKeepWorking() throws Exception {
        ExoService bad = exo("a", "bad", "2026-01-01T00:00:00Z", "-bad-", List.of("ok"), List.of("bell\u0007"));
        ExoService good = exo("a", "good", "2026-01-02T00:00:00Z", null, List.of("good.done"), List.of("good.do"));
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(List.of(bad, good));
        assertEquals(Outcome.INVALID_SPEC, compiled.verdict(bad).outcome());
        String message = compiled.verdict(bad).message();
        assertTrue(message.contains("\"-bad-\" is not a service name") && message.contains("spec.receives[0]"), message);
        RouteTable read = RoutesCompiler.parse(compiled.yaml());
        assertEquals(1, read.size());
        assertTrue(read.isKnown("good"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void serviceAccountsOfRoutedServicesArePublishedInTheirEntries() throws Exception {
        ExoService todos = exo("shop", "todos", "2026-01-01T00:00:00Z", null, List.of("todos.listed"), List.of("todos.list"));
        ExoService copy = exo("shop", "todos-copy", "2026-01-02T00:00:00Z", "todos", List.of("x.y"), List.of());
        ExoService web = exo("shop", "web", "2026-01-03T00:00:00Z", null, List.of("todos.list"), List.of());
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(List.of(todos, copy, web),
                r -> r.getMetadata().getName().equals("web") ? null : r.getMetadata().getName() + "-sa");
        java.util.Map<String, Object> yaml = new org.yaml.snakeyaml.Yaml().load(compiled.yaml());
        assertEquals(java.util.Set.of("todos", "web"), ((java.util.Map<String, Object>) yaml.get("services")).keySet());
        io.exocom.protocol.routes.RouteTable read = RoutesCompiler.parse(compiled.yaml());
        assertEquals(2, read.size(), "the broker's parser reads it");
        assertEquals("shop/todos-sa", read.serviceAccountOf("todos"),
                "the routed claimant's, as the broker reads it\n" + compiled.yaml());
        assertEquals("", read.serviceAccountOf("web"), "none for web, whose ServiceAccount is unknown");
        assertEquals("system:serviceaccount:shop:todos-sa", compiled.verdict(todos).serviceAccount());
        assertEquals(null, RoutesCompiler.compile(List.of(web)).verdict(web).serviceAccount());
        assertFalse(RoutesCompiler.compile(List.of(web)).yaml().contains("serviceAccount"));
    }

    @Test
    void noServicesGiveAnEmptyTableTheBrokerAccepts() throws Exception {
        RoutesCompiler.Compiled compiled = RoutesCompiler.compile(List.of());
        assertEquals(0, RoutesCompiler.parse(compiled.yaml()).size());
    }
}

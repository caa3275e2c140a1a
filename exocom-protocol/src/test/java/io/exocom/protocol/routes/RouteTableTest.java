package io.exocom.protocol.routes;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTableTest {
    private final RouteTable table = RouteTable.of(List.of(
            new ServiceRoutes("web", Set.of("todos.create", "todos.list"), Set.of("todos.created")),
            new ServiceRoutes("zeta", Set.of(), Set.of("todos.create")),
            new ServiceRoutes("todos", Set.of("todos.created"), Set.of("todos.create", "todos.list")),
            new ServiceRoutes("audit", Set.of(), Set.of("todos.create", "todos.created"))));

    @Test
    void maySendOnlyWhatIsGranted() {
        assertTrue(table.maySend("web", "todos.create"));
        assertTrue(table.maySend("todos", "todos.created"));
        assertFalse(table.maySend("web", "todos.created"), "receiving is not sending");
        assertFalse(table.maySend("zeta", "todos.create"));
        assertFalse(table.maySend("nobody", "todos.create"), "unknown services may send nothing");
    }

    @Test
    void receiversOfAreSortedByService() {
        assertEquals(List.of("audit", "todos", "zeta"), table.receiversOf("todos.create"));
        assertEquals(List.of("audit", "web"), table.receiversOf("todos.created"));
        assertEquals(List.of("todos"), table.receiversOf("todos.list"));
        assertEquals(List.of(), table.receiversOf("nothing.here"));
    }

    @Test
    void receiversOfIsUnmodifiable() {
        assertThrows(UnsupportedOperationException.class, () -> table.receiversOf("todos.create").add("x"));
    }

    @Test
    void isKnown() {
        assertTrue(table.isKnown("web"));
        assertTrue(table.isKnown("zeta"));
        assertFalse(table.isKnown("Web"));
        assertFalse(table.isKnown("nobody"));
        assertEquals(4, table.size());
        assertEquals(List.of("audit", "todos", "web", "zeta"),
                table.services().stream().map(ServiceRoutes::service).toList());
        assertEquals(Set.of("todos.created"), table.routesOf("todos").sends());
        assertNull(table.routesOf("nobody"));
    }

    @Test
    void duplicateServiceRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouteTable.of(List.of(
                new ServiceRoutes("web", Set.of("a.b"), Set.of()),
                new ServiceRoutes("web", Set.of(), Set.of("a.b")))));
        assertTrue(e.getMessage().contains("web"), e.getMessage());
    }

    @Test
    void emptyTableDeniesEverything() {
        RouteTable empty = RouteTable.empty();
        assertEquals(0, empty.size());
        assertFalse(empty.isKnown("web"));
        assertFalse(empty.maySend("web", "a.b"));
        assertEquals(List.of(), empty.receiversOf("a.b"));
    }

    @Test
    void serviceRoutesSortedViews() {
        ServiceRoutes r = new ServiceRoutes("web", Set.of("c", "a", "b"), Set.of("z", "y"));
        assertEquals(List.of("a", "b", "c"), r.sortedSends());
        assertEquals(List.of("y", "z"), r.sortedReceives());
        assertEquals("", r.source());
    }
}

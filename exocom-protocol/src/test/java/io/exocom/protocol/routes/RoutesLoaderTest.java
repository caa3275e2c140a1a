package io.exocom.protocol.routes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutesLoaderTest {
    @TempDir
    Path dir;

    private static final String WEB = """
            services:
              web:
                sends: [todos.create]
                receives: [todos.created]
            """;

    private static final String TODOS = """
            apiVersion: exocom.io/v1alpha1
            kind: ExoService
            metadata:
              name: todos
            spec:
              sends: [todos.created]
              receives: [todos.create]
            """;

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void directoryWithTwoFilesMergesThem() throws Exception {
        Path web = write("web.yaml", WEB);
        Path todos = write("todos.yml", TODOS);
        RoutesLoader.Loaded loaded = RoutesLoader.load(dir);
        RouteTable table = loaded.table();
        assertEquals(2, table.size());
        assertTrue(table.maySend("web", "todos.create"));
        assertTrue(table.maySend("todos", "todos.created"));
        assertEquals(List.of("todos"), table.receiversOf("todos.create"));
        assertEquals(List.of("web"), table.receiversOf("todos.created"));
        assertEquals(List.of(todos, web), loaded.files(), "files in name order");
    }

    @Test
    void singleFile() throws Exception {
        Path web = write("web.yaml", WEB);
        RoutesLoader.Loaded loaded = RoutesLoader.load(web);
        assertEquals(Set.of("todos.create"), loaded.table().routesOf("web").sends());
        assertEquals(List.of(web), loaded.files());
        assertEquals(RoutesLoader.fingerprint(web), loaded.fingerprint());
    }

    @Test
    void hiddenAndNonYamlFilesAreIgnored() throws Exception {
        write("web.yaml", WEB);
        write(".hidden.yaml", "this: [is not: valid");
        write("README.md", "# routes\nnot: yaml: at: all: [");
        write("todos.yaml.bak", TODOS);
        write("notes.txt", TODOS);
        Files.createDirectory(dir.resolve("nested.yaml"));
        Files.createDirectory(dir.resolve("..data"));
        Files.writeString(dir.resolve("..data").resolve("todos.yaml"), TODOS);

        RoutesLoader.Loaded loaded = RoutesLoader.load(dir);
        assertEquals(1, loaded.table().size());
        assertTrue(loaded.table().isKnown("web"));
        assertFalse(loaded.table().isKnown("todos"));
        assertEquals(List.of(dir.resolve("web.yaml")), loaded.files());
    }

    @Test
    void emptyDirectoryGivesEmptyTable() throws Exception {
        assertEquals(0, RoutesLoader.load(dir).table().size());
    }

    @Test
    void serviceDeclaredInTwoFilesNamesBothPlaces() throws Exception {
        Path first = write("a.yaml", WEB);
        Path second = write("b.yaml", """
                # also web
                apiVersion: exocom.io/v1alpha1
                kind: ExoService
                metadata:
                  name: web
                """);
        RoutesException e = assertThrows(RoutesException.class, () -> RoutesLoader.load(dir));
        assertEquals(second.toString(), e.source());
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("\"web\""), e.getMessage());
        assertTrue(e.getMessage().contains(first + ":2"), e.getMessage());
        assertTrue(e.getMessage().startsWith(second + ":5: "), e.getMessage());
    }

    @Test
    void parseErrorNamesTheFile() throws Exception {
        write("web.yaml", WEB);
        Path bad = write("zz.yaml", "services:\n  todos:\n    sends: todos.created\n");
        RoutesException e = assertThrows(RoutesException.class, () -> RoutesLoader.load(dir));
        assertEquals(bad.toString(), e.source());
        assertEquals(3, e.line());
        assertEquals("services.todos.sends", e.field());
    }

    @Test
    void fingerprintChangesWhenAFileChangesOrIsAdded() throws Exception {
        Path web = write("web.yaml", WEB);
        String initial = RoutesLoader.fingerprint(dir);
        assertEquals(initial, RoutesLoader.fingerprint(dir), "stable while nothing changes");
        assertEquals(initial, RoutesLoader.load(dir).fingerprint(), "load and fingerprint agree");

        Files.writeString(web, WEB.replace("todos.created", "todos.updated"));
        String edited = RoutesLoader.fingerprint(dir);
        assertNotEquals(initial, edited);

        write("todos.yaml", TODOS);
        String added = RoutesLoader.fingerprint(dir);
        assertNotEquals(edited, added);
        assertEquals(added, RoutesLoader.load(dir).fingerprint());

        write(".ignored.yaml", "anything");
        write("ignored.txt", "anything");
        assertEquals(added, RoutesLoader.fingerprint(dir), "ignored files do not count");

        Files.delete(dir.resolve("todos.yaml"));
        assertEquals(edited, RoutesLoader.fingerprint(dir), "removing the file restores the earlier state");
    }

    @Test
    void fingerprintChangesWhenAFileIsRenamed() throws Exception {
        write("web.yaml", WEB);
        String before = RoutesLoader.fingerprint(dir);
        Files.move(dir.resolve("web.yaml"), dir.resolve("web2.yaml"));
        assertNotEquals(before, RoutesLoader.fingerprint(dir));
    }

    @Test
    void missingPathGivesAClearError() {
        Path missing = dir.resolve("no-such-routes");
        RoutesException load = assertThrows(RoutesException.class, () -> RoutesLoader.load(missing));
        assertEquals(missing.toString(), load.source());
        assertEquals(0, load.line());
        assertEquals(missing + ": no such file or directory", load.getMessage());
        RoutesException fingerprint = assertThrows(RoutesException.class, () -> RoutesLoader.fingerprint(missing));
        assertEquals(load.getMessage(), fingerprint.getMessage());
    }
}

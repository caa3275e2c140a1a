package io.exocom.broker;

import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code exocom} command: {@code exocom [--routes PATH] [--port N]}. Checks the routes before anything starts,
 * so that a broken file ends the process at once with a message naming file, line and field.
 */
@QuarkusMain
public final class ExocomMain {
    static final String USAGE = """
            Usage: exocom [--routes PATH] [--port N]

              --routes PATH   routes file or directory (YAML: a compact "services:" map or ExoService
                              manifests); also EXOCOM_ROUTES. Without routes ExoCom runs in development
                              mode, where any service may send anything.
              --port N        port for WebSocket and HTTP (default 3100); also EXOCOM_PORT.

            Every other setting is an environment variable; see the README.""";

    ExocomMain() {
    }

    public static void main(String... args) {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                case "--routes", "--port" -> {
                    if (i + 1 >= args.length) {
                        fail(arg + " needs a value");
                    }
                    System.setProperty(arg.equals("--routes") ? "exocom.routes" : "quarkus.http.port", args[++i]);
                }
                default -> {
                    if (arg.startsWith("--routes=")) {
                        System.setProperty("exocom.routes", arg.substring("--routes=".length()));
                    } else if (arg.startsWith("--port=")) {
                        System.setProperty("quarkus.http.port", arg.substring("--port=".length()));
                    } else if (arg.startsWith("-")) {
                        fail("unknown option " + arg);
                    } else {
                        rest.add(arg);
                    }
                }
            }
        }
        checkRoutes();
        Quarkus.run(rest.toArray(String[]::new));
    }

    private static void checkRoutes() {
        String routes = System.getProperty("exocom.routes", System.getenv("EXOCOM_ROUTES"));
        if (routes == null || routes.isBlank()) {
            return;
        }
        try {
            RoutesLoader.load(Path.of(routes));
        } catch (RoutesException e) {
            System.err.println("exocom: cannot start: routes are broken: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void fail(String problem) {
        System.err.println("exocom: " + problem + "\n\n" + USAGE);
        System.exit(2);
    }
}

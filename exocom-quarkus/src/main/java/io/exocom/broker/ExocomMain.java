package io.exocom.broker;

import io.exocom.broker.config.Settings;
import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code exocom} command: {@code exocom [--routes PATH] [--port N]}. Checks every setting and the routes
 * before anything starts, so that a mistake ends the process at once with one sentence naming it, and exit status
 * 2 (README, Configuration).
 */
@QuarkusMain
public final class ExocomMain {
    static final String USAGE = """
            Usage: exocom [--routes PATH] [--port N]
                   exocom --version | --help

              --routes PATH   routes file or directory (YAML: a compact "services:" map or ExoService
                              manifests); also EXOCOM_ROUTES. Without routes ExoCom runs in development
                              mode, where any service may send anything.
              --port N        port for WebSocket and HTTP (default 3100); also EXOCOM_PORT.
              --version       the version and the commit it was built from.

            Every other setting is an environment variable; see the README. Exit status 2: a setting,
            an argument or the routes are wrong (the line printed says which).""";

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
                case "-V", "--version" -> {
                    System.out.println("exocom " + version());
                    return;
                }
                case "--routes", "--port" -> {
                    if (i + 1 >= args.length) {
                        usageError(arg + " needs a value");
                    }
                    System.setProperty(arg.equals("--routes") ? "exocom.routes" : "quarkus.http.port", args[++i]);
                }
                default -> {
                    if (arg.startsWith("--routes=")) {
                        System.setProperty("exocom.routes", arg.substring("--routes=".length()));
                    } else if (arg.startsWith("--port=")) {
                        System.setProperty("quarkus.http.port", arg.substring("--port=".length()));
                    } else if (arg.startsWith("-")) {
                        usageError("unknown option " + arg);
                    } else {
                        rest.add(arg);
                    }
                }
            }
        }
        checkSettings();
        chooseBindAddress();
        checkPort();
        checkRoutes();
        Quarkus.run(rest.toArray(String[]::new));
    }

    /** "0.1.0 (commit 1a2b3c4)", from what the build wrote. */
    static String version() {
        Properties built = new Properties();
        try (InputStream in = ExocomMain.class.getResourceAsStream("/META-INF/exocom-version.properties")) {
            if (in != null) {
                built.load(in);
            }
        } catch (IOException ignored) {
            // reported as unknown below
        }
        String commit = built.getProperty("commit", "");
        return built.getProperty("version", "unknown") + " (commit " + (commit.isBlank() || commit.startsWith("${")
                ? "unknown" : commit) + ")";
    }

    private static void checkSettings() {
        Map<String, String> properties = new TreeMap<>();
        System.getProperties().forEach((key, value) -> properties.put(key.toString(), value.toString()));
        List<String> problems = Settings.problems(System.getenv(), properties);
        if (!problems.isEmpty()) {
            problems.forEach(problem -> System.err.println("exocom: cannot start: " + problem));
            System.exit(Settings.EXIT_CONFIGURATION);
        }
    }

    /**
     * Without authentication anyone who reaches the port may send anything, so unless told otherwise the broker
     * listens on this machine's loopback only; with tokens (a file or Kubernetes) it listens on every address (README, Security).
     */
    private static void chooseBindAddress() {
        if (System.getenv("EXOCOM_HOST_BIND") != null || System.getProperty("quarkus.http.host") != null) {
            return;
        }
        boolean authenticated = System.getenv("EXOCOM_TOKENS_FILE") != null || System.getProperty("exocom.tokens-file") != null
                || "true".equals(System.getenv("EXOCOM_AUTH_KUBERNETES")) || "true".equals(System.getProperty("exocom.auth-kubernetes"));
        System.setProperty("quarkus.http.host", authenticated ? "0.0.0.0" : "127.0.0.1");
    }

    private static void checkPort() {
        String fromCommandLine = System.getProperty("quarkus.http.port");
        String fromEnvironment = System.getenv("EXOCOM_PORT");
        String port = fromCommandLine != null ? fromCommandLine : fromEnvironment != null ? fromEnvironment : "3100";
        String host = System.getProperty("quarkus.http.host", System.getenv("EXOCOM_HOST_BIND"));
        String problem = Settings.portProblem(host == null ? "0.0.0.0" : host, Integer.parseInt(port.trim()),
                fromCommandLine != null ? "--port" : fromEnvironment != null ? "EXOCOM_PORT" : "the default port");
        if (problem != null) {
            System.err.println("exocom: cannot start: " + problem);
            System.exit(Settings.EXIT_CONFIGURATION);
        }
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
            System.exit(Settings.EXIT_CONFIGURATION);
        }
    }

    private static void usageError(String problem) {
        System.err.println("exocom: " + problem + "\n\n" + USAGE);
        System.exit(Settings.EXIT_CONFIGURATION);
    }
}

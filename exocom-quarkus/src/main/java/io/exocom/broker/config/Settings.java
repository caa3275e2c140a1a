package io.exocom.broker.config;

import io.exocom.broker.auth.Tokens;
import io.exocom.broker.tls.BrokerTls;
import io.exocom.broker.tls.PemMaterial;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the settings a user gives the broker (environment variables {@code EXOCOM_*}, the system properties
 * {@code exocom.*} and the command line) before anything starts, so that a mistake stops the broker with one
 * sentence naming the variable, its value and what is accepted, and exit status 2, instead of a stack trace or,
 * worse, a broker that runs with a setting it silently misread (README, Configuration).
 */
public final class Settings {
    /** The exit status of a broker stopped by a configuration mistake. */
    public static final int EXIT_CONFIGURATION = 2;

    private static final long MIB = 1024 * 1024;
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})([kKmMgG])?");
    /** What Kubernetes puts into every pod for a Service named exocom ("service links"): not ours to judge. */
    private static final Pattern SERVICE_LINK = Pattern.compile("EXOCOM(_[A-Z0-9_]+)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\\d+_(TCP|UDP|SCTP)(_[A-Z]+)?)");
    /** Variables that other parts of ExoCom read (relays, the operator, bin/exocom, the benchmark). */
    private static final Set<String> OTHER_COMPONENTS = Set.of("EXOCOM_HOST", "EXOCOM_INSTANCE", "EXOCOM_TOKEN",
            "EXOCOM_TOKEN_FILE", "EXOCOM_TLS", "EXOCOM_TLS_CA", "EXOCOM_URL", "EXOCOM_JAVA_OPTS",
            "EXOCOM_WATCH_NAMESPACES", "EXOCOM_BROKER_HOST", "EXOCOM_BROKER_PORT", "EXOCOM_OPERATOR_PORT");

    /** One setting: its variable, how its value is read, and what is accepted, in words. */
    record Setting(String variable, Function<String, String> check) {
        String property() {
            return "exocom." + variable.substring("EXOCOM_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final List<Setting> ALL = List.of(
            new Setting("EXOCOM_PORT", v -> whole(v, 0, 65535, "a TCP port from 1 to 65535 (0: any free port)")),
            new Setting("EXOCOM_HOST_BIND", Settings::address),
            new Setting("EXOCOM_ROUTES", Settings::existingPath),
            new Setting("EXOCOM_ROUTES_CONFIGMAP", v -> v.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?")
                    ? null : "a ConfigMap as namespace/name, like exocom/exocom-routes"),
            new Setting("EXOCOM_ROUTES_POLL_INTERVAL", v -> duration(v, Duration.ofMillis(10), Duration.ofHours(1))),
            new Setting("EXOCOM_TOKENS_FILE", Settings::tokensFile),
            new Setting("EXOCOM_MAX_QUEUE_DEPTH", v -> whole(v, 1, Integer.MAX_VALUE, null)),
            new Setting("EXOCOM_MAX_QUEUE_BYTES", v -> size(v, 1024, Long.MAX_VALUE)),
            new Setting("EXOCOM_MAX_TOTAL_BYTES", v -> size(v, 1024, Long.MAX_VALUE)),
            new Setting("EXOCOM_MAX_FRAME_SIZE", v -> whole(v, 1024, MAX_FRAME, "a number of bytes from 1024 to "
                    + MAX_FRAME + " (16 MiB)")),
            new Setting("EXOCOM_MAX_PENDING_BYTES", v -> size(v, 64 * 1024, Long.MAX_VALUE)),
            new Setting("EXOCOM_ACK_TIMEOUT", v -> duration(v, Duration.ofMillis(100), Duration.ofDays(1))),
            new Setting("EXOCOM_MAX_ATTEMPTS", v -> whole(v, 1, 1000, null)),
            new Setting("EXOCOM_REPLY_WINDOW", v -> duration(v, Duration.ofMillis(1), Duration.ofDays(7))),
            new Setting("EXOCOM_MAX_CORRELATIONS", v -> whole(v, 1, 100_000_000, null)),
            new Setting("EXOCOM_DEDUP_WINDOW", v -> duration(v, Duration.ofMillis(1), Duration.ofDays(7))),
            new Setting("EXOCOM_DEDUP_MAX_ENTRIES", v -> whole(v, 1, 100_000_000, null)),
            new Setting("EXOCOM_MAX_DEAD_LETTERS", v -> whole(v, 1, 100_000_000, null)),
            new Setting("EXOCOM_MAX_DEAD_LETTER_BYTES", v -> size(v, 1024, Long.MAX_VALUE)),
            new Setting("EXOCOM_MAX_PREFETCH", v -> whole(v, 1, 1_000_000, null)),
            new Setting("EXOCOM_PING_INTERVAL", v -> duration(v, Duration.ofMillis(100), Duration.ofHours(1))),
            new Setting("EXOCOM_REGISTRATION_TIMEOUT", v -> duration(v, Duration.ofMillis(100), Duration.ofHours(1))),
            new Setting("EXOCOM_MAX_CONNECTIONS", v -> whole(v, 1, 10_000_000, null)),
            new Setting("EXOCOM_MAX_CONNECTIONS_PER_ADDRESS", v -> whole(v, 1, 10_000_000, null)),
            new Setting("EXOCOM_ALLOWED_ORIGINS", Settings::origins),
            new Setting("EXOCOM_HTTP_MAX_WAIT", v -> duration(v, Duration.ofMillis(1), Duration.ofHours(1))),
            new Setting("EXOCOM_SHUTDOWN_GRACE", v -> duration(v, Duration.ZERO, Duration.ofHours(1))),
            new Setting("EXOCOM_STORE", v -> v.equals("journal") || v.equals("memory") ? null
                    : "journal (on disk, the default) or memory (not durable)"),
            new Setting("EXOCOM_DATA_DIR", v -> Files.isRegularFile(Path.of(v)) ? "a directory for the journal (this "
                    + "is a file)" : null),
            new Setting("EXOCOM_JOURNAL_SYNC", v -> v.equals("always") || v.equals("os") ? null
                    : "always (synced to disk before accepted, the default) or os (written to the operating system)"),
            new Setting("EXOCOM_JOURNAL_SEGMENT_SIZE", v -> size(v, 1024 * 1024, 1024L * 1024 * 1024)),
            new Setting("EXOCOM_LOG_MESSAGES", v -> v.equals("true") || v.equals("false") ? null : "true or false"),
            new Setting("EXOCOM_TLS_CERT", v -> pemCertificates(v, "the broker's certificate (chain)")),
            new Setting("EXOCOM_TLS_KEY", v -> readableFile(v, "the private key of EXOCOM_TLS_CERT")),
            new Setting("EXOCOM_TLS_CLIENT_CA", v -> pemCertificates(v, "the CA certificates that sign the clients' certificates")),
            new Setting("EXOCOM_AUTH_KUBERNETES", v -> v.equals("true") || v.equals("false") ? null : "true or false"),
            new Setting("EXOCOM_AUTH_AUDIENCE", v -> v.matches("[\\x21-\\x7e]{1,253}") ? null
                    : "a token audience of 1-253 printable characters without spaces, like exocom"),
            new Setting("EXOCOM_MAX_SEND_RATE", v -> whole(v, 0, 100_000_000, "a number of sends per second per service from 1 to 100000000, or 0 for no limit")),
            new Setting("EXOCOM_ALARM_THRESHOLD", v -> whole(v, 1, 1_000_000, null)),
            new Setting("EXOCOM_SEND_RATE_ALARM_FACTOR", v -> whole(v, 2, 1_000_000, null)),
            new Setting("EXOCOM_SEND_RATE_ALARM_MIN", v -> whole(v, 1, 100_000_000, null)),
            new Setting("EXOCOM_SEND_RATE_BASELINE", v -> duration(v, Duration.ofSeconds(1), Duration.ofDays(1))),
            new Setting("EXOCOM_TLS_PLAIN_PORT", v -> whole(v, 0, 65535, "a TCP port from 1 to 65535 for plain connections besides the TLS port (0: any free port)")),
            new Setting("EXOCOM_TLS_RELOAD_INTERVAL", v -> duration(v, Duration.ofMillis(100), Duration.ofHours(1))));

    private Settings() {
    }

    /**
     * Every problem with the given settings, as sentences; empty when all is well.
     *
     * @param env          the process environment
     * @param properties   the system properties (the command line sets {@code exocom.routes} and
     *                     {@code quarkus.http.port})
     */
    public static List<String> problems(Map<String, String> env, Map<String, String> properties) {
        Map<String, String> given = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        env.forEach((name, value) -> {
            if (name.startsWith("EXOCOM_")) {
                given.put(name, value);
            }
        });
        properties.forEach((name, value) -> {
            if (name.startsWith("exocom.")) {
                given.put(name, value);
            }
        });
        for (Map.Entry<String, String> entry : given.entrySet()) {
            String name = entry.getKey();
            Optional<Setting> setting = find(name);
            if (setting.isEmpty()) {
                if (!isSomeoneElses(name)) {
                    problems.add(name + "=" + printable(entry.getValue()) + " is not a setting of the ExoCom broker"
                            + suggestion(name)
                            + " (the README's Configuration table lists them all)");
                }
                continue;
            }
            String value = entry.getValue().trim();
            String accepted = value.isEmpty() ? "a value (unset it to get the default)" : setting.get().check().apply(value);
            if (accepted != null) {
                problems.add(name + " is \"" + printable(entry.getValue()) + "\", but it must be " + accepted);
            }
        }
        String port = properties.get("quarkus.http.port");
        if (port != null) {
            String accepted = whole(port.trim(), 0, 65535, "a TCP port from 1 to 65535");
            if (accepted != null) {
                problems.add("--port is \"" + printable(port) + "\", but it must be " + accepted);
            }
        }
        if (problems.isEmpty()) {
            problems.addAll(crossChecks(given));
        }
        return problems;
    }

    private static List<String> crossChecks(Map<String, String> given) {
        List<String> problems = new ArrayList<>();
        long frame = given.containsKey("EXOCOM_MAX_FRAME_SIZE") ? Long.parseLong(given.get("EXOCOM_MAX_FRAME_SIZE").trim()) : 1048576;
        String pending = given.get("EXOCOM_MAX_PENDING_BYTES");
        if (pending != null && bytes(pending) < 2 * frame) {
            problems.add("EXOCOM_MAX_PENDING_BYTES is \"" + pending + "\", but it must be at least twice "
                    + "EXOCOM_MAX_FRAME_SIZE (" + frame + " bytes), so that the largest frame fits with room to spare");
        }
        String queueBytes = given.get("EXOCOM_MAX_QUEUE_BYTES");
        if (queueBytes != null && bytes(queueBytes) < frame) {
            problems.add("EXOCOM_MAX_QUEUE_BYTES is \"" + queueBytes + "\", but it must be at least EXOCOM_MAX_FRAME_SIZE ("
                    + frame + " bytes), or the largest message could never wait in a queue");
        }
        String total = given.get("EXOCOM_MAX_TOTAL_BYTES");
        if (total != null && bytes(total) < frame) {
            problems.add("EXOCOM_MAX_TOTAL_BYTES is \"" + total + "\", but it must be at least EXOCOM_MAX_FRAME_SIZE ("
                    + frame + " bytes)");
        }
        problems.addAll(tlsChecks(given));
        return problems;
    }

    /** Both files or neither, and a key that belongs to the certificate: checked here, not at the first handshake. */
    private static List<String> tlsChecks(Map<String, String> given) {
        String cert = value(given, "EXOCOM_TLS_CERT");
        String key = value(given, "EXOCOM_TLS_KEY");
        String clientCa = value(given, "EXOCOM_TLS_CLIENT_CA");
        String plainPort = value(given, "EXOCOM_TLS_PLAIN_PORT");
        if (plainPort != null && cert == null) {
            return List.of("EXOCOM_TLS_PLAIN_PORT is \"" + printable(plainPort) + "\", but a plain port only exists "
                    + "next to TLS: set EXOCOM_TLS_CERT and EXOCOM_TLS_KEY, or unset it (without TLS the broker's port is plain)");
        }
        String port = value(given, "EXOCOM_PORT");
        if (plainPort != null && port != null && plainPort.equals(port) && !port.equals("0")) {
            return List.of("EXOCOM_TLS_PLAIN_PORT is \"" + printable(plainPort) + "\", but it must differ from "
                    + "EXOCOM_PORT, which takes TLS");
        }
        if (cert == null && key == null && clientCa == null) {
            return List.of();
        }
        try {
            BrokerTls.of(Optional.ofNullable(cert), Optional.ofNullable(key), Optional.ofNullable(clientCa));
            return List.of();
        } catch (PemMaterial.TlsFileException e) {
            if (cert != null && key != null) {
                return List.of("EXOCOM_TLS_KEY is \"" + printable(key) + "\", but it must be the private key of the "
                        + "certificate in EXOCOM_TLS_CERT (\"" + printable(cert) + "\"): " + e.getMessage());
            }
            return List.of(e.getMessage());
        }
    }

    private static String value(Map<String, String> given, String variable) {
        String found = given.get(variable);
        if (found == null) {
            found = given.get("exocom." + variable.substring("EXOCOM_".length()).toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return found == null || found.isBlank() ? null : found.trim();
    }

    /**
     * Whether the broker's port is free on its bind address; a sentence when it is not. Checked before starting so
     * that a port in use is one line, not a stack trace after a "listening" line that was never true.
     */
    public static String portProblem(String host, int port, String whereFrom) {
        if (port == 0) {
            return null;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return null;
        } catch (IOException inUse) {
            return whereFrom + " is " + port + ", but that port is in use on " + host + " (another broker, or another "
                    + "program): stop it, or choose another port with --port or EXOCOM_PORT";
        }
    }

    private static Optional<Setting> find(String name) {
        for (Setting setting : ALL) {
            if (setting.variable().equals(name) || setting.property().equals(name)) {
                return Optional.of(setting);
            }
        }
        return Optional.empty();
    }

    private static boolean isSomeoneElses(String name) {
        return OTHER_COMPONENTS.contains(name) || name.startsWith("EXOCOM_BENCH_") || SERVICE_LINK.matcher(name).matches();
    }

    /** ", did you mean X?" for a name within a few typos of a setting. */
    private static String suggestion(String name) {
        boolean asProperty = name.startsWith("exocom.");
        String best = null;
        int bestDistance = 4;
        for (Setting setting : ALL) {
            String candidate = asProperty ? setting.property() : setting.variable();
            int distance = distance(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best == null ? "" : "; did you mean " + best + "?";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    // ------------------------------------------------------------------ value checks: null when accepted

    static String whole(String value, long min, long max, String accepted) {
        String what = accepted != null ? accepted : "a whole number from " + min + " to " + max;
        if (!value.matches("-?\\d{1,19}")) {
            return what;
        }
        try {
            long number = Long.parseLong(value);
            return number < min || number > max ? what : null;
        } catch (NumberFormatException tooLong) {
            return what;
        }
    }

    static String duration(String value, Duration min, Duration max) {
        String what = "a duration like 500ms, 30s, 10m or 1h (or ISO-8601 like PT30S) from " + words(min) + " to " + words(max);
        Duration parsed = parseDuration(value);
        if (parsed == null || parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            return what;
        }
        return null;
    }

    /** A duration as settings take it, or null when it is not one. */
    public static Duration parseDurationOrNull(String value) {
        return parseDuration(value);
    }

    /** The duration syntax of Quarkus' configuration: a number of seconds, a number with a unit, or ISO-8601. */
    static Duration parseDuration(String value) {
        Matcher matcher = DURATION.matcher(value);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            String unit = matcher.group(2) == null ? "s" : matcher.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        if (value.startsWith("P") || value.startsWith("p")) {
            try {
                return Duration.parse(value);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private static String words(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.toMillis() < 1000) {
            return duration.toMillis() + "ms";
        }
        if (duration.toSeconds() < 60 || duration.toSeconds() % 60 != 0) {
            return duration.toSeconds() + "s";
        }
        if (duration.toMinutes() < 60 || duration.toMinutes() % 60 != 0) {
            return duration.toMinutes() + "m";
        }
        if (duration.toHours() < 24 || duration.toHours() % 24 != 0) {
            return duration.toHours() + "h";
        }
        return duration.toDays() + "d";
    }

    static String size(String value, long min, long max) {
        long parsed = bytes(value);
        String what = "a size in bytes, or with K, M or G (binary: 64M is 64 MiB), of at least " + min + " bytes";
        return parsed < min || parsed > max ? what : null;
    }

    /** The size syntax of Quarkus' MemorySize (K, M, G are powers of 1024); -1 when it does not parse. */
    static long bytes(String value) {
        Matcher matcher = SIZE.matcher(value.trim());
        if (!matcher.matches()) {
            return -1;
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "" : matcher.group(2).toUpperCase(Locale.ROOT);
        long factor = switch (unit) {
            case "K" -> 1024;
            case "M" -> MIB;
            case "G" -> MIB * 1024;
            default -> 1;
        };
        return amount > Long.MAX_VALUE / factor ? -1 : amount * factor;
    }

    private static String address(String value) {
        try {
            InetAddress.getByName(value);
            return null;
        } catch (UnknownHostException | SecurityException e) {
            return "an address of this machine to listen on, like 127.0.0.1 or 0.0.0.0 (all addresses)";
        }
    }

    private static String existingPath(String value) {
        return Files.exists(Path.of(value)) ? null : "a routes file or directory that exists (there is no such file or directory)";
    }

    private static String tokensFile(String value) {
        Path path = Path.of(value);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            return "a readable file of service=token lines (it does not exist or is not a readable file)";
        }
        try {
            Tokens.load(path);
            return null;
        } catch (IOException e) {
            return "a readable file of service=token lines: " + e.getMessage();
        }
    }

    private static String readableFile(String value, String what) {
        Path path = Path.of(value);
        return Files.isRegularFile(path) && Files.isReadable(path) ? null
                : "a readable PEM file holding " + what + " (it does not exist or is not a readable file)";
    }

    private static String pemCertificates(String value, String what) {
        String unreadable = readableFile(value, what);
        if (unreadable != null) {
            return unreadable;
        }
        try (var in = Files.newInputStream(Path.of(value))) {
            if (!java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                return null;
            }
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            // said below
        }
        return "a PEM file holding " + what + " (-----BEGIN CERTIFICATE-----); this one holds no certificate";
    }

    private static String origins(String value) {
        for (String origin : value.split(",")) {
            String trimmed = origin.trim();
            if (!trimmed.equals("*") && !trimmed.matches("https?://[^/\\s]+")) {
                return "a comma-separated list of web origins like https://ops.example.com (scheme, host, optional "
                        + "port; no path), or *";
            }
        }
        return null;
    }

    private static String printable(String value) {
        return io.exocom.broker.wire.LogText.quote(value);
    }
}

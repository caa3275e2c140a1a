package io.exocom.broker.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings as the broker checks them, the configuration it runs with, and the README's table agree. */
class SettingsTest {

    @Test
    void everySettingIsCheckedAndDocumented() throws Exception {
        Set<String> checked = Settings.ALL.stream().map(Settings.Setting::property).collect(Collectors.toSet());
        for (Method method : ExocomConfig.class.getDeclaredMethods()) {
            String property = "exocom." + method.getName().replaceAll("([A-Z])", "-$1").toLowerCase();
            assertTrue(checked.contains(property), property + " is configurable but not checked at startup");
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        for (Settings.Setting setting : Settings.ALL) {
            assertTrue(readme.contains("| `" + setting.variable() + "` |"), setting.variable() + " is missing from the README's table");
        }
    }

    @Test
    void goodValuesPassAndEachBadOneIsOneSentence() {
        assertEquals(List.of(), Settings.problems(Map.of("EXOCOM_ACK_TIMEOUT", "PT30S", "EXOCOM_MAX_QUEUE_BYTES", "128M",
                "EXOCOM_HOST", "elsewhere", "EXOCOM_SERVICE_HOST", "10.0.0.1", "EXOCOM_PORT_3100_TCP_ADDR", "10.0.0.1"), Map.of()));
        List<String> problems = Settings.problems(Map.of("EXOCOM_MAX_ATTEMPTS", "0", "EXOCOM_DEDUP_WINDOW", "-1m"),
                Map.of("exocom.max-queue-dpeth", "5"));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("EXOCOM_MAX_ATTEMPTS is \"0\", but it must be a whole number from 1")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("did you mean exocom.max-queue-depth?")), problems.toString());
    }

    @Test
    void tlsFilesThatCannotWorkStopTheBrokerWithOneSentenceEach() throws Exception {
        Path dir = Path.of("target", "settings-tls").toAbsolutePath();
        io.exocom.broker.TestCertificates.Issued one = io.exocom.broker.TestCertificates.selfSigned(dir, "one");
        io.exocom.broker.TestCertificates.Issued other = io.exocom.broker.TestCertificates.selfSigned(dir, "other");
        Path notPem = dir.resolve("not.pem");
        Files.writeString(notPem, "hello\n");
        String cert = one.certPem().toString();
        String key = one.keyPem().toString();

        assertEquals(List.of(), Settings.problems(Map.of("EXOCOM_TLS_CERT", cert, "EXOCOM_TLS_KEY", key,
                "EXOCOM_TLS_CLIENT_CA", other.certPem().toString()), Map.of()));
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", dir.resolve("missing.crt").toString(), "EXOCOM_TLS_KEY", key),
                "EXOCOM_TLS_CERT is \"" + dir.resolve("missing.crt") + "\", but it must be a readable PEM file");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", notPem.toString(), "EXOCOM_TLS_KEY", key),
                "EXOCOM_TLS_CERT is \"" + notPem + "\", but it must be a PEM file holding the broker's certificate");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", cert, "EXOCOM_TLS_KEY", other.keyPem().toString()),
                "EXOCOM_TLS_KEY is \"" + other.keyPem() + "\", but it must be the private key of the certificate in EXOCOM_TLS_CERT");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", cert, "EXOCOM_TLS_KEY", notPem.toString()),
                "EXOCOM_TLS_KEY is \"" + notPem + "\", but it must be the private key of the certificate in EXOCOM_TLS_CERT");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", cert), "EXOCOM_TLS_CERT is set, but TLS needs both");
        assertOneProblem(Map.of("EXOCOM_TLS_CLIENT_CA", cert), "EXOCOM_TLS_CLIENT_CA is set, but client certificates need TLS");
        assertOneProblem(Map.of("EXOCOM_TLS_PLAIN_PORT", "3101"), "EXOCOM_TLS_PLAIN_PORT is \"3101\", but a plain port only exists next to TLS");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", cert, "EXOCOM_TLS_KEY", key, "EXOCOM_PORT", "3100", "EXOCOM_TLS_PLAIN_PORT", "3100"),
                "EXOCOM_TLS_PLAIN_PORT is \"3100\", but it must differ from EXOCOM_PORT");
        assertOneProblem(Map.of("EXOCOM_TLS_CERT", cert, "EXOCOM_TLS_KEY", key, "EXOCOM_TLS_CLIENT_CA", notPem.toString()),
                "EXOCOM_TLS_CLIENT_CA is \"" + notPem + "\", but it must be a PEM file holding the CA certificates");
    }

    static void assertOneProblem(Map<String, String> env, String start) {
        List<String> problems = Settings.problems(env, Map.of());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(start), problems.get(0));
        assertTrue(!problems.get(0).contains("\n"), "one line: " + problems.get(0));
    }
}

package io.exocom.broker.auth;

import io.exocom.protocol.Limits;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Who a relay or an HTTP client is: service tokens, and admin tokens for the HTTP views. Read from a file of
 * {@code service=token} lines and {@code @name=token} lines for admins (a service name cannot start with
 * {@code @}). When no file is configured authentication is off and every caller is who it says it is. Every
 * comparison takes the same time whichever token matches, so that timing tells an attacker nothing.
 */
public final class Tokens {
    private final Map<String, byte[]> tokenByService;
    private final Map<String, byte[]> tokenByAdmin;

    private Tokens(Map<String, byte[]> tokenByService, Map<String, byte[]> tokenByAdmin) {
        this.tokenByService = tokenByService;
        this.tokenByAdmin = tokenByAdmin;
    }

    public static Tokens off() {
        return new Tokens(null, null);
    }

    /** @throws IOException with a sentence naming the file and the line's key when the file is unreadable or wrong */
    public static Tokens load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, byte[]> services = new HashMap<>();
        Map<String, byte[]> admins = new HashMap<>();
        for (String key : properties.stringPropertyNames()) {
            String name = key.trim();
            String token = properties.getProperty(key).trim();
            boolean admin = name.startsWith("@");
            String who = admin ? name.substring(1) : name;
            if (!Limits.isValidServiceName(who)) {
                throw new IOException(file + ": \"" + io.exocom.broker.wire.LogText.quote(name) + "\" is not "
                        + (admin ? "an admin name" : "a service name") + ": lines are service=token or @admin=token, "
                        + "names of 1-63 letters, digits, '.', '_' or '-'");
            }
            if (token.isEmpty()) {
                throw new IOException(file + ": " + (admin ? "admin " : "service ") + who + " has an empty token");
            }
            (admin ? admins : services).put(who, token.getBytes(StandardCharsets.UTF_8));
        }
        return new Tokens(services, admins);
    }

    public boolean enabled() {
        return tokenByService != null;
    }

    /** Whether {@code token} proves {@code service}; always true when authentication is off. */
    public boolean proves(String service, String token) {
        if (!enabled()) {
            return true;
        }
        byte[] expected = tokenByService.get(service);
        return expected != null && token != null
                && MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.UTF_8));
    }

    /** The service a bearer token belongs to. */
    public Optional<String> serviceOf(String token) {
        return enabled() ? owner(tokenByService, token) : Optional.empty();
    }

    /** The admin a bearer token belongs to. */
    public Optional<String> adminOf(String token) {
        return enabled() ? owner(tokenByAdmin, token) : Optional.empty();
    }

    public int admins() {
        return enabled() ? tokenByAdmin.size() : 0;
    }

    private static Optional<String> owner(Map<String, byte[]> tokens, String token) {
        if (token == null) {
            return Optional.empty();
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, byte[]> entry : tokens.entrySet()) {
            if (MessageDigest.isEqual(entry.getValue(), given)) {
                found = entry.getKey(); // no early return: the time taken does not depend on which one matched
            }
        }
        return Optional.ofNullable(found);
    }
}

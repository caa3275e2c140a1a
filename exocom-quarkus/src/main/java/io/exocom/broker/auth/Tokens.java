package io.exocom.broker.auth;

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
 * Service tokens: who a relay or an HTTP client is. Read from a file of {@code service=token} lines. When no file
 * is configured authentication is off and every caller is who it says it is.
 */
public final class Tokens {
    private final Map<String, byte[]> tokenByService;

    private Tokens(Map<String, byte[]> tokenByService) {
        this.tokenByService = tokenByService;
    }

    public static Tokens off() {
        return new Tokens(null);
    }

    public static Tokens load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, byte[]> tokens = new HashMap<>();
        for (String service : properties.stringPropertyNames()) {
            String token = properties.getProperty(service).trim();
            if (token.isEmpty()) {
                throw new IOException(file + ": service " + service + " has an empty token");
            }
            tokens.put(service.trim(), token.getBytes(StandardCharsets.UTF_8));
        }
        return new Tokens(tokens);
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
        if (!enabled() || token == null) {
            return Optional.empty();
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, byte[]> entry : tokenByService.entrySet()) {
            if (MessageDigest.isEqual(entry.getValue(), given)) {
                found = entry.getKey();
            }
        }
        return Optional.ofNullable(found);
    }
}

package io.exocom.protocol.routes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads a {@link RouteTable} from a YAML file, or from every {@code .yaml}/{@code .yml} file of a directory
 * (not recursive; names starting with '.' are skipped, which also skips the {@code ..data} links of a mounted
 * Kubernetes ConfigMap).
 */
public final class RoutesLoader {

    private RoutesLoader() {
    }

    /** Routes read from a path, with a fingerprint of the files they came from. */
    public record Loaded(RouteTable table, String fingerprint, List<Path> files) {
    }

    public static Loaded load(Path path) throws RoutesException {
        List<Path> files = files(path);
        Map<String, String> texts = new LinkedHashMap<>();
        MessageDigest digest = sha256();
        for (Path file : files) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(bytes);
                texts.put(file.toString(), new String(bytes, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new RoutesException(file.toString(), 0, "", "cannot be read: " + e.getMessage());
            }
        }
        return new Loaded(parseAll(texts), HexFormat.of().formatHex(digest.digest()), files);
    }

    /**
     * Reads several routes texts into one table, in the map's order: files of a directory, or the keys of a
     * ConfigMap. A service declared twice is an error naming both places.
     *
     * @param textsBySource YAML text by the name errors should give its source (a file path, a ConfigMap key)
     */
    public static RouteTable parseAll(Map<String, String> textsBySource) throws RoutesException {
        Map<String, ServiceRoutes> services = new LinkedHashMap<>();
        for (Map.Entry<String, String> text : textsBySource.entrySet()) {
            String source = text.getKey();
            for (ServiceRoutes service : RoutesParser.parse(source, text.getValue())) {
                ServiceRoutes earlier = services.putIfAbsent(service.service(), service);
                if (earlier != null) {
                    String[] at = service.source().split(":(?=\\d+$)");
                    throw new RoutesException(source, at.length > 1 ? Integer.parseInt(at[1]) : 0, "",
                            "service \"" + service.service() + "\" is declared twice: first at " + earlier.source());
                }
            }
        }
        return RouteTable.of(services.values());
    }

    /**
     * A fingerprint of the content at {@code path}: changes whenever a routes file is added, removed or edited.
     * Cheap enough to poll every second for the few small files routes live in.
     */
    public static String fingerprint(Path path) throws RoutesException {
        MessageDigest digest = sha256();
        for (Path file : files(path)) {
            try {
                digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new RoutesException(file.toString(), 0, "", "cannot be read: " + e.getMessage());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static List<Path> files(Path path) throws RoutesException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new RoutesException(path.toString(), 0, "", "no such file or directory");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(path)) {
            entries.filter(p -> {
                String name = p.getFileName().toString();
                return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"))
                        && Files.isRegularFile(p);
            }).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new RoutesException(path.toString(), 0, "", "cannot be listed: " + e.getMessage());
        }
        return files;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}

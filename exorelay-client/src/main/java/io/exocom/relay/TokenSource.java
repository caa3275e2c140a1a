package io.exocom.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The token a relay registers with. A fixed token stays; a token file ({@code EXOCOM_TOKEN_FILE}, in a cluster the
 * kubelet's projected ServiceAccount token) is read again at every (re)connect, a few hundred bytes, so that a
 * rotated token is what the next registration carries and the running connection is left alone. A file that cannot be read for a
 * moment (the kubelet swaps it by renaming a link) does not break a running service: the last token read is used
 * until the file reads again.
 */
final class TokenSource {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    private final String fixed;
    private final Path file;
    private String lastToken;

    TokenSource(String fixed, Path file) {
        this.fixed = fixed == null || fixed.isBlank() ? null : fixed.trim();
        this.file = file;
    }

    /**
     * The token for the next registration, or null when there is none.
     *
     * @throws ExoRelayException when the token file cannot be read and no token was read from it before
     */
    synchronized String current() {
        if (fixed != null || file == null) {
            return fixed;
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (text.isEmpty()) {
                throw new IOException("the file is empty");
            }
            if (lastToken != null && !text.equals(lastToken)) {
                LOG.log(System.Logger.Level.INFO, "the token in EXOCOM_TOKEN_FILE {0} changed; the next connection "
                        + "to ExoCom registers with the new one", file);
            }
            lastToken = text;
            return text;
        } catch (IOException e) {
            if (lastToken != null) {
                LOG.log(System.Logger.Level.WARNING, "cannot read EXOCOM_TOKEN_FILE {0} ({1}); registering with "
                        + "the token read from it before", file, e.getMessage());
                return lastToken;
            }
            throw new ExoRelayException("cannot read the ExoCom token from EXOCOM_TOKEN_FILE " + file + ": "
                    + e.getMessage(), e);
        }
    }
}

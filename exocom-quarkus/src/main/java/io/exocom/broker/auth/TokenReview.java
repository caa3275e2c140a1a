package io.exocom.broker.auth;

/**
 * What the Kubernetes API server said about a token (a TokenReview), or why it could not be asked.
 *
 * @param serviceAccount {@code namespace/name} of the ServiceAccount the token proves, or null when it proves none
 * @param claimed        the ServiceAccount the token claims to be from (its unverified {@code sub}), for warnings
 * @param problem        why the token proves nothing (the API server's words), or null
 * @param validUntilNanos until when (System.nanoTime) this answer may be reused
 * @param username       the user the API server names (for access reviews), or null
 * @param groups         that user's groups
 */
public record TokenReview(String serviceAccount, String claimed, String problem, long validUntilNanos,
                          String username, java.util.List<String> groups) {
    public TokenReview(String serviceAccount, String claimed, String problem, long validUntilNanos) {
        this(serviceAccount, claimed, problem, validUntilNanos, null, java.util.List.of());
    }

    public boolean authenticated() {
        return serviceAccount != null;
    }
}

package io.exocom.broker.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Validates ServiceAccount tokens with the API server's TokenReview (audience {@code EXOCOM_AUTH_AUDIENCE}), and
 * remembers each answer until shortly before the token expires, so that the API server sees one review per token,
 * not one per connection: a kubelet-rotated token is reviewed once when it first shows up. A refused token is
 * remembered briefly too, so that a client retrying a bad token cannot turn into a flood of reviews. Tokens are
 * kept only as their SHA-256.
 */
public final class KubernetesTokenReviews {
    /** A good answer is reused at most this long, so that a deleted ServiceAccount or pod is noticed. */
    static final long MAX_REUSE_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** Before the token's expiry the answer stops being reused. */
    static final long EXPIRY_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long REFUSAL_REUSE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_ENTRIES = 10_000;
    private static final String PREFIX = "system:serviceaccount:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String audience;
    private final Counter reviews;
    private final Counter reviewFailures;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, task -> {
        Thread thread = new Thread(task, "exocom-token-review");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, CompletableFuture<TokenReview>> answers = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<TokenReview>> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public KubernetesTokenReviews(KubernetesClient client, String audience, MeterRegistry registry) {
        this.client = client;
        this.audience = audience;
        this.reviews = Counter.builder("exocom.token.reviews").description("TokenReviews sent to the Kubernetes API "
                + "server (one per token: answers are reused until shortly before the token expires)").register(registry);
        this.reviewFailures = Counter.builder("exocom.token.review.failures").description("TokenReviews that could "
                + "not be made (the API server did not answer, or refused the broker)").register(registry);
    }

    public String audience() {
        return audience;
    }

    /** The answer for this token: remembered, being asked, or asked now. Never completes exceptionally. */
    public CompletableFuture<TokenReview> review(String token) {
        String key = sha256(token);
        long now = System.nanoTime();
        synchronized (answers) {
            CompletableFuture<TokenReview> known = answers.get(key);
            if (known != null && (!known.isDone() || known.join().validUntilNanos() - now > 0)) {
                return known;
            }
            CompletableFuture<TokenReview> asked = CompletableFuture.supplyAsync(() -> ask(token), executor);
            answers.put(key, asked);
            return asked;
        }
    }

    private TokenReview ask(String token) {
        String claimed = claimedServiceAccount(token);
        long now = System.nanoTime();
        String hopeless = hopeless(token);
        if (hopeless != null) {
            // refused on what the token itself says, unverified: it could never pass, so the API server is spared
            return new TokenReview(null, claimed, hopeless, now + REFUSAL_REUSE_NANOS);
        }
        reviews.increment();
        TokenReviewStatus status;
        try {
            status = client.resource(new TokenReviewBuilder().withNewSpec().withToken(token)
                    .withAudiences(List.of(audience)).endSpec().build()).create().getStatus();
        } catch (RuntimeException e) {
            reviewFailures.increment();
            // not remembered for long: the API server may answer again in a moment
            return new TokenReview(null, claimed, "the Kubernetes API server could not review the token ("
                    + e.getMessage() + ")", now + TimeUnit.SECONDS.toNanos(1));
        }
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            String why = status == null || status.getError() == null || status.getError().isBlank()
                    ? "it is not a valid token for audience " + audience : status.getError();
            return new TokenReview(null, claimed, why, now + REFUSAL_REUSE_NANOS);
        }
        String username = status.getUser() == null ? "" : status.getUser().getUsername();
        if (username == null || !username.startsWith(PREFIX) || username.substring(PREFIX.length()).indexOf(':') < 0) {
            return new TokenReview(null, username, "it proves the user " + username + ", not a ServiceAccount",
                    now + REFUSAL_REUSE_NANOS);
        }
        if (status.getAudiences() != null && !status.getAudiences().isEmpty() && !status.getAudiences().contains(audience)) {
            return new TokenReview(null, claimed, "it is not meant for audience " + audience, now + REFUSAL_REUSE_NANOS);
        }
        String serviceAccount = username.substring(PREFIX.length()).replaceFirst(":", "/");
        return new TokenReview(serviceAccount, serviceAccount, null, now + reuseNanos(token, now), username,
                status.getUser().getGroups() == null ? List.of() : List.copyOf(status.getUser().getGroups()));
    }

    /** Until shortly before the token's {@code exp}, at most {@link #MAX_REUSE_NANOS}. */
    private static long reuseNanos(String token, long now) {
        JsonNode claims = claims(token);
        long exp = claims == null ? 0 : claims.path("exp").asLong(0);
        if (exp <= 0) {
            return MAX_REUSE_NANOS;
        }
        long left = TimeUnit.SECONDS.toNanos(exp) - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        return Math.max(0, Math.min(MAX_REUSE_NANOS, left - EXPIRY_MARGIN_NANOS));
    }

    /**
     * Why a token cannot pass a review, judged from its own unverified claims (never a reason to accept one): not
     * a ServiceAccount's, not for this audience, or expired.
     */
    private String hopeless(String token) {
        JsonNode claims = claims(token);
        if (claims == null || !claims.path("sub").asText("").startsWith(PREFIX)) {
            return "it is not a Kubernetes ServiceAccount token";
        }
        JsonNode aud = claims.path("aud");
        boolean forUs = aud.isTextual() ? aud.asText().equals(audience)
                : aud.isArray() && java.util.stream.StreamSupport.stream(aud.spliterator(), false).anyMatch(a -> a.asText().equals(audience));
        if (!forUs) {
            return "the token's audiences " + aud + " do not include " + audience + " (EXOCOM_AUTH_AUDIENCE): project the "
                    + "token with audience " + audience;
        }
        long exp = claims.path("exp").asLong(0);
        if (exp > 0 && exp * 1000 <= System.currentTimeMillis()) {
            return "the token has expired (at " + java.time.Instant.ofEpochSecond(exp) + ")";
        }
        return null;
    }

    /** The ServiceAccount a token says it is from, unverified: only for naming it in a warning. */
    static String claimedServiceAccount(String token) {
        JsonNode claims = claims(token);
        String subject = claims == null ? "" : claims.path("sub").asText("");
        return subject.startsWith(PREFIX) ? subject.substring(PREFIX.length()).replaceFirst(":", "/") : null;
    }

    private static JsonNode claims(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3 || parts[1].length() > 8192) {
            return null;
        }
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception notAJwt) {
            return null;
        }
    }

    /** Whether a token looks like a JWT, as ServiceAccount tokens are; others are never sent to the API server. */
    public static boolean looksLikeJwt(String token) {
        return token != null && token.length() < 16 * 1024 && token.chars().filter(c -> c == '.').count() == 2;
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    KubernetesClient client() {
        return client;
    }

    ExecutorService executor() {
        return executor;
    }

    public void close() {
        executor.shutdownNow();
    }
}

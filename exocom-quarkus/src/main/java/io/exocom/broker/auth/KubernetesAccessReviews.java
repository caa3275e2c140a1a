package io.exocom.broker.auth;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Whether a reviewed ServiceAccount holds an admin right on the broker, asked with a SubjectAccessReview on API
 * group {@code exocom.io}, resource {@code brokers} and a subresource per right, in the broker's namespace (so
 * that a Role there or a ClusterRole grants it). Answers are reused for {@link #REUSE_NANOS}, so that a revoked
 * right is gone within that time.
 */
public final class KubernetesAccessReviews {
    public static final String GROUP = "exocom.io";
    public static final String RESOURCE = "brokers";
    static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_ENTRIES = 10_000;

    private final KubernetesTokenReviews tokens;
    private final String namespace;
    private final Map<String, CompletableFuture<Answer>> answers = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<Answer>> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** Allowed, or why not. */
    public record Answer(boolean allowed, String reason, long validUntilNanos) {
    }

    public KubernetesAccessReviews(KubernetesTokenReviews tokens, String namespace) {
        this.tokens = tokens;
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    /** Whether the reviewed user may {@code verb} the {@code subresource} of brokers. Never completes exceptionally. */
    public CompletableFuture<Answer> allows(TokenReview user, String verb, String subresource) {
        String key = user.username() + "\n" + verb + "\n" + subresource;
        long now = System.nanoTime();
        synchronized (answers) {
            CompletableFuture<Answer> known = answers.get(key);
            if (known != null && (!known.isDone() || known.join().validUntilNanos() - now > 0)) {
                return known;
            }
            CompletableFuture<Answer> asked = CompletableFuture.supplyAsync(() -> ask(user, verb, subresource), tokens.executor());
            answers.put(key, asked);
            return asked;
        }
    }

    private Answer ask(TokenReview user, String verb, String subresource) {
        long now = System.nanoTime();
        try {
            SubjectAccessReviewStatus status = tokens.client().resource(new SubjectAccessReviewBuilder().withNewSpec()
                    .withUser(user.username()).withGroups(user.groups())
                    .withNewResourceAttributes().withGroup(GROUP).withResource(RESOURCE).withSubresource(subresource)
                    .withVerb(verb).withNamespace(namespace).endResourceAttributes()
                    .endSpec().build()).create().getStatus();
            boolean allowed = status != null && Boolean.TRUE.equals(status.getAllowed());
            return new Answer(allowed, status == null ? "" : status.getReason(), now + REUSE_NANOS);
        } catch (RuntimeException e) {
            return new Answer(false, "the Kubernetes API server could not review the access (" + e.getMessage() + ")",
                    now + TimeUnit.SECONDS.toNanos(1));
        }
    }
}

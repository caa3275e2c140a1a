package io.exocom.broker.auth;

import io.exocom.broker.routing.RoutingPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Who a relay or an HTTP sender is (README, Security): a token of the tokens file, or, with
 * {@code EXOCOM_AUTH_KUBERNETES}, a ServiceAccount token the API server vouches for, mapped to a service by the
 * routes ({@code serviceAccount: namespace/name}). Both may be on: the tokens file is asked first.
 */
public final class RelayAuthentication {
    private final Tokens tokens;
    private final KubernetesTokenReviews kubernetes;

    /** What authentication decided: the service proven, or why not (for the client) and what to log. */
    public record Verdict(String service, String refusal, String warning, String serviceAccount) {
        public boolean proven() {
            return service != null;
        }

        static Verdict proven(String service, String serviceAccount) {
            return new Verdict(service, null, null, serviceAccount);
        }

        static Verdict refused(String refusal, String warning, String serviceAccount) {
            return new Verdict(null, refusal, warning, serviceAccount);
        }
    }

    public RelayAuthentication(Tokens tokens, KubernetesTokenReviews kubernetes) {
        this.tokens = tokens;
        this.kubernetes = kubernetes;
    }

    public boolean enabled() {
        return tokens.enabled() || kubernetes != null;
    }

    public boolean kubernetes() {
        return kubernetes != null;
    }

    public Tokens tokens() {
        return tokens;
    }

    public KubernetesTokenReviews reviews() {
        return kubernetes;
    }

    /** Whether {@code token} proves {@code service}. Completes at once unless the API server must be asked. */
    public CompletableFuture<Verdict> prove(String service, String token, RoutingPolicy routes) {
        if (!enabled() || tokens.enabled() && tokens.proves(service, token)) {
            return CompletableFuture.completedFuture(Verdict.proven(service, null));
        }
        if (kubernetes == null || !KubernetesTokenReviews.looksLikeJwt(token)) {
            return CompletableFuture.completedFuture(Verdict.refused("the token given for service " + service
                    + " is missing or wrong: set EXOCOM_TOKEN (or EXOCOM_TOKEN_FILE) of the relay to the service's token",
                    "a token that is missing or wrong for service " + service, null));
        }
        return kubernetes.review(token).thenApply(review -> decide(service, review, routes));
    }

    /**
     * The service a bearer token sends as ({@code POST /messages}): the tokens file's, or the one service whose
     * ServiceAccount the token proves ({@code claimed} chooses when several share a ServiceAccount).
     */
    public CompletableFuture<Verdict> sender(String token, String claimed, RoutingPolicy routes) {
        if (token != null && tokens.enabled()) {
            var service = tokens.serviceOf(token);
            if (service.isPresent()) {
                return CompletableFuture.completedFuture(Verdict.proven(service.get(), null));
            }
        }
        if (kubernetes == null || !KubernetesTokenReviews.looksLikeJwt(token)) {
            return CompletableFuture.completedFuture(Verdict.refused("send the sending service's token as "
                    + "\"Authorization: Bearer <token>\"", "a bearer token that is missing or wrong", null));
        }
        return kubernetes.review(token).thenApply(review -> {
            if (!review.authenticated()) {
                return decide(claimed == null ? "(any)" : claimed, review, routes);
            }
            List<String> services = servicesOf(review.serviceAccount(), routes);
            if (claimed != null && services.contains(claimed)) {
                return Verdict.proven(claimed, review.serviceAccount());
            }
            if (services.size() == 1) {
                return Verdict.proven(services.get(0), review.serviceAccount());
            }
            String refusal = services.isEmpty()
                    ? "ServiceAccount " + review.serviceAccount() + " proves no service: no service in the routes names it "
                    + "(serviceAccount: " + review.serviceAccount() + ")"
                    : "ServiceAccount " + review.serviceAccount() + " proves the services " + services + ": name the "
                    + "sending one in the body's \"sender\" field";
            return Verdict.refused(refusal, refusal, review.serviceAccount());
        });
    }

    private static Verdict decide(String service, TokenReview review, RoutingPolicy routes) {
        if (!review.authenticated()) {
            String account = review.claimed() == null ? "an unknown ServiceAccount" : "ServiceAccount " + review.claimed()
                    + " (as the token claims)";
            return Verdict.refused("the Kubernetes API server did not accept the token given for service " + service
                    + ": " + review.problem(), "a token of " + account + " for service " + service
                    + " was refused: " + review.problem(), review.claimed());
        }
        String expected = routes.serviceAccountOf(service);
        if (review.serviceAccount().equals(expected)) {
            return Verdict.proven(service, review.serviceAccount());
        }
        String why = "ServiceAccount " + review.serviceAccount() + " may not register as service " + service + ": the routes "
                + (expected == null || expected.isEmpty() ? "name no ServiceAccount for " + service
                : "give " + service + " the ServiceAccount " + expected);
        return Verdict.refused(why, why, review.serviceAccount());
    }

    private static List<String> servicesOf(String serviceAccount, RoutingPolicy routes) {
        List<String> found = new ArrayList<>();
        for (String service : routes.servicesOfServiceAccount(serviceAccount)) {
            found.add(service);
        }
        return found;
    }
}

package io.exocom.broker.http;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.auth.KubernetesAccessReviews;
import io.exocom.broker.auth.KubernetesTokenReviews;
import io.exocom.broker.auth.Tokens;
import io.exocom.broker.observe.Alarms;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;

import java.util.concurrent.CompletableFuture;

/**
 * With authentication on, the HTTP views (routes, services, queues with their waiting messages, dead letters and
 * their replay and discard) need an admin credential: without one, any client that reaches the port could read
 * other services' messages or inject them again. An admin token of the tokens file ({@code @name=token}) holds
 * every right; in a cluster ({@code EXOCOM_AUTH_KUBERNETES}) a ServiceAccount token holds the rights RBAC grants it
 * on {@code brokers.exocom.io} (README, Security), each asked with a SubjectAccessReview.
 */
@Singleton
public class AdminAccess {

    /** One right of the admin API: an RBAC verb on a subresource of {@code brokers}. */
    public enum Right {
        /** Counts: routes, services, queue depths. */
        VIEWS("get", "views"),
        /** Message bodies: peeked waiting messages, dead letters. */
        PAYLOADS("get", "payloads"),
        REPLAY("update", "dead-letters"),
        DISCARD("delete", "dead-letters");

        final String verb;
        final String subresource;

        Right(String verb, String subresource) {
            this.verb = verb;
            this.subresource = subresource;
        }

        String words() {
            return "\"" + verb + "\" on " + KubernetesAccessReviews.RESOURCE + "/" + subresource + " in API group "
                    + KubernetesAccessReviews.GROUP;
        }
    }

    private final BrokerRuntime runtime;

    AdminAccess(BrokerRuntime runtime) {
        this.runtime = runtime;
    }

    /** Completes with null when the request may go on, else with the answer refusing it. */
    CompletableFuture<Response> refusal(String authorization, Right right, String remoteAddress) {
        Tokens tokens = runtime.tokens();
        KubernetesTokenReviews reviews = runtime.authentication().reviews();
        if (!runtime.authentication().enabled()) {
            return CompletableFuture.completedFuture(null);
        }
        String token = bearer(authorization);
        if (token == null) {
            return CompletableFuture.completedFuture(Problems.of(401, "unauthenticated", "authentication is on, so this "
                    + "view needs an admin credential: send \"Authorization: Bearer <token>\" with a token of an "
                    + "@name=token line of the tokens file" + (reviews == null ? "" : ", or a ServiceAccount token "
                    + "for audience " + reviews.audience() + " granted " + right.words())));
        }
        if (tokens.adminOf(token).isPresent()) {
            return CompletableFuture.completedFuture(null);
        }
        if (reviews == null || !KubernetesTokenReviews.looksLikeJwt(token)) {
            if (tokens.serviceOf(token).isEmpty()) { // no token of anyone: a guess, unlike a service's own token
                failedAuthentication("the admin API from " + remoteAddress, "a token of no one for " + right.words());
            }
            return CompletableFuture.completedFuture(Problems.of(403, "forbidden", "this token is not an admin token: "
                    + "the views need a token of an @name=token line of the tokens file (service tokens may only send)"));
        }
        KubernetesAccessReviews access = runtime.accessReviews();
        return reviews.review(token).thenCompose(user -> {
            if (!user.authenticated()) {
                failedAuthentication(user.claimed() != null ? "ServiceAccount " + user.claimed() : "the admin API from " + remoteAddress,
                        "the admin API refused a token: " + user.problem());
                return CompletableFuture.completedFuture(Problems.of(401, "unauthenticated", "the Kubernetes API server "
                        + "did not accept this token: " + user.problem()));
            }
            return access.allows(user, right.verb, right.subresource).thenApply(answer -> answer.allowed() ? null
                    : Problems.of(403, "forbidden", "ServiceAccount " + user.serviceAccount() + " may not do this: it "
                    + "needs " + right.words() + " in namespace " + access.namespace() + " (a Role or ClusterRole "
                    + "bound to it)" + (answer.reason() == null || answer.reason().isBlank() ? "" : "; " + answer.reason())));
        });
    }

    private void failedAuthentication(String source, String detail) {
        runtime.alarms().suspicious(Alarms.Alarm.FAILED_AUTHENTICATION, source, null, detail);
    }

    static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}

package io.exocom.broker.http;

import io.exocom.broker.auth.Tokens;
import jakarta.ws.rs.core.Response;

/**
 * With authentication on, the HTTP views (routes, services, queues with their waiting messages, dead letters and
 * their replay and discard) need an admin token from the tokens file ({@code @name=token} lines): without one, any
 * client that reaches the port could read other services' messages or inject them again.
 */
final class AdminAccess {
    private AdminAccess() {
    }

    /** @return null when the request may go on, else the answer refusing it */
    static Response refusal(Tokens tokens, String authorization) {
        if (!tokens.enabled()) {
            return null;
        }
        String token = bearer(authorization);
        if (token == null) {
            return Problems.of(401, "unauthenticated", "authentication is on, so this view needs an admin token: send "
                    + "\"Authorization: Bearer <token>\" with a token of an @name=token line of the tokens file");
        }
        if (tokens.adminOf(token).isEmpty()) {
            return Problems.of(403, "forbidden", "this token is not an admin token: the views need a token of an "
                    + "@name=token line of the tokens file (service tokens may only send)");
        }
        return null;
    }

    static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}

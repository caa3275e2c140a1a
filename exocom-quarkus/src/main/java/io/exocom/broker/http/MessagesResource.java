package io.exocom.broker.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.auth.Tokens;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /messages} (PROTOCOL.md §7): send one message over plain HTTP, for scripts, cron jobs and services
 * without a relay. The same routing rules apply as on the WebSocket.
 */
@Path("/messages")
public class MessagesResource {
    private final BrokerRuntime runtime;

    MessagesResource(BrokerRuntime runtime) {
        this.runtime = runtime;
    }

    @POST
    @NonBlocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response send(String body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        FrameCodec codec = runtime.codec();
        int limit = runtime.config().maxFrameSize();
        if (body == null || body.isBlank()) {
            return Problems.of(ErrorCode.INVALID, "the request body must be a message envelope as JSON, "
                    + "like {\"name\":\"todos.create\",\"payload\":{...},\"sender\":\"cron\"}");
        }
        if (Limits.utf8Length(body) > limit) {
            return Problems.of(ErrorCode.TOO_LARGE, "the message is larger than this broker's limit of " + limit + " bytes");
        }
        String sender = null;
        try {
            ObjectNode json = codec.parseObject(body);
            Envelope envelope = codec.decodeEnvelope(json, false);
            Tokens tokens = runtime.tokens();
            if (tokens.enabled()) {
                Optional<String> authenticated = tokens.serviceOf(bearer(authorization));
                if (authenticated.isEmpty()) {
                    return Problems.of(ErrorCode.UNAUTHENTICATED, "send the sending service's token as "
                            + "\"Authorization: Bearer <token>\"");
                }
                sender = authenticated.get();
            } else {
                sender = envelope.sender();
                if (sender == null || !Limits.isValidServiceName(sender)) {
                    return Problems.of(ErrorCode.INVALID, "name the sending service in the body's \"sender\" field "
                            + "(authentication is off, so ExoCom takes the sender from the body)");
                }
            }
            if (!runtime.broker().routing().isKnownService(sender)) {
                return Problems.of(ErrorCode.UNKNOWN_SERVICE, "service " + sender + " is not in the routes");
            }
            if (envelope.id() == null) {
                envelope = envelope.withId(UUID.randomUUID().toString());
            }
            long timestamp = runtime.broker().accept(sender, null, envelope);
            ObjectNode accepted = JsonNodeFactory.instance.objectNode();
            accepted.put("id", envelope.id());
            accepted.put("timestamp", timestamp);
            return Response.accepted(accepted).type(MediaType.APPLICATION_JSON).build();
        } catch (ProtocolException problem) {
            return Problems.of(problem.code(), problem.getMessage());
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }
}

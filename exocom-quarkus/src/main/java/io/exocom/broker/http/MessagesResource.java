package io.exocom.broker.http;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.core.Acceptance;
import io.exocom.broker.core.Asker;
import io.exocom.broker.observe.Alarms;
import io.exocom.broker.wire.FrameProblem;
import io.exocom.broker.wire.InboundMessage;
import io.exocom.broker.wire.JsonBytes;
import io.exocom.broker.wire.LogText;
import io.exocom.broker.wire.Utf8;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * {@code POST /messages} (PROTOCOL.md §7): send one message over plain HTTP, for scripts, cron jobs and services
 * without a relay, optionally waiting for its replies with {@code ?wait=5s}. The same routing rules apply as on
 * the WebSocket, and every refusal is logged and counted as one there is.
 * <p>
 * Only {@code application/json} is accepted: a web page can post "simple" bodies (text, forms) to any address
 * without asking, and a developer's browser must not be a way into a local broker.
 */
@Path("/messages")
@Singleton
public class MessagesResource {
    private final BrokerRuntime runtime;
    private final Vertx vertx;
    private final Set<HttpReplyWaiter> waiting = ConcurrentHashMap.newKeySet();

    MessagesResource(BrokerRuntime runtime, Vertx vertx) {
        this.runtime = runtime;
        this.vertx = vertx;
    }

    @POST
    @NonBlocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> send(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                                          @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                          @QueryParam("wait") String wait,
                                          @jakarta.ws.rs.core.Context HttpServerRequest request) {
        String sender = null;
        InboundMessage message = null;
        try {
            if (!isJson(contentType)) {
                throw new HttpProblem(415, "unsupported-media-type", "POST /messages takes a message envelope as "
                        + "JSON: send it with \"Content-Type: application/json\" (not " + (contentType == null
                        ? "without a Content-Type" : LogText.quote(contentType)) + ")");
            }
            Duration waitFor = waitOf(wait);
            int limit = runtime.config().maxFrameSize();
            if (body == null || body.length == 0) {
                throw new ProtocolException(ErrorCode.INVALID, "the request body must be a message envelope as JSON, "
                        + "like {\"name\":\"todos.create\",\"payload\":{...},\"sender\":\"cron\"}");
            }
            if (body.length > limit) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, "the request body has " + body.length
                        + " bytes, more than this broker's limit of " + limit + " (EXOCOM_MAX_FRAME_SIZE)");
            }
            if (!Utf8.isValid(body, 0, body.length)) {
                throw new ProtocolException(ErrorCode.INVALID, "the request body is not valid UTF-8");
            }
            message = runtime.decoder().decodeEnvelope(body, body.length, false);
            if (message.id() == null) {
                message = message.withId(UUID.randomUUID().toString());
            }
            if (!runtime.authentication().enabled()) {
                return acceptFrom(claimedSender(message), message, waitFor);
            }
            InboundMessage decoded = message;
            Context context = vertx.getOrCreateContext();
            CompletableFuture<Response> answer = new CompletableFuture<>();
            runtime.authentication().sender(AdminAccess.bearer(authorization), message.claimedSender(), runtime.broker().routing())
                    .whenComplete((verdict, failure) -> context.runOnContext(ignored -> {
                        if (verdict == null || !verdict.proven()) {
                            ProtocolException refused = new ProtocolException(ErrorCode.UNAUTHENTICATED,
                                    verdict == null ? "the token could not be checked: " + failure : verdict.refusal());
                            runtime.observer().rejected("unknown", decoded.name(), refused);
                            String address = request == null || request.remoteAddress() == null ? "unknown"
                                    : request.remoteAddress().hostAddress();
                            runtime.alarms().suspicious(Alarms.Alarm.FAILED_AUTHENTICATION,
                                    verdict != null && verdict.serviceAccount() != null ? "ServiceAccount " + verdict.serviceAccount()
                                            : address, decoded.claimedSender(), "POST /messages: " + refused.getMessage());
                            answer.complete(Problems.of(refused.code(), refused.getMessage()));
                            return;
                        }
                        acceptFrom(verdict.service(), decoded, waitFor).whenComplete((response, error) -> answer.complete(response));
                    }));
            return answer;
        } catch (HttpProblem problem) {
            runtime.observer().rejected(sender == null ? "unknown" : sender, message == null ? null : message.name(),
                    new ProtocolException(ErrorCode.INVALID, problem.getMessage()));
            return CompletableFuture.completedFuture(Problems.of(problem.status, problem.code, problem.getMessage()));
        } catch (ProtocolException problem) {
            runtime.observer().rejected(sender == null ? "unknown" : sender, message == null ? null : message.name(), problem);
            return CompletableFuture.completedFuture(Problems.of(problem.code(), problem.getMessage()));
        }
    }

    /** Routes check and acceptance of a message whose sender is settled. */
    private CompletionStage<Response> acceptFrom(String sender, InboundMessage message, Duration waitFor) {
        try {
            if (!runtime.broker().routing().isKnownService(sender)) {
                throw new ProtocolException(ErrorCode.UNKNOWN_SERVICE, "service " + sender + " is not in the routes: "
                        + "declare it (an ExoService) before it sends");
            }
            return accept(sender, message, waitFor);
        } catch (ProtocolException problem) {
            runtime.observer().rejected(sender, message.name(), problem);
            return CompletableFuture.completedFuture(Problems.of(problem.code(), problem.getMessage()));
        }
    }

    private CompletionStage<Response> accept(String sender, InboundMessage message, Duration waitFor) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        Context context = vertx.getOrCreateContext();
        Executor onRequestContext = task -> context.runOnContext(ignored -> task.run());
        HttpReplyWaiter waiter = waitFor == null ? null
                : new HttpReplyWaiter(message.id(), response, onRequestContext, 4L * runtime.config().maxFrameSize());
        String id = message.id();
        runtime.broker().accept(sender, new Asker.OverHttp(sender, waiter), message, new Acceptance() {
            @Override
            public void accepted(long timestamp) {
                if (waiter == null) {
                    byte[] body = new JsonBytes(64).ascii("{\"id\":").string(id).ascii(",\"timestamp\":")
                            .number(timestamp).put('}').toBytes();
                    onRequestContext.execute(() -> response.complete(Response.accepted(body).type(MediaType.APPLICATION_JSON).build()));
                    return;
                }
                waiter.accepted(timestamp);
                waiting.add(waiter);
                long timer = vertx.setTimer(waitFor.toMillis(), ignored -> waiter.giveUp("no final reply within "
                        + waitFor.toMillis() + " ms; the command was accepted, and replies that come later are dropped"));
                response.whenComplete((done, error) -> {
                    vertx.cancelTimer(timer);
                    waiting.remove(waiter);
                });
            }

            @Override
            public void rejected(ProtocolException rejection) {
                onRequestContext.execute(() -> response.complete(Problems.of(rejection.code(), rejection.getMessage())));
            }
        });
        return response;
    }

    /** Requests still waiting for replies when the broker stops get what they have. */
    void stop(@Observes @Priority(5) io.quarkus.runtime.ShutdownDelayInitiatedEvent event) {
        waiting.forEach(waiter -> waiter.giveUp("ExoCom is shutting down; the command was accepted"));
    }

    private static String claimedSender(InboundMessage message) {
        String sender = message.claimedSender();
        if (sender == null || !Limits.isValidServiceName(sender)) {
            throw new FrameProblem(ErrorCode.INVALID, "name the sending service in the body's \"sender\" field "
                    + "(authentication is off, so ExoCom takes the sender from the body)", null, message.id());
        }
        return sender;
    }

    private Duration waitOf(String wait) {
        if (wait == null) {
            return null;
        }
        Duration max = runtime.config().httpMaxWait();
        Duration parsed = io.exocom.broker.config.Settings.parseDurationOrNull(wait.trim());
        if (parsed == null || parsed.isNegative() || parsed.isZero() || parsed.compareTo(max) > 0) {
            throw new HttpProblem(400, ErrorCode.INVALID.wire(), "?wait=" + LogText.quote(wait) + " must be a duration "
                    + "like 500ms or 5s, at most " + max.toMillis() + " ms (EXOCOM_HTTP_MAX_WAIT)");
        }
        return parsed;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].trim();
        return type.equalsIgnoreCase("application/json");
    }

    /** A refusal that is HTTP's own, with no code of PROTOCOL.md §3. */
    private static final class HttpProblem extends RuntimeException {
        final int status;
        final String code;

        HttpProblem(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}

package io.exocom.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.core.ServiceDispatcher;
import io.exocom.broker.routing.DevelopmentRouting;
import io.exocom.broker.routing.Routing;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.wire.LogText;
import io.exocom.protocol.routes.ServiceRoutes;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The views of PROTOCOL.md §7 (routes, services and instances, queues, dead letters) and the two actions on dead
 * letters: replay and discard. With authentication on, each needs an admin credential holding its right ({@link AdminAccess}). JSON is
 * built as trees, so nothing needs reflection in a native image.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ViewsResource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper READER = new ObjectMapper();

    private final BrokerRuntime runtime;
    private final AdminAccess access;

    ViewsResource(BrokerRuntime runtime, AdminAccess access) {
        this.runtime = runtime;
        this.access = access;
    }

    @GET
    @Path("routes")
    @NonBlocking
    public CompletionStage<Response> routes(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request) {
        return guarded(authorization, request, AdminAccess.Right.VIEWS, () -> {
            Routing routing = runtime.routing();
            ObjectNode view = JSON.objectNode();
            view.put("mode", routing.get().mode());
            view.put("source", routing.source());
            view.put("loadedAt", routing.loadedAt().toString());
            view.put("lastReloadError", routing.lastError());
            ArrayNode services = view.putArray("services");
            if (routing.get() instanceof StaticRouting routes) {
                for (ServiceRoutes service : routes.table().services()) {
                    ObjectNode entry = services.addObject();
                    entry.put("service", service.service());
                    service.sortedSends().forEach(entry.putArray("sends")::add);
                    service.sortedReceives().forEach(entry.putArray("receives")::add);
                    if (!service.serviceAccount().isEmpty()) {
                        entry.put("serviceAccount", service.serviceAccount());
                    }
                }
            } else if (routing.get() instanceof DevelopmentRouting development) {
                development.declared().forEach((service, receives) -> {
                    ObjectNode entry = services.addObject();
                    entry.put("service", service);
                    entry.putArray("sends").add(DevelopmentRouting.ANYTHING);
                    receives.forEach(entry.putArray("receives")::add);
                });
            }
            return Response.ok(view).build();
        });
    }

    @GET
    @Path("services")
    @NonBlocking
    public CompletionStage<Response> services(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request) {
        return guarded(authorization, request, AdminAccess.Right.VIEWS, () -> {
            ArrayNode view = JSON.arrayNode();
            for (ServiceDispatcher.Snapshot snapshot : snapshots().values()) {
                ObjectNode entry = view.addObject();
                entry.put("service", snapshot.service());
                entry.put("depth", snapshot.queued());
                entry.put("depthBytes", snapshot.queuedBytes());
                entry.put("inFlight", snapshot.inFlight());
                ArrayNode instances = entry.putArray("instances");
                for (ServiceDispatcher.InstanceView instance : snapshot.instances()) {
                    ObjectNode i = instances.addObject();
                    i.put("id", instance.id());
                    i.put("prefetch", instance.prefetch());
                    i.put("inFlight", instance.inFlight());
                    i.put("closing", instance.closing());
                    if (instance.receives() != null) {
                        instance.receives().forEach(i.putArray("receives")::add);
                    }
                    i.put("connectedAt", Instant.ofEpochMilli(instance.connectedAtMillis()).toString());
                }
            }
            return Response.ok(view).build();
        });
    }

    @GET
    @Path("queues")
    @NonBlocking
    public CompletionStage<Response> queues(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request, @QueryParam("peek") String peekText) {
        int peek;
        try {
            peek = count(peekText, "peek", 0, 1000);
        } catch (BadParameter bad) {
            return CompletableFuture.completedFuture(Problems.of(400, "invalid", bad.getMessage()));
        }
        // counts need the right to view; the waiting messages themselves the right to read payloads
        return guarded(authorization, request, peek > 0 ? AdminAccess.Right.PAYLOADS : AdminAccess.Right.VIEWS, () -> {
            ArrayNode view = JSON.arrayNode();
            Map<String, ServiceDispatcher> dispatchers = new TreeMap<>();
            runtime.broker().dispatchers().forEach(d -> dispatchers.put(d.service(), d));
            for (ServiceDispatcher dispatcher : dispatchers.values()) {
                ServiceDispatcher.Snapshot snapshot = dispatcher.snapshot();
                ObjectNode entry = view.addObject();
                entry.put("service", snapshot.service());
                entry.put("depth", snapshot.queued());
                entry.put("depthBytes", snapshot.queuedBytes());
                entry.put("inFlight", snapshot.inFlight());
                entry.put("instances", snapshot.instances().size());
                if (peek > 0) {
                    ArrayNode waiting = entry.putArray("waiting");
                    for (Delivery delivery : dispatcher.waiting(peek)) {
                        waiting.add(message(delivery));
                    }
                }
            }
            return Response.ok(view).build();
        });
    }

    @GET
    @Path("dead-letters")
    @NonBlocking
    public CompletionStage<Response> deadLetters(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request,
                                @QueryParam("service") String service, @QueryParam("limit") String limitText) {
        return guarded(authorization, request, AdminAccess.Right.PAYLOADS, () -> {
            int limit = limitText == null ? 100 : count(limitText, "limit", 0, 10_000);
            ArrayNode view = JSON.arrayNode();
            for (DeadLetter letter : runtime.broker().store().deadLetters().list(service, limit)) {
                view.add(deadLetter(letter));
            }
            return Response.ok(view).build();
        });
    }

    @GET
    @Path("dead-letters/{key}")
    @NonBlocking
    public CompletionStage<Response> deadLetter(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request, @PathParam("key") String key) {
        return guarded(authorization, request, AdminAccess.Right.PAYLOADS, () -> runtime.broker().store().deadLetters().get(key)
                .map(letter -> Response.ok(deadLetter(letter)).build())
                .orElseGet(() -> notFound(key)));
    }

    @POST
    @Path("dead-letters/{key}/replay")
    @NonBlocking
    public CompletionStage<Response> replay(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request, @PathParam("key") String key) {
        return guarded(authorization, request, AdminAccess.Right.REPLAY, () -> {
            Broker.ReplayResult result = runtime.broker().replay(key);
            return switch (result) {
                case REPLAYED -> Response.accepted(JSON.objectNode().put("replayed", key)).build();
                case NOT_FOUND -> notFound(key);
                case QUEUE_FULL -> Problems.of(503, "queue-full", "the queue of the dead letter's service is full; "
                        + "dead letter " + LogText.quote(key) + " stays where it is");
            };
        });
    }

    @DELETE
    @Path("dead-letters/{key}")
    @NonBlocking
    public CompletionStage<Response> discard(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @jakarta.ws.rs.core.Context HttpServerRequest request, @PathParam("key") String key) {
        return guarded(authorization, request, AdminAccess.Right.DISCARD, () -> runtime.broker().discard(key) ? Response.noContent().build() : notFound(key));
    }

    /**
     * The view, once the caller proved the right to it. When the API server must be asked, the view is built back
     * on the request's event loop, as it is when the answer is known at once.
     */
    private CompletionStage<Response> guarded(String authorization, HttpServerRequest request,
                                              AdminAccess.Right right, Supplier<Response> view) {
        String address = request == null || request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        CompletableFuture<Response> refusal = access.refusal(authorization, right, address);
        if (refusal.isDone()) {
            Response refused = refusal.join();
            return CompletableFuture.completedFuture(refused != null ? refused : build(view));
        }
        Context context = Vertx.currentContext();
        CompletableFuture<Response> answer = new CompletableFuture<>();
        refusal.whenComplete((refused, failure) -> context.runOnContext(ignored -> answer.complete(
                failure != null ? Problems.of(503, "unavailable", "the credential could not be checked: " + failure)
                        : refused != null ? refused : build(view))));
        return answer;
    }

    private static Response build(Supplier<Response> view) {
        try {
            return view.get();
        } catch (BadParameter bad) {
            return Problems.of(400, "invalid", bad.getMessage());
        }
    }

    /** A whole-number query parameter, or a 400 naming it. */
    private static int count(String text, String name, int min, int max) {
        if (text == null) {
            return min;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // the sentence below says what is accepted
        }
        throw new BadParameter("?" + name + "=" + LogText.quote(text) + " must be a whole number from " + min
                + " to " + max);
    }

    private static final class BadParameter extends RuntimeException {
        BadParameter(String message) {
            super(message, null, false, false);
        }
    }

    private static Response notFound(String key) {
        return Problems.of(404, "not-found", "there is no dead letter " + LogText.quote(key));
    }

    private Map<String, ServiceDispatcher.Snapshot> snapshots() {
        Map<String, ServiceDispatcher.Snapshot> snapshots = new TreeMap<>();
        for (ServiceDispatcher dispatcher : runtime.broker().dispatchers()) {
            snapshots.put(dispatcher.service(), dispatcher.snapshot());
        }
        return snapshots;
    }

    private ObjectNode deadLetter(DeadLetter letter) {
        ObjectNode entry = JSON.objectNode();
        entry.put("key", letter.key());
        entry.put("service", letter.delivery().service());
        entry.put("attempts", letter.delivery().attempts());
        entry.put("reason", letter.reason());
        entry.put("diedAt", Instant.ofEpochMilli(letter.diedAtMillis()).toString());
        entry.set("message", message(letter.delivery()));
        return entry;
    }

    private static JsonNode message(Delivery delivery) {
        try {
            return READER.readTree(delivery.envelope());
        } catch (IOException e) {
            return JSON.textNode(new String(delivery.envelope(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}

package io.exocom.broker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import io.exocom.protocol.routes.ServiceRoutes;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;
import java.util.TreeMap;

/**
 * The read-only views of PROTOCOL.md §7 (routes, services and instances, queues, dead letters) and the two
 * actions on dead letters: replay and discard. JSON is built as trees, so nothing needs reflection in a native
 * image.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ViewsResource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final BrokerRuntime runtime;

    ViewsResource(BrokerRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    @Path("routes")
    @NonBlocking
    public ObjectNode routes() {
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
            }
        } else if (routing.get() instanceof DevelopmentRouting development) {
            development.declared().forEach((service, receives) -> {
                ObjectNode entry = services.addObject();
                entry.put("service", service);
                entry.putArray("sends").add(DevelopmentRouting.ANYTHING);
                receives.forEach(entry.putArray("receives")::add);
            });
        }
        return view;
    }

    @GET
    @Path("services")
    @NonBlocking
    public ArrayNode services() {
        ArrayNode view = JSON.arrayNode();
        for (ServiceDispatcher.Snapshot snapshot : snapshots().values()) {
            ObjectNode entry = view.addObject();
            entry.put("service", snapshot.service());
            entry.put("queued", snapshot.queued());
            entry.put("inFlight", snapshot.inFlight());
            ArrayNode instances = entry.putArray("instances");
            for (ServiceDispatcher.InstanceView instance : snapshot.instances()) {
                ObjectNode i = instances.addObject();
                i.put("id", instance.id());
                i.put("prefetch", instance.prefetch());
                i.put("inFlight", instance.inFlight());
                i.put("connectedAt", java.time.Instant.ofEpochMilli(instance.connectedAtMillis()).toString());
            }
        }
        return view;
    }

    @GET
    @Path("queues")
    @NonBlocking
    public ArrayNode queues(@QueryParam("peek") @DefaultValue("0") int peek) {
        ArrayNode view = JSON.arrayNode();
        Map<String, ServiceDispatcher> dispatchers = new TreeMap<>();
        runtime.broker().dispatchers().forEach(d -> dispatchers.put(d.service(), d));
        for (ServiceDispatcher dispatcher : dispatchers.values()) {
            ServiceDispatcher.Snapshot snapshot = dispatcher.snapshot();
            ObjectNode entry = view.addObject();
            entry.put("service", snapshot.service());
            entry.put("depth", snapshot.queued());
            entry.put("inFlight", snapshot.inFlight());
            entry.put("instances", snapshot.instances().size());
            if (peek > 0) {
                ArrayNode waiting = entry.putArray("waiting");
                for (Delivery delivery : dispatcher.waiting(Math.min(peek, 1000))) {
                    waiting.add(message(delivery));
                }
            }
        }
        return view;
    }

    @GET
    @Path("dead-letters")
    @NonBlocking
    public ArrayNode deadLetters(@QueryParam("service") String service,
                                 @QueryParam("limit") @DefaultValue("100") int limit) {
        ArrayNode view = JSON.arrayNode();
        for (DeadLetter letter : runtime.broker().store().deadLetters().list(service, Math.max(0, Math.min(limit, 10_000)))) {
            view.add(deadLetter(letter));
        }
        return view;
    }

    @GET
    @Path("dead-letters/{key}")
    @NonBlocking
    public Response deadLetter(@PathParam("key") String key) {
        return runtime.broker().store().deadLetters().get(key)
                .map(letter -> Response.ok(deadLetter(letter)).build())
                .orElseGet(() -> notFound(key));
    }

    @POST
    @Path("dead-letters/{key}/replay")
    @NonBlocking
    public Response replay(@PathParam("key") String key) {
        Broker.ReplayResult result = runtime.broker().replay(key);
        return switch (result) {
            case REPLAYED -> Response.accepted(JSON.objectNode().put("replayed", key)).build();
            case NOT_FOUND -> notFound(key);
            case QUEUE_FULL -> Problems.of(503, "queue-full", "the queue of the dead letter's service is full; "
                    + "dead letter " + key + " stays where it is");
        };
    }

    @DELETE
    @Path("dead-letters/{key}")
    @NonBlocking
    public Response discard(@PathParam("key") String key) {
        return runtime.broker().store().deadLetters().remove(key)
                .map(letter -> Response.noContent().build())
                .orElseGet(() -> notFound(key));
    }

    private static Response notFound(String key) {
        return Problems.of(404, "not-found", "there is no dead letter " + key);
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
        entry.put("diedAt", java.time.Instant.ofEpochMilli(letter.diedAtMillis()).toString());
        entry.set("message", message(letter.delivery()));
        return entry;
    }

    private JsonNode message(Delivery delivery) {
        try {
            return runtime.codec().mapper().readTree(delivery.message().json());
        } catch (JsonProcessingException e) {
            return JSON.textNode(delivery.message().json());
        }
    }
}

package io.exocom.broker.http;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Asker;
import io.exocom.broker.wire.JsonBytes;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A {@code POST /messages?wait=...} request waiting for the replies to its command (PROTOCOL.md §7): it collects
 * the partial replies and answers 200 with the final one, or 202 with what came when the time ran out. Once it has
 * answered it takes no more replies, which then go where replies to HTTP commands go without a waiter.
 */
final class HttpReplyWaiter implements Asker.ReplyWaiter {
    private final CompletableFuture<Response> response;
    private final Executor requestContext;
    private final long maxBytes;
    private final List<byte[]> partials = new ArrayList<>();
    private final String id;
    private long bytes;
    private long timestamp;
    private boolean acceptedYet;
    private boolean done;

    /**
     * @param requestContext where the answer is written: the request's own event loop, never the thread that
     *                       brought the reply (which holds a service's lock)
     * @param maxBytes       the most reply bytes collected for one request, so that a long stream cannot pile up
     */
    HttpReplyWaiter(String id, CompletableFuture<Response> response, Executor requestContext, long maxBytes) {
        this.id = id;
        this.response = response;
        this.requestContext = requestContext;
        this.maxBytes = maxBytes;
    }

    /** The command was accepted: the answer can go once the replies are in (they may even have come first). */
    synchronized void accepted(long acceptedAt) {
        this.timestamp = acceptedAt;
        this.acceptedYet = true;
        if (done) {
            send(build(pendingStatus, pendingReply, pendingMessage));
        }
    }

    @Override
    public synchronized boolean offer(AcceptedMessage reply) {
        if (done) {
            return false;
        }
        byte[] envelope = reply.envelope();
        bytes += envelope.length;
        if (bytes > maxBytes) {
            finish(202, null, "the replies passed " + maxBytes + " bytes before the final one came; later replies are "
                    + "dropped: take long streams through a relay");
            return false;
        }
        if (reply.isFinal()) {
            finish(200, envelope, null);
        } else {
            partials.add(envelope);
        }
        return true;
    }

    /** The wait is over without a final reply (time ran out, or the broker stops). */
    synchronized void giveUp(String why) {
        if (!done) {
            finish(202, null, why);
        }
    }

    private void finish(int status, byte[] reply, String message) {
        done = true;
        if (acceptedYet) {
            send(build(status, reply, message));
        } else { // built once the timestamp is known
            pendingStatus = status;
            pendingReply = reply;
            pendingMessage = message;
        }
    }

    private int pendingStatus;
    private byte[] pendingReply;
    private String pendingMessage;

    private void send(Response ready) {
        requestContext.execute(() -> response.complete(ready));
    }

    private Response build(int status, byte[] reply, String message) {
        JsonBytes body = new JsonBytes(256).ascii("{\"id\":").string(id).ascii(",\"timestamp\":").number(timestamp)
                .ascii(",\"reply\":");
        if (reply == null) {
            body.ascii("null");
        } else {
            body.raw(reply);
        }
        body.ascii(",\"partials\":[");
        for (int i = 0; i < partials.size(); i++) {
            if (i > 0) {
                body.comma();
            }
            body.raw(partials.get(i));
        }
        body.put(']');
        if (message != null) {
            body.ascii(",\"message\":").string(message);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body.put('}').toBytes()).build();
    }
}

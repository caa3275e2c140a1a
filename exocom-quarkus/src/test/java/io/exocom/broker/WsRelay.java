package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A raw protocol client for tests: a real WebSocket (the JDK's) speaking PROTOCOL.md frame by frame, so that tests
 * see exactly what a relay sees. Frames are collected in arrival order.
 */
public final class WsRelay implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(10);

    private final WebSocket socket;
    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final List<JsonNode> setAside = new ArrayList<>();
    private final LinkedBlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger pingsReceived = new java.util.concurrent.atomic.AtomicInteger();

    private WsRelay(URI uri) throws Exception {
        this(uri, HttpClient.newHttpClient());
    }

    private WsRelay(URI uri, HttpClient client) throws Exception {
        this.socket = client.newWebSocketBuilder()
                .connectTimeout(WAIT)
                .buildAsync(uri, new Listener()).get(10, TimeUnit.SECONDS);
    }

    /** Connects without registering. */
    public static WsRelay connect(URI uri) throws Exception {
        return new WsRelay(uri);
    }

    /** Connects through the given client (its TLS settings, for wss://) without registering. */
    public static WsRelay connect(URI uri, HttpClient client) throws Exception {
        return new WsRelay(uri, client);
    }

    /** Connects and registers; fails the test unless ExoCom answers {@code registered}. */
    public static WsRelay register(URI uri, String service, String instance, Integer prefetch, String... receives)
            throws Exception {
        WsRelay relay = connect(uri);
        ObjectNode frame = JSON.createObjectNode().put("type", "register").put("service", service);
        if (instance != null) {
            frame.put("instance", instance);
        }
        if (prefetch != null) {
            frame.put("prefetch", prefetch);
        }
        for (String name : receives) {
            frame.withArray("receives").add(name);
        }
        relay.sendFrame(frame);
        JsonNode answer = relay.next();
        assertEquals("registered", answer.path("type").asText(), "registration answer: " + answer);
        return relay;
    }

    public static WsRelay register(URI uri, String service, String instance) throws Exception {
        return register(uri, service, instance, null);
    }

    public void sendFrame(JsonNode frame) {
        sendText(frame.toString());
    }

    public void sendText(String text) {
        socket.sendText(text, true).join();
    }

    /** How many pings ExoCom sent this connection so far. */
    public int pingsReceived() {
        return pingsReceived.get();
    }

    /** Sends a WebSocket ping with this text and returns the text of the next pong, or null after {@link #WAIT}. */
    public String ping(String text) throws InterruptedException {
        socket.sendPing(java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))).join();
        return pongs.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).join();
    }

    /** Sends a command and returns its id without waiting for the answer. */
    public String sendCommand(String name, Object payload) {
        String id = UUID.randomUUID().toString();
        sendMessage(message(name, id, payload));
        return id;
    }

    public static ObjectNode message(String name, String id, Object payload) {
        ObjectNode message = JSON.createObjectNode().put("name", name).put("id", id);
        message.set("payload", JSON.valueToTree(payload));
        return message;
    }

    public void sendMessage(JsonNode message) {
        ObjectNode frame = JSON.createObjectNode().put("type", "send");
        frame.set("message", message);
        sendFrame(frame);
    }

    /** Sends a command and waits for {@code accepted}; returns the id. */
    public String command(String name, Object payload) throws InterruptedException {
        String id = sendCommand(name, payload);
        JsonNode answer = next("accepted", "rejected");
        assertEquals("accepted", answer.path("type").asText(), "answer to " + name + ": " + answer);
        assertEquals(id, answer.path("id").asText());
        return id;
    }

    /** Sends a reply and returns the answer frame. */
    public JsonNode reply(String commandId, String outcome, Object payload, Boolean isFinal) throws InterruptedException {
        ObjectNode message = message(outcome, UUID.randomUUID().toString(), payload).put("responseTo", commandId);
        if (isFinal != null) {
            message.put("final", isFinal);
        }
        sendMessage(message);
        return next("accepted", "rejected");
    }

    public void ack(String id) {
        sendFrame(JSON.createObjectNode().put("type", "ack").put("id", id));
    }

    public void nack(String id, boolean requeue) {
        sendFrame(JSON.createObjectNode().put("type", "nack").put("id", id).put("requeue", requeue).put("reason", "test"));
    }

    /** The next frame, whatever it is. */
    public JsonNode next() throws InterruptedException {
        if (!setAside.isEmpty()) {
            return setAside.remove(0);
        }
        JsonNode frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(frame, "no frame arrived within " + WAIT);
        return frame;
    }

    /** The next frame of one of these types; frames of other types are kept for later calls. */
    public JsonNode next(String... types) throws InterruptedException {
        for (int i = 0; i < setAside.size(); i++) {
            if (List.of(types).contains(setAside.get(i).path("type").asText())) {
                return setAside.remove(i);
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
            if (frame == null) {
                fail("no " + String.join("/", types) + " frame within " + WAIT + "; set aside: " + setAside);
            }
            if (List.of(types).contains(frame.path("type").asText())) {
                return frame;
            }
            setAside.add(frame);
        }
    }

    /**
     * The next frame of one of these types if one arrives within {@code wait}, else null; never fails, so that a
     * test can ask which of several connections got something. Frames of other types are kept for later calls.
     */
    public JsonNode poll(Duration wait, String... types) throws InterruptedException {
        for (int i = 0; i < setAside.size(); i++) {
            if (List.of(types).contains(setAside.get(i).path("type").asText())) {
                return setAside.remove(i);
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame == null) {
                return null;
            }
            if (List.of(types).contains(frame.path("type").asText())) {
                return frame;
            }
            setAside.add(frame);
        }
        return null;
    }

    /** The next delivery; returns the deliver frame. */
    public JsonNode delivery() throws InterruptedException {
        return next("deliver");
    }

    /** Asserts that no frame of these types arrives within {@code quiet}. */
    public void expectNothing(Duration quiet, String... types) throws InterruptedException {
        for (JsonNode frame : setAside) {
            if (types.length == 0 || List.of(types).contains(frame.path("type").asText())) {
                fail("unexpected frame " + frame);
            }
        }
        long deadline = System.nanoTime() + quiet.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame == null) {
                return;
            }
            setAside.add(frame); // kept, so that the frame is not lost to a later look at this connection
            if (types.length == 0 || List.of(types).contains(frame.path("type").asText())) {
                fail("unexpected frame " + frame);
            }
        }
    }

    /** The close code ExoCom closed this connection with. */
    public int awaitClose() throws Exception {
        return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Vanishes without a close handshake, like a crashed process. */
    public void crash() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        socket.abort();
    }

    public void assertNoPendingFrames() {
        assertNull(frames.peek(), "unexpected frame: " + frames.peek());
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    frames.add(JSON.createObjectNode().put("type", "unparseable").put("text", partial.toString()));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
            pingsReceived.incrementAndGet(); // the JDK answers with a pong by itself
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
            pongs.add(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}

package io.exocom.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** One raw WebSocket to the broker speaking the wire protocol's frames, for watching what the broker does. */
final class RawRelay implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final AtomicReference<String> closed = new AtomicReference<>();
    private final WebSocket socket;

    RawRelay(int port) {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/services"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                frames.add(JSON.readTree(text.toString()));
                            } catch (Exception e) {
                                closed.compareAndSet(null, "unreadable frame " + text);
                            }
                            text.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.compareAndSet(null, "closed " + statusCode + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.compareAndSet(null, "error " + error);
                    }
                }).join();
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    /** The next frame of this type, skipping others. */
    JsonNode next(String type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            JsonNode frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && type.equals(frame.path("type").asText())) {
                return frame;
            }
        }
        throw new AssertionError("no " + type + " frame within 15s; connection: " + (closed.get() == null ? "open" : closed.get()));
    }

    /** The answer to a send: "accepted" or "rejected" frame. */
    JsonNode answer() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            JsonNode frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && (frame.path("type").asText().equals("accepted") || frame.path("type").asText().equals("rejected"))) {
                return frame;
            }
        }
        throw new AssertionError("no answer within 15s");
    }

    /** Why the connection ended, or null while it is open. */
    String closedBecause() {
        return closed.get() != null ? closed.get() : socket.isInputClosed() ? "input closed" : null;
    }

    @Override
    public void close() {
        socket.abort();
    }
}

package io.exocom.relay;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket connection to ExoCom. Serialises outgoing text frames (the JDK's WebSocket allows one send at a
 * time), reassembles incoming ones, and reports its end exactly once.
 */
final class Channel implements WebSocket.Listener {

    /** Receives what arrives on a channel. Called on the WebSocket's thread: must not block. */
    interface Receiver {
        void onFrame(Channel channel, String text);

        /** @param closeCode the WebSocket close code ExoCom sent, or -1 when the connection just ended */
        void onClosed(Channel channel, String reason, int closeCode, Throwable error);
    }

    private final Receiver receiver;
    private final long number;
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile WebSocket socket;
    /** When anything (a frame, a ping, a pong) last arrived; see {@link #heartbeat(Duration)}. */
    private volatile long lastHeardNanos = System.nanoTime();
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    private Channel(Receiver receiver, long number) {
        this.receiver = receiver;
        this.number = number;
    }

    /** Opens a channel; the stage fails when the connection cannot be made. */
    static CompletableFuture<Channel> open(HttpClient client, URI uri, Duration timeout, Receiver receiver, long number) {
        Channel channel = new Channel(receiver, number);
        return client.newWebSocketBuilder()
                .connectTimeout(timeout)
                .buildAsync(uri, channel)
                .thenApply(socket -> {
                    channel.socket = socket;
                    return channel;
                });
    }

    /** Which connection of the relay this is, counting from 1; for logs. */
    long number() {
        return number;
    }

    boolean isOpen() {
        return !ended.get();
    }

    /** Queues one text frame; the stage completes when it was written, and fails when the channel is gone. */
    synchronized CompletableFuture<Void> send(String text) {
        if (ended.get() || socket == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection " + number + " is closed"));
        }
        CompletableFuture<Void> next = tail.handle((ignored, error) -> null)
                .thenCompose(ignored -> socket.sendText(text, true))
                .thenApply(ignored -> null);
        tail = next;
        return next;
    }

    /** Closes normally after everything queued so far was written; aborts if that takes longer than {@code wait}. */
    CompletableFuture<Void> close(Duration wait) {
        WebSocket ws = socket;
        if (ws == null || ended.get()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done;
        synchronized (this) {
            done = tail.handle((ignored, error) -> null)
                    .thenCompose(ignored -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "relay closing"))
                    .handle((ignored, error) -> null);
            tail = done;
        }
        return done.completeOnTimeout(null, wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> abort("relay closed"));
    }

    /**
     * Sends a ping, or drops the connection when nothing arrived for {@code silenceLimit}: a peer that vanished
     * without closing TCP (a dead host, a cut network path) is otherwise never noticed.
     */
    void heartbeat(Duration silenceLimit) {
        WebSocket ws = socket;
        if (ws == null || ended.get()) {
            return;
        }
        long silentNanos = System.nanoTime() - lastHeardNanos;
        if (silentNanos > silenceLimit.toNanos()) {
            abort("ExoCom did not answer for " + Duration.ofNanos(silentNanos).toMillis() + " ms");
            return;
        }
        ws.sendPing(ByteBuffer.allocate(0)).exceptionally(error -> {
            end("the connection to ExoCom failed: " + error, error);
            return null;
        });
    }

    /** Drops the connection at once. */
    void abort(String reason) {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        end(reason, null);
    }

    private void end(String reason, Throwable error) {
        end(reason, -1, error);
    }

    private void end(String reason, int closeCode, Throwable error) {
        if (ended.compareAndSet(false, true)) {
            receiver.onClosed(this, reason, closeCode, error);
        }
    }

    // ------------------------------------------------------------------ WebSocket.Listener

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        lastHeardNanos = System.nanoTime();
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        lastHeardNanos = System.nanoTime();
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                receiver.onFrame(this, text);
            } finally {
                webSocket.request(1);
            }
        } else {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        lastHeardNanos = System.nanoTime();
        webSocket.request(1); // the JDK answers the ping with a pong by itself
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        lastHeardNanos = System.nanoTime();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        end("ExoCom closed the connection (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")",
                statusCode, null);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        end("the connection to ExoCom failed: " + error, error);
    }
}

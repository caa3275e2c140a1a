package io.exocom.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * ExoCom over the raw wire protocol (PROTOCOL.md) with {@link WsClient}: what the broker alone costs. At least once
 * stays intact: every delivery is acked, a responder acks after it sent its reply, and every send waits for nothing
 * but is answered {@code accepted} by the broker as usual.
 *
 * <p>Frames are read by scanning for the few fields needed (the payloads are plain letters, so this is exact).
 */
final class ExoComRaw implements Driver {
    static final String PING = "bench.ping";
    static final String PONG = "bench.pong";
    static final String FANOUT = "bench.fanout";
    private static final AtomicLong CONNECTIONS = new AtomicLong();

    private final String label;
    private final ServerProcess server;
    private final int port;

    ExoComRaw(String label, ServerProcess server) {
        this.label = label;
        this.server = server;
        this.port = server.port;
    }

    @Override
    public ServerProcess server() {
        return server;
    }

    @Override
    public String label() {
        return label;
    }

    /** Connects and registers one instance of {@code service}; returns once ExoCom answered {@code registered}. */
    static WsClient register(int port, String service, String instance, int prefetch, int timeoutMillis) throws IOException {
        WsClient ws = WsClient.connect(port, "/services", timeoutMillis);
        try {
            ws.sendText("{\"type\":\"register\",\"service\":\"" + service + "\",\"instance\":\"" + instance
                    + "\",\"prefetch\":" + prefetch + ",\"protocol\":\"1.3\"}"); // 1.3: delivered while it syncs
            String answer = ws.readText();
            if (answer == null || !answer.startsWith("{\"type\":\"registered\"")) {
                throw new IOException("registration of " + service + "/" + instance + " failed: " + answer);
            }
            return ws;
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
    }

    private WsClient register(String service, int prefetch) throws IOException {
        String instance = service + "-" + CONNECTIONS.incrementAndGet();
        return register(port, service, instance, prefetch, 10_000);
    }

    static boolean isDeliver(String frame) {
        return frame.startsWith("{\"type\":\"deliver\"");
    }

    /** The value of a string field, found from the end (fields after the payload). */
    static String field(String frame, String name) {
        String key = "\"" + name + "\":\"";
        int start = frame.lastIndexOf(key);
        if (start < 0) {
            return null;
        }
        start += key.length();
        return frame.substring(start, frame.indexOf('"', start));
    }

    static byte[] ack(String id) {
        return WsClient.frame("{\"type\":\"ack\",\"id\":\"" + id + "\"}");
    }

    static String send(String name, String id, String responseTo, String payload) {
        return "{\"type\":\"send\",\"message\":{\"name\":\"" + name + "\",\"id\":\"" + id + "\""
                + (responseTo == null ? "" : ",\"responseTo\":\"" + responseTo + "\"")
                + ",\"payload\":\"" + payload + "\"}}";
    }

    static void reportProblem(String who, String frame) {
        if (frame.startsWith("{\"type\":\"rejected\"") || frame.startsWith("{\"type\":\"error\"")) {
            System.err.println("bench: " + who + " got " + (frame.length() > 300 ? frame.substring(0, 300) : frame));
        }
    }

    @Override
    public RequestReply openRequestReply(int responders, String payload) throws IOException {
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < responders; i++) {
                WsClient responder = register("bench-echo", 256);
                open.add(responder);
                AtomicLong replies = new AtomicLong();
                String prefix = "p" + CONNECTIONS.incrementAndGet() + "-"; // ids are unique per broker run: ExoCom de-duplicates
                responder.startReader("exocom-raw-responder-" + i, frame -> {
                    if (!isDeliver(frame)) {
                        reportProblem("responder", frame);
                        return;
                    }
                    String id = field(frame, "id");
                    byte[] reply = WsClient.frame(send(PONG, prefix + replies.incrementAndGet(), id, payload));
                    try {
                        responder.write(WsClient.concat(reply, ack(id)));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            WsClient requester = register("bench-client", 256);
            open.add(requester);
            Map<String, Runnable> waiting = new ConcurrentHashMap<>();
            requester.startReader("exocom-raw-requester", frame -> {
                if (!isDeliver(frame)) {
                    reportProblem("requester", frame);
                    return;
                }
                String id = field(frame, "id");
                Runnable done = waiting.remove(field(frame, "responseTo"));
                try {
                    requester.write(ack(id));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                if (done != null) {
                    done.run();
                }
            });
            AtomicLong ids = new AtomicLong();
            String prefix = "q" + CONNECTIONS.incrementAndGet() + "-";
            return new RequestReply() {
                @Override
                public void request(Runnable onReply) throws IOException {
                    String id = prefix + ids.incrementAndGet();
                    waiting.put(id, onReply);
                    requester.write(WsClient.frame(send(PING, id, null, payload)));
                }

                @Override
                public void close() {
                    open.forEach(WsClient::close);
                }
            };
        } catch (IOException | RuntimeException e) {
            open.forEach(WsClient::close);
            throw e;
        }
    }

    @Override
    public FanOut openFanOut(int receivers, String payload) throws IOException {
        List<WsClient> open = new ArrayList<>();
        try {
            AtomicLongArray counts = new AtomicLongArray(receivers);
            for (int i = 0; i < receivers; i++) {
                WsClient receiver = register("bench-fan-" + (i + 1), 256);
                open.add(receiver);
                int index = i;
                receiver.startReader("exocom-raw-receiver-" + i, frame -> {
                    if (!isDeliver(frame)) {
                        reportProblem("receiver", frame);
                        return;
                    }
                    try {
                        receiver.write(ack(field(frame, "id")));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    counts.incrementAndGet(index);
                });
            }
            WsClient sender = register("bench-client", 256);
            open.add(sender);
            sender.startReader("exocom-raw-sender", frame -> reportProblem("sender", frame));
            AtomicLong ids = new AtomicLong();
            String prefix = "f" + CONNECTIONS.incrementAndGet() + "-";
            return new FanOut() {
                @Override
                public void send() throws IOException {
                    sender.write(WsClient.frame(ExoComRaw.send(FANOUT, prefix + ids.incrementAndGet(), null, payload)));
                }

                @Override
                public long[] received() {
                    long[] now = new long[receivers];
                    for (int i = 0; i < receivers; i++) {
                        now[i] = counts.get(i);
                    }
                    return now;
                }

                @Override
                public void close() {
                    open.forEach(WsClient::close);
                }
            };
        } catch (IOException | RuntimeException e) {
            open.forEach(WsClient::close);
            throw e;
        }
    }
}

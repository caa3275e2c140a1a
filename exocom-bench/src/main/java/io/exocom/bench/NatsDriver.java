package io.exocom.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * NATS through its Java client, with the patterns equivalent to ExoCom's: request/reply to a queue group (each
 * request handled by one responder instance), and plain subscriptions for fan-out (each receiver gets every message).
 */
final class NatsDriver implements Driver {
    private final ServerProcess server;
    private final int port;

    NatsDriver(ServerProcess server) {
        this.server = server;
        this.port = server.port;
    }

    @Override
    public ServerProcess server() {
        return server;
    }

    @Override
    public String label() {
        return "nats";
    }

    Connection connect(String name) throws Exception {
        return Nats.connect(new Options.Builder()
                .server("nats://127.0.0.1:" + port)
                .connectionName(name)
                .connectionTimeout(Duration.ofSeconds(10))
                .build());
    }

    private static void closeAll(List<Connection> connections) {
        for (int i = connections.size() - 1; i >= 0; i--) {
            try {
                connections.get(i).close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public RequestReply openRequestReply(int responders, String payload) throws Exception {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < responders; i++) {
                Connection responder = connect("bench-echo-" + i);
                open.add(responder);
                Dispatcher dispatcher = responder.createDispatcher(message -> responder.publish(message.getReplyTo(), body));
                dispatcher.subscribe(ExoComRaw.PING, "bench-echo");
                responder.flush(Duration.ofSeconds(10));
            }
            Connection requester = connect("bench-client");
            open.add(requester);
            return new RequestReply() {
                @Override
                public void request(Runnable onReply) {
                    requester.request(ExoComRaw.PING, body).whenComplete((reply, error) -> {
                        if (error != null) {
                            System.err.println("bench: nats request failed: " + error);
                        } else {
                            onReply.run();
                        }
                    });
                }

                @Override
                public void close() {
                    closeAll(open);
                }
            };
        } catch (Exception e) {
            closeAll(open);
            throw e;
        }
    }

    @Override
    public FanOut openFanOut(int receivers, String payload) throws Exception {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        List<Connection> open = new ArrayList<>();
        try {
            AtomicLongArray counts = new AtomicLongArray(receivers);
            for (int i = 0; i < receivers; i++) {
                Connection receiver = connect("bench-fan-" + (i + 1));
                open.add(receiver);
                int index = i;
                Dispatcher dispatcher = receiver.createDispatcher(message -> counts.incrementAndGet(index));
                dispatcher.subscribe(ExoComRaw.FANOUT);
                receiver.flush(Duration.ofSeconds(10));
            }
            Connection sender = connect("bench-client");
            open.add(sender);
            return new FanOut() {
                @Override
                public void send() {
                    sender.publish(ExoComRaw.FANOUT, body);
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
                    closeAll(open);
                }
            };
        } catch (Exception e) {
            closeAll(open);
            throw e;
        }
    }
}

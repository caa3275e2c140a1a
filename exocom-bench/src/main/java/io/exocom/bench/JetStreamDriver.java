package io.exocom.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * NATS JetStream as ExoCom's durable peer: every message goes into a file-storage stream with one replica, interest
 * retention (a message is dropped once every consumer acked it, as ExoCom drops an acked copy), and durable push
 * consumers with explicit acks. Acks on both sides, as with ExoCom: a send counts once JetStream answered the
 * publish (ExoCom's {@code accepted}), and every delivery is acked by the consumer (ExoCom's {@code ack}).
 * Request/reply: requests into the stream, one queue consumer shared by the responder instances, replies into the
 * stream again, correlated by a header. The server's {@code sync_interval} (always, or its default) is set in its
 * configuration by {@link ServerProcess#jetStream}.
 */
final class JetStreamDriver implements Driver {
    private static final String CORRELATION = "Bench-Request";
    private static final AtomicLong CONSUMERS = new AtomicLong();

    private final String label;
    private final ServerProcess server;

    JetStreamDriver(String label, ServerProcess server) {
        this.label = label;
        this.server = server;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public ServerProcess server() {
        return server;
    }

    private Connection connect(String name) throws Exception {
        return Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + server.port).connectionName(name)
                .connectionTimeout(Duration.ofSeconds(10)).build());
    }

    /** A fresh stream for the subjects: nothing left from an earlier scenario sits in front of the measured traffic. */
    private static void stream(Connection connection, String name, String... subjects) throws Exception {
        JetStreamManagement management = connection.jetStreamManagement();
        try {
            management.deleteStream(name);
        } catch (io.nats.client.JetStreamApiException absent) {
            // first use
        }
        management.addStream(StreamConfiguration.builder().name(name).subjects(subjects)
                .storageType(StorageType.File).replicas(1).retentionPolicy(RetentionPolicy.Interest).build());
    }

    private static PushSubscribeOptions consumer(String stream, String durable, String group) {
        ConsumerConfiguration.Builder config = ConsumerConfiguration.builder().durable(durable)
                .ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofSeconds(60)).maxAckPending(10_000);
        if (group != null) {
            config.deliverGroup(group);
        }
        return PushSubscribeOptions.builder().stream(stream).configuration(config.build()).build();
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

    private static void failed(String what, Throwable error) {
        if (error != null) {
            System.err.println("bench: jetstream " + what + " failed: " + error);
        }
    }

    @Override
    public RequestReply openRequestReply(int responders, String payload) throws Exception {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        List<Connection> open = new ArrayList<>();
        try {
            Connection requester = connect("bench-client");
            open.add(requester);
            String streamName = "BENCH_RR";
            stream(requester, streamName, ExoComRaw.PING, ExoComRaw.PONG);
            long run = CONSUMERS.incrementAndGet();
            for (int i = 0; i < responders; i++) {
                Connection responder = connect("bench-echo-" + i);
                open.add(responder);
                JetStream js = responder.jetStream();
                Dispatcher dispatcher = responder.createDispatcher();
                js.subscribe(ExoComRaw.PING, "bench-echo", dispatcher, request -> {
                    Headers headers = new Headers().put(CORRELATION, request.getHeaders().getFirst(CORRELATION));
                    js.publishAsync(ExoComRaw.PONG, headers, body).whenComplete((ack, error) -> failed("reply", error));
                    request.ack();
                }, false, consumer(streamName, "bench-echo-" + run, "bench-echo"));
                responder.flush(Duration.ofSeconds(10));
            }
            JetStream js = requester.jetStream();
            Map<String, Runnable> waiting = new ConcurrentHashMap<>();
            Dispatcher dispatcher = requester.createDispatcher();
            js.subscribe(ExoComRaw.PONG, dispatcher, (Message reply) -> {
                Runnable done = waiting.remove(reply.getHeaders().getFirst(CORRELATION));
                reply.ack();
                if (done != null) {
                    done.run();
                }
            }, false, consumer(streamName, "bench-client-" + run, null));
            requester.flush(Duration.ofSeconds(10));
            AtomicLong ids = new AtomicLong();
            return new RequestReply() {
                @Override
                public void request(Runnable onReply) {
                    String id = Long.toString(ids.incrementAndGet());
                    waiting.put(id, onReply);
                    js.publishAsync(ExoComRaw.PING, new Headers().put(CORRELATION, id), body)
                            .whenComplete((ack, error) -> failed("request", error));
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
            Connection sender = connect("bench-client");
            open.add(sender);
            String streamName = "BENCH_FAN";
            stream(sender, streamName, ExoComRaw.FANOUT);
            long run = CONSUMERS.incrementAndGet();
            AtomicLongArray counts = new AtomicLongArray(receivers);
            for (int i = 0; i < receivers; i++) {
                Connection receiver = connect("bench-fan-" + (i + 1));
                open.add(receiver);
                int index = i;
                Dispatcher dispatcher = receiver.createDispatcher();
                receiver.jetStream().subscribe(ExoComRaw.FANOUT, dispatcher, message -> {
                    message.ack();
                    counts.incrementAndGet(index);
                }, false, consumer(streamName, "bench-fan-" + (i + 1) + "-" + run, null));
                receiver.flush(Duration.ofSeconds(10));
            }
            JetStream js = sender.jetStream();
            return new FanOut() {
                @Override
                public void send() {
                    js.publishAsync(ExoComRaw.FANOUT, body).whenComplete((ack, error) -> failed("send", error));
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

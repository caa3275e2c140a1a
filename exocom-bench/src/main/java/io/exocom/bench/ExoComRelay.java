package io.exocom.bench;

import io.exocom.relay.ExoRelay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/** ExoCom through the Java ExoRelay ({@code exorelay-client}): what a Java service gets. */
final class ExoComRelay implements Driver {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static int instances;

    private final String label;
    private final ServerProcess server;
    private final int port;

    ExoComRelay(String label, ServerProcess server) {
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

    private ExoRelay.Builder relay(String service) {
        synchronized (ExoComRelay.class) {
            instances++;
        }
        return ExoRelay.builder()
                .service(service)
                .instance(service + "-relay-" + instances)
                .host("127.0.0.1")
                .port(port)
                .prefetch(256)
                .requestTimeout(REQUEST_TIMEOUT)
                .closeGracePeriod(Duration.ofSeconds(5));
    }

    private static void start(ExoRelay relay) throws Exception {
        relay.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static void closeAll(List<ExoRelay> relays) {
        // receivers last: the requester's or sender's last messages are still acked
        for (int i = relays.size() - 1; i >= 0; i--) {
            relays.get(i).close();
        }
    }

    @Override
    public RequestReply openRequestReply(int responders, String payload) throws Exception {
        List<ExoRelay> open = new ArrayList<>();
        try {
            for (int i = 0; i < responders; i++) {
                ExoRelay responder = relay("bench-echo").build();
                responder.on(ExoComRaw.PING, (message, context) -> context.reply(ExoComRaw.PONG, payload));
                open.add(responder);
                start(responder);
            }
            ExoRelay requester = relay("bench-client").build();
            open.add(requester);
            start(requester);
            return new RequestReply() {
                @Override
                public void request(Runnable onReply) {
                    requester.request(ExoComRaw.PING, payload, REQUEST_TIMEOUT).whenComplete((reply, error) -> {
                        if (error != null) {
                            System.err.println("bench: exocom-relay request failed: " + error);
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
        List<ExoRelay> open = new ArrayList<>();
        try {
            AtomicLongArray counts = new AtomicLongArray(receivers);
            for (int i = 0; i < receivers; i++) {
                ExoRelay receiver = relay("bench-fan-" + (i + 1)).build();
                int index = i;
                receiver.on(ExoComRaw.FANOUT, (message, context) -> counts.incrementAndGet(index));
                open.add(receiver);
                start(receiver);
            }
            ExoRelay sender = relay("bench-client").build();
            open.add(sender);
            start(sender);
            return new FanOut() {
                @Override
                public void send() {
                    sender.send(ExoComRaw.FANOUT, payload).whenComplete((accepted, error) -> {
                        if (error != null) {
                            System.err.println("bench: exocom-relay send failed: " + error);
                        }
                    });
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

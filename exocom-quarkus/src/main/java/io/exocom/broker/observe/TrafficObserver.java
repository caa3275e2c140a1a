package io.exocom.broker.observe;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.BrokerListener;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.core.Instance;
import io.exocom.broker.store.DeadLetter;
import io.exocom.protocol.ProtocolException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Turns broker events into metrics and the traffic log. Counters are looked up once per (service, name) and
 * cached, so the hot path costs a map lookup and an increment.
 */
public final class TrafficObserver implements BrokerListener {
    private static final Logger TRAFFIC = Logger.getLogger("exocom.traffic");
    private static final Logger LOG = Logger.getLogger(TrafficObserver.class);

    private final MeterRegistry registry;
    private final boolean logMessages;
    private final Timer latency;
    private final Counter evicted;
    private final Map<Key, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<Key, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<Key, Counter> delivered = new ConcurrentHashMap<>();
    private final Map<Key, Counter> redelivered = new ConcurrentHashMap<>();
    private final Map<Key, Counter> deadLettered = new ConcurrentHashMap<>();

    private record Key(String first, String second) {
    }

    public TrafficObserver(MeterRegistry registry, boolean logMessages) {
        this.registry = registry;
        this.logMessages = logMessages;
        this.latency = Timer.builder("exocom.delivery.latency")
                .description("Time from acceptance of a message to its first delivery to an instance")
                .publishPercentileHistogram()
                .register(registry);
        this.evicted = Counter.builder("exocom.dead.letters.evicted")
                .description("Dead letters dropped because the dead-letter store was full")
                .register(registry);
    }

    @Override
    public void accepted(AcceptedMessage message, int copies) {
        counter(accepted, new Key(message.sender(), message.name()), key -> Counter.builder("exocom.messages.accepted")
                .description("Messages accepted, by sending service and name")
                .tag("service", key.first()).tag("name", key.second()).register(registry)).increment();
    }

    @Override
    public void rejected(String service, String name, ProtocolException rejection) {
        counter(rejected, new Key(service, rejection.code().wire()), key -> Counter.builder("exocom.messages.rejected")
                .description("Messages rejected, by sending service and code")
                .tag("service", key.first()).tag("code", key.second()).register(registry)).increment();
        LOG.warnf("rejected %s from %s: %s: %s", name, service, rejection.code().wire(), rejection.getMessage());
    }

    @Override
    public void delivered(Delivery delivery, Instance instance) {
        AcceptedMessage message = delivery.message();
        Key key = new Key(delivery.service(), message.name());
        if (delivery.attempts() == 1) {
            counter(delivered, key, k -> Counter.builder("exocom.messages.delivered")
                    .description("First deliveries, by receiving service and name")
                    .tag("service", k.first()).tag("name", k.second()).register(registry)).increment();
            latency.record(System.nanoTime() - message.acceptedNanos(), TimeUnit.NANOSECONDS);
        } else {
            counter(redelivered, key, k -> Counter.builder("exocom.messages.redelivered")
                    .description("Deliveries after the first, by receiving service and name")
                    .tag("service", k.first()).tag("name", k.second()).register(registry)).increment();
        }
        if (logMessages) {
            TRAFFIC.infof("%s %s from %s -> %s (attempt %d, id %s)", message.isReply() ? "reply" : "command",
                    message.name(), message.sender(), instance, delivery.attempts(), message.id());
        }
    }

    @Override
    public void deadLettered(DeadLetter letter) {
        Delivery delivery = letter.delivery();
        counter(deadLettered, new Key(delivery.service(), delivery.message().name()), k -> Counter.builder("exocom.messages.dead.lettered")
                .description("Copies that became dead letters, by receiving service and name")
                .tag("service", k.first()).tag("name", k.second()).register(registry)).increment();
        LOG.warnf("dead letter %s: %s from %s for service %s (id %s): %s", letter.key(), delivery.message().name(),
                delivery.message().sender(), delivery.service(), delivery.id(), letter.reason());
    }

    @Override
    public void deadLetterEvicted(DeadLetter letter) {
        evicted.increment();
        LOG.errorf("dead-letter store full: dropped the oldest dead letter %s (%s for service %s, id %s); "
                        + "raise exocom.max-dead-letters or replay dead letters sooner", letter.key(),
                letter.delivery().message().name(), letter.delivery().service(), letter.delivery().id());
    }

    private static Counter counter(Map<Key, Counter> cache, Key key, Function<Key, Counter> create) {
        Counter counter = cache.get(key);
        return counter != null ? counter : cache.computeIfAbsent(key, create);
    }
}

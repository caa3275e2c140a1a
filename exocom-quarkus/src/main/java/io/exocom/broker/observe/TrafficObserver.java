package io.exocom.broker.observe;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.BrokerListener;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.core.Instance;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.wire.LogText;
import io.exocom.protocol.ProtocolException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Turns broker events into metrics and the traffic log. Counters are looked up once per (service, name) and
 * cached, so the hot path costs a map lookup and an increment. Rejections are logged, but at most a few lines per
 * service and code every ten seconds: a sender retrying a refused message in a loop must not fill the log.
 */
public final class TrafficObserver implements BrokerListener {
    private static final Logger TRAFFIC = Logger.getLogger("exocom.traffic");
    private static final Logger LOG = Logger.getLogger(TrafficObserver.class);
    private static final int WARNINGS_PER_INTERVAL = 5;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MeterRegistry registry;
    private final boolean logMessages;
    private final Timer latency;
    private final Counter evicted;
    private final Map<Key, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<Key, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<Key, Counter> delivered = new ConcurrentHashMap<>();
    private final Map<Key, Counter> redelivered = new ConcurrentHashMap<>();
    private final Map<Key, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, Counter> repliesDropped = new ConcurrentHashMap<>();
    private final Map<Key, Window> rejectionLog = new ConcurrentHashMap<>();
    private volatile Alarms alarms;

    private record Key(String first, String second) {
    }

    /** How many rejection lines one (service, code) wrote in the current interval. */
    private static final class Window {
        long start = System.nanoTime();
        int written;
        final AtomicLong suppressed = new AtomicLong();
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

    /** @param name the message name, or null when the frame could not be read that far */
    /** Where forbidden sends and replies to unknown commands count towards their alarms. */
    public void alarms(Alarms alarms) {
        this.alarms = alarms;
    }

    @Override
    public void rejected(String service, String name, ProtocolException rejection) {
        Alarms alarms = this.alarms;
        if (alarms != null && rejection.code() == io.exocom.protocol.ErrorCode.FORBIDDEN) {
            alarms.suspicious(Alarms.Alarm.FORBIDDEN_SENDS, service, service, rejection.getMessage());
        } else if (alarms != null && rejection.code() == io.exocom.protocol.ErrorCode.UNKNOWN_COMMAND) {
            alarms.suspicious(Alarms.Alarm.UNKNOWN_COMMAND_REPLIES, service, service, rejection.getMessage());
        }
        Key key = new Key(service, rejection.code().wire());
        counter(rejected, key, k -> Counter.builder("exocom.messages.rejected")
                .description("Messages rejected, by sending service and code")
                .tag("service", k.first()).tag("code", k.second()).register(registry)).increment();
        Window window = rejectionLog.computeIfAbsent(key, k -> new Window());
        long suppressedBefore;
        synchronized (window) {
            long now = System.nanoTime();
            if (now - window.start > INTERVAL_NANOS) {
                window.start = now;
                window.written = 0;
                suppressedBefore = window.suppressed.getAndSet(0);
            } else {
                suppressedBefore = 0;
            }
            if (window.written >= WARNINGS_PER_INTERVAL) {
                window.suppressed.incrementAndGet();
                return;
            }
            window.written++;
        }
        String what = name == null ? "a message" : name;
        String id = rejection.messageId() == null ? "" : " (id " + LogText.quote(rejection.messageId()) + ")";
        LOG.warnf("rejected %s%s from %s: %s: %s%s", what, id, service, rejection.code().wire(), rejection.getMessage(),
                suppressedBefore > 0 ? " [" + suppressedBefore + " more " + rejection.code().wire() + " rejections of "
                        + service + " were not logged]" : "");
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
                    message.name(), message.sender(), instance, delivery.attempts(), LogText.quote(delivery.deliveredId()));
        }
    }

    @Override
    public void deadLettered(DeadLetter letter) {
        Delivery delivery = letter.delivery();
        counter(deadLettered, new Key(delivery.service(), delivery.message().name()), k -> Counter.builder("exocom.messages.dead.lettered")
                .description("Copies that became dead letters, by receiving service and name")
                .tag("service", k.first()).tag("name", k.second()).register(registry)).increment();
        LOG.warnf("dead letter %s: %s from %s for service %s (id %s): %s", letter.key(), delivery.message().name(),
                delivery.message().sender(), delivery.service(), LogText.quote(delivery.idForViews()),
                LogText.quote(letter.reason()));
    }

    @Override
    public void deadLetterEvicted(DeadLetter letter) {
        evicted.increment();
        LOG.errorf("dead-letter store full: dropped the oldest dead letter %s (%s for service %s, id %s); "
                        + "raise EXOCOM_MAX_DEAD_LETTERS or EXOCOM_MAX_DEAD_LETTER_BYTES, or replay dead letters sooner",
                letter.key(), letter.delivery().message().name(), letter.delivery().service(),
                LogText.quote(letter.delivery().idForViews()));
    }

    @Override
    public void replyDropped(Delivery reply, String reason) {
        repliesDropped.computeIfAbsent(reply.service(), service -> Counter.builder("exocom.replies.dropped")
                .description("Replies that had nowhere to go: their command came over HTTP and nobody waited for them")
                .tag("service", service).register(registry)).increment();
        LOG.debugf("reply %s from %s to service %s dropped: %s", reply.message().name(), reply.message().sender(),
                reply.service(), reason);
    }

    @Override
    public void idRewritten(Delivery copy, String senderId) {
        LOG.infof("command %s from %s goes to service %s as id %s: its id %s was still open there for another "
                        + "sender's command", copy.message().name(), copy.message().sender(), copy.service(),
                LogText.quote(copy.deliveredId()), LogText.quote(senderId));
    }

    private static Counter counter(Map<Key, Counter> cache, Key key, Function<Key, Counter> create) {
        Counter counter = cache.get(key);
        return counter != null ? counter : cache.computeIfAbsent(key, create);
    }
}

package io.exocom.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** The scenarios of issue 5, each driving a {@link Driver} with bounded loops. */
final class Scenarios {
    private static final long REPLY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private Scenarios() {
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    }

    /**
     * The CPU time of this process, the harness, so far: its clients (the relays, jnats, the raw client: requester,
     * responders, sender and receivers together) and the small loop that drives them, which is the same for every
     * system. Per request it is what the client side costs, as broker CPU is what the broker costs.
     */
    private static double clientCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static void latencies(Result result, Histogram h) {
        result.put("p50 µs", h.getValueAtPercentile(50) / 1e3)
                .put("p90 µs", h.getValueAtPercentile(90) / 1e3)
                .put("p99 µs", h.getValueAtPercentile(99) / 1e3)
                .put("p99.9 µs", h.getValueAtPercentile(99.9) / 1e3)
                .put("mean µs", h.getMean() / 1e3);
    }

    /** (1) One requester, one responder, one request at a time: latency after warm-up. */
    static Result roundTrip(Driver driver, String payloadName, String payload, int warmup, int measured) throws Exception {
        Result result = new Result("round-trip", payloadName, driver.label());
        Histogram h = histogram();
        double cpu;
        double client;
        try (Driver.RequestReply rr = driver.openRequestReply(1, payload)) {
            Thread main = Thread.currentThread();
            AtomicLong answered = new AtomicLong();
            double cpuFrom = Double.NaN;
            double clientFrom = Double.NaN;
            for (int i = 0; i < warmup + measured; i++) {
                if (i == warmup) {
                    cpuFrom = driver.server().cpuSeconds();
                    clientFrom = clientCpuSeconds();
                }
                long before = answered.get();
                long start = System.nanoTime();
                rr.request(() -> {
                    answered.incrementAndGet();
                    LockSupport.unpark(main);
                });
                long deadline = start + REPLY_WAIT_NANOS;
                while (answered.get() == before) {
                    LockSupport.parkNanos(1_000_000);
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no reply within 30 s to request " + (i + 1));
                    }
                }
                long took = System.nanoTime() - start;
                if (i >= warmup) {
                    h.recordValue(Math.min(took, h.getHighestTrackableValue()));
                }
            }
            cpu = (driver.server().cpuSeconds() - cpuFrom) * 1e6 / measured;
            client = (clientCpuSeconds() - clientFrom) * 1e6 / measured;
        }
        latencies(result, h);
        result.put("broker CPU µs/req", cpu);
        result.put("client CPU µs/req", client);
        result.put("count", h.getTotalCount());
        return result;
    }

    /** (2) Many requests in flight against several responder instances: requests/s and latency. */
    static Result throughput(Driver driver, String payloadName, String payload, int inFlight, int responders,
                             double warmupSeconds, double measureSeconds) throws Exception {
        Result result = new Result("throughput", payloadName, driver.label());
        Histogram h = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong completedInWindow = new AtomicLong();
        double cpu;
        double client;
        try (Driver.RequestReply rr = driver.openRequestReply(responders, payload)) {
            Semaphore slots = new Semaphore(inFlight);
            long begin = System.nanoTime();
            long measureFrom = begin + (long) (warmupSeconds * 1e9);
            long measureTo = measureFrom + (long) (measureSeconds * 1e9);
            double cpuFrom = Double.NaN;
            double cpuTo = Double.NaN;
            double clientFrom = Double.NaN;
            double clientTo = Double.NaN;
            while (true) {
                long now = System.nanoTime();
                if (Double.isNaN(cpuFrom) && now >= measureFrom) {
                    cpuFrom = driver.server().cpuSeconds();
                    clientFrom = clientCpuSeconds();
                }
                if (now >= measureTo) {
                    cpuTo = driver.server().cpuSeconds();
                    clientTo = clientCpuSeconds();
                    break;
                }
                if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no reply within 30 s with " + inFlight + " requests in flight");
                }
                long start = System.nanoTime();
                rr.request(() -> {
                    long end = System.nanoTime();
                    if (start >= measureFrom && end <= measureTo) {
                        completedInWindow.incrementAndGet();
                        h.recordValue(Math.min(end - start, h.getHighestTrackableValue()));
                    } else if (end >= measureFrom && end <= measureTo) {
                        completedInWindow.incrementAndGet();
                    }
                    slots.release();
                });
            }
            // let what is in flight finish before the clients close
            if (!slots.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
                System.err.println("bench: " + driver.label() + ": requests still unanswered after 30 s");
            }
            result.put("req/s", completedInWindow.get() / measureSeconds);
            cpu = (cpuTo - cpuFrom) * 1e6 / Math.max(1, completedInWindow.get());
            client = (clientTo - clientFrom) * 1e6 / Math.max(1, completedInWindow.get());
        }
        latencies(result, h);
        result.put("broker CPU µs/req", cpu);
        result.put("client CPU µs/req", client);
        result.put("count", completedInWindow.get());
        return result;
    }

    /** (3) One sender, several receiving services: deliveries/s counted at the receivers. */
    static Result fanOut(Driver driver, String payloadName, String payload, int receivers, int window,
                         double warmupSeconds, double measureSeconds) throws Exception {
        Result result = new Result("fan-out", payloadName, driver.label());
        try (Driver.FanOut fan = driver.openFanOut(receivers, payload)) {
            long sent = 0;
            long begin = System.nanoTime();
            long measureFrom = begin + (long) (warmupSeconds * 1e9);
            long measureTo = measureFrom + (long) (measureSeconds * 1e9);
            long deliveredAtStart = -1;
            double cpuFrom = Double.NaN;
            double cpuTo = Double.NaN;
            double clientFrom = Double.NaN;
            double clientTo = Double.NaN;
            long stalledSince = 0;
            while (true) {
                long now = System.nanoTime();
                if (deliveredAtStart < 0 && now >= measureFrom) {
                    deliveredAtStart = sum(fan.received());
                    cpuFrom = driver.server().cpuSeconds();
                    clientFrom = clientCpuSeconds();
                }
                if (now >= measureTo) {
                    cpuTo = driver.server().cpuSeconds();
                    clientTo = clientCpuSeconds();
                    break;
                }
                if (sent - min(fan.received()) < window) {
                    fan.send();
                    sent++;
                    stalledSince = 0;
                } else {
                    if (stalledSince == 0) {
                        stalledSince = now;
                    } else if (now - stalledSince > REPLY_WAIT_NANOS) {
                        throw new IllegalStateException("receivers got nothing for 30 s");
                    }
                    LockSupport.parkNanos(20_000);
                }
            }
            long delivered = sum(fan.received()) - Math.max(0, deliveredAtStart);
            result.put("msgs/s", delivered / measureSeconds);
            result.put("broker CPU µs/msg", (cpuTo - cpuFrom) * 1e6 / Math.max(1, delivered));
            result.put("client CPU µs/msg", (clientTo - clientFrom) * 1e6 / Math.max(1, delivered));
            // drain before closing, bounded
            long drainUntil = System.nanoTime() + REPLY_WAIT_NANOS;
            while (min(fan.received()) < sent && System.nanoTime() < drainUntil) {
                LockSupport.parkNanos(1_000_000);
            }
            result.put("sent", sent).put("count", delivered).put("delivered to each", min(fan.received()));
        }
        return result;
    }

    private static long sum(long[] values) {
        long sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum;
    }

    private static long min(long[] values) {
        long min = Long.MAX_VALUE;
        for (long v : values) {
            min = Math.min(min, v);
        }
        return min;
    }

    /** A connection of the scale scenario: opens, registers (subscribes) and stays open. */
    interface Connector {
        AutoCloseable open(int index) throws Exception;
    }

    /** (4) {@code connections} clients connect and register; broker RSS before and after, and time until all were. */
    static Result scale(ServerProcess server, Connector connector, int connections, int threads) throws Exception {
        Result result = new Result("scale", "-", server.label);
        double idle = server.rssMiB();
        List<AutoCloseable> open = Collections.synchronizedList(new ArrayList<>(connections));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < connections) {
                        open.add(connector.open(i));
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }
            double millis = (System.nanoTime() - start) / 1e6;
            Thread.sleep(1000); // let the broker settle before reading its memory
            double loaded = server.rssMiB();
            result.put("connections", open.size())
                    .put("register all ms", millis)
                    .put("RSS before MiB", idle)
                    .put("RSS connected MiB", loaded)
                    .put("KiB/connection", (loaded - idle) * 1024 / connections);
        } finally {
            pool.shutdownNow();
            for (AutoCloseable connection : open) {
                try {
                    connection.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
        return result;
    }

    static Connector exocomConnector(int port) {
        return i -> ExoComRaw.register(port, "bench-scale", "scale-" + i, 16, 30_000);
    }

    static Connector natsConnector(int port) {
        return i -> {
            Socket socket = NatsRaw.connect(port, "scale-" + i, "bench.scale", 30_000);
            return socket;
        };
    }
}

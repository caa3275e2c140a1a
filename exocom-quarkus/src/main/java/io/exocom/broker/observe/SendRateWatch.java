package io.exocom.broker.observe;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The send-rate alarm: once a second, each service's sends in the last second against its recent normal (an
 * exponentially weighted average over {@code EXOCOM_SEND_RATE_BASELINE}). A rate above {@code factor} times the
 * normal, and above {@code minimum} sends per second, raises the alarm once the service has been watched for a
 * whole baseline, so that a service's first burst after it starts is not mistaken for an attack. The spike itself
 * is not folded into the normal, so a lasting flood keeps alarming instead of becoming the new normal at once.
 */
public final class SendRateWatch implements Runnable {
    private final Supplier<Map<String, Long>> sentSoFar;
    private final Alarms alarms;
    private final double factor;
    private final double minimum;
    private final long baselineNanos;
    private final Map<String, Normal> normals = new HashMap<>();

    private static final class Normal {
        long lastCount;
        long lastNanos;
        long watchedSinceNanos;
        double perSecond;
    }

    public SendRateWatch(Supplier<Map<String, Long>> sentSoFar, Alarms alarms, double factor, double minimum, long baselineNanos) {
        this.sentSoFar = sentSoFar;
        this.alarms = alarms;
        this.factor = factor;
        this.minimum = minimum;
        this.baselineNanos = baselineNanos;
    }

    @Override
    public synchronized void run() {
        long now = System.nanoTime();
        sentSoFar.get().forEach((service, count) -> {
            Normal normal = normals.get(service);
            if (normal == null) {
                normal = new Normal();
                normal.lastCount = count;
                normal.lastNanos = now;
                normal.watchedSinceNanos = now;
                normals.put(service, normal);
                return;
            }
            double seconds = (now - normal.lastNanos) / 1e9;
            if (seconds < 0.2) {
                return;
            }
            double rate = (count - normal.lastCount) / seconds;
            normal.lastCount = count;
            normal.lastNanos = now;
            boolean warmedUp = now - normal.watchedSinceNanos >= baselineNanos;
            if (warmedUp && rate > minimum && rate > factor * normal.perSecond) {
                alarms.raise(Alarms.Alarm.SEND_RATE, service, service, String.format("service %s sent %.0f messages per "
                        + "second, more than %.0f times its recent normal of %.1f per second", service, rate, factor,
                        normal.perSecond));
                return;
            }
            double weight = Math.min(1, seconds * 1e9 / baselineNanos);
            normal.perSecond += weight * (rate - normal.perSecond);
        });
    }
}

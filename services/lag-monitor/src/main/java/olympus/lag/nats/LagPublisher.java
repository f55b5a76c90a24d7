package olympus.lag.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.PublishOptions;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import olympus.wire.ReplicaLagSampled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Publishes off the sampling thread, so a slow or absent NATS never delays a measurement.
 *
 * <p>Delivery guarantees:
 * <ul>
 *   <li><b>State changes</b> ({@code olympus.lag.<region>.state}): at least once, in order, into
 *       the region's origin stream (JetStream publish, message id = event id, so a retry after a
 *       lost ack is de-duplicated). Kept in memory until acknowledged and retried every second
 *       across a NATS outage; bounded at {@value #MAX_PENDING_STATES} (oldest dropped, counted).
 *       A monitor killed with unpublished changes loses them; its successor publishes the state it
 *       finds as its first change, so readers converge.</li>
 *   <li><b>Samples</b> ({@code olympus.lag.<region>.sample}) and the KV {@code olympus_lag}: latest
 *       wins, at most once. A sample that could not be published is superseded by the next one
 *       an interval later; an old sample is worth nothing (it would read STALE anyway).</li>
 * </ul>
 */
public final class LagPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LagPublisher.class);
    static final int MAX_PENDING_STATES = 1000;

    private final String region;
    private final EventCodec codec = new EventCodec();
    private final JetStream js;
    private final KeyValue lagKv;
    private final BiConsumer<String, String> outcome;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lag-publisher");
        t.setDaemon(true);
        return t;
    });
    private final Deque<ReplicaLagSampled> pendingStates = new ArrayDeque<>();
    private final Map<String, ReplicaLagSampled> pendingSamples = new ConcurrentHashMap<>();

    /** {@code outcome} receives (kind, result) for metrics: kind sample|kv|state, result ok|error|dropped. */
    public LagPublisher(Connection nc, String region, Duration timeout, BiConsumer<String, String> outcome) throws java.io.IOException {
        this.region = region;
        this.outcome = outcome;
        this.js = nc.jetStream(JetStreamOptions.builder().requestTimeout(timeout).build());
        this.lagKv = nc.keyValue(Naming.LAG_BUCKET, KeyValueOptions.builder()
                .jetStreamOptions(JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).requestTimeout(timeout).build()).build());
        thread.scheduleWithFixedDelay(this::drainQuietly, 1, 1, TimeUnit.SECONDS);
    }

    public void offerSample(ReplicaLagSampled s) {
        pendingSamples.put(s.replica(), s);
        thread.execute(this::drainQuietly);
    }

    public void offerStateChange(ReplicaLagSampled s) {
        synchronized (pendingStates) {
            if (pendingStates.size() >= MAX_PENDING_STATES) {
                pendingStates.removeFirst();
                outcome.accept("state", "dropped");
            }
            pendingStates.addLast(s);
        }
        thread.execute(this::drainQuietly);
    }

    public int pendingStateChanges() {
        synchronized (pendingStates) {
            return pendingStates.size();
        }
    }

    private void drainQuietly() {
        try {
            drain();
        } catch (RuntimeException e) {
            LOG.warn("publishing failed: {}", e.toString());
        }
    }

    private void drain() {
        while (true) {
            ReplicaLagSampled next;
            synchronized (pendingStates) {
                next = pendingStates.peekFirst();
            }
            if (next == null) {
                break;
            }
            try {
                js.publish(Naming.subject(Family.LAG, region, "state"), codec.encode(next),
                        PublishOptions.builder().messageId(next.eventId()).build());
                synchronized (pendingStates) {
                    pendingStates.remove(next);
                }
                outcome.accept("state", "ok");
            } catch (Exception e) {
                // Keep it, and everything after it, for the next round: order matters to readers.
                outcome.accept("state", "error");
                break;
            }
        }
        for (String replica : pendingSamples.keySet()) {
            ReplicaLagSampled s = pendingSamples.remove(replica);
            if (s == null) {
                continue;
            }
            byte[] bytes = codec.encode(s);
            js.publishAsync(Naming.subject(Family.LAG, region, "sample"), bytes,
                    PublishOptions.builder().messageId(s.eventId()).build())
                    .whenComplete((ack, err) -> outcome.accept("sample", err == null ? "ok" : "error"));
            try {
                lagKv.put(s.replica(), bytes);
                outcome.accept("kv", "ok");
            } catch (Exception e) {
                // A region cut off from the control cluster has no quorum: expected, latest wins later.
                outcome.accept("kv", "error");
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

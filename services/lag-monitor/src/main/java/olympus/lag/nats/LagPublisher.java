package olympus.lag.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
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
 *   <li><b>Samples</b> ({@code olympus.lag.<region>.sample}): every sample, core NATS publish with
 *       the msg id header (the origin stream captures it), latest wins, at most once. A sample
 *       that could not be published is superseded by the next one an interval later; an old
 *       sample is worth nothing (it would read STALE anyway).</li>
 *   <li><b>KV {@code olympus_lag}</b>: latest wins, at most once; written at once on a change of
 *       state, primary or epoch, otherwise at most once a second per replica.</li>
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
    /** Per replica, the last sample written to the KV (publisher thread only). */
    private final Map<String, KvMark> kvMarks = new java.util.HashMap<>();
    private final Connection nc;
    private final String sampleSubject;
    private final String stateSubject;

    /** The KV entry is rewritten at most this often per replica unless the state, primary or epoch changed. */
    static final long KV_EVERY_MS = 1000;
    private static final long KV_EVERY_NANOS = KV_EVERY_MS * 1_000_000L;

    private record KvMark(long atNanos, String state, long epoch, String primary) {}

    /** {@code outcome} receives (kind, result) for metrics: kind sample|kv|state, result ok|error|dropped. */
    public LagPublisher(Connection nc, String region, Duration timeout, BiConsumer<String, String> outcome) throws java.io.IOException {
        this.region = region;
        this.outcome = outcome;
        this.nc = nc;
        this.sampleSubject = Naming.subject(Family.LAG, region, "sample");
        this.stateSubject = Naming.subject(Family.LAG, region, "state");
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
                js.publish(stateSubject, codec.encode(next),
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
            // Core NATS publish: the origin stream captures the subject all the same, and the
            // msg id header keeps its de-duplication; what is saved is a PubAck per sample (an
            // inbox message to parse and a future to complete, ten times a second). Samples are
            // at most once anyway: nothing would retry on a missing ack.
            try {
                Headers h = new Headers().put(NatsJetStreamConstants.MSG_ID_HDR, s.eventId());
                nc.publish(sampleSubject, h, bytes);
                outcome.accept("sample", "ok");
            } catch (RuntimeException e) {
                outcome.accept("sample", "error");
            }
            // The KV holds the latest sample for readers that start (the session-router warms from
            // it, then follows the subject). A put is a JetStream request to the control domain,
            // so it is written at most every KV_EVERY_MS per replica, and at once when the state
            // or the primary/epoch changed; otherwise the entry is under a second older than the
            // subject's newest sample.
            KvMark last = kvMarks.get(replica);
            long now = System.nanoTime();
            if (last != null && now - last.atNanos() < KV_EVERY_NANOS && last.state().equals(s.state())
                    && last.epoch() == s.epoch() && java.util.Objects.equals(last.primary(), s.primary())) {
                continue;
            }
            try {
                lagKv.put(s.replica(), bytes);
                kvMarks.put(replica, new KvMark(now, s.state(), s.epoch(), s.primary()));
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

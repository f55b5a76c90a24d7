package olympus.revocation.nats;

import io.nats.client.Message;
import olympus.revocation.Metrics;
import olympus.revocation.core.ApplyDecision;
import olympus.revocation.core.ApplyPlanner;
import olympus.revocation.core.Failures;
import olympus.revocation.core.Mutation;
import olympus.revocation.redis.RedisDenylist;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a batch of view-stream messages to Redis in one pipeline and settles each message:
 * ack once its mutation is in Redis (or it needs none), term after dead-lettering a poison
 * message, nak with delay when Redis failed. Acking only after Redis replied is what makes a
 * crash mid-batch lose nothing: unacked messages are redelivered, and re-applying is a no-op.
 */
public final class BatchApplier {
    private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    private final ApplyPlanner planner;
    private final RedisDenylist redis;
    private final DeadLetters deadLetters;
    private final Metrics metrics;
    private final Clock clock;

    public BatchApplier(ApplyPlanner planner, RedisDenylist redis, DeadLetters deadLetters, Metrics metrics, Clock clock) {
        this.planner = planner;
        this.redis = redis;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Live path (durable consumer): settles every message. */
    public void applyLive(List<Message> batch) {
        Instant now = clock.instant();
        List<Mutation> mutations = new ArrayList<>(batch.size());
        List<Message> toAck = new ArrayList<>(batch.size());
        for (Message m : batch) {
            ApplyDecision d = planner.plan(m.getData(), now);
            switch (d.outcome()) {
                case POISON -> {
                    LOG.warn("dead-lettering {} seq {}: {}", m.getSubject(), seq(m), d.reason());
                    deadLetters.send(m, d.reason());
                    metrics.deadLettered(rejection(d.reason()));
                    m.term();
                }
                case SKIP_EXPIRED -> {
                    metrics.applied("unknown", "expired");
                    m.ack();
                }
                case APPLY -> {
                    mutations.add(d.mutation());
                    toAck.add(m);
                }
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {} from seq {}: {} to apply, {} poison or expired", batch.size(), seq(batch.get(0)),
                    mutations.size(), batch.size() - mutations.size());
        }
        List<Boolean> results;
        try {
            results = redis.apply(mutations);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            toAck.forEach(m -> m.nakWithDelay(RETRY_DELAY));
            return;
        } catch (Exception e) {
            // Only transient failures reach here (poison was sorted out above), but decide in the
            // one tested place anyway.
            Failures.Kind k = Failures.classify(e);
            LOG.warn("applying {} events to Redis failed ({}), nak with {} delay: {}", mutations.size(), k, RETRY_DELAY,
                    e.toString());
            for (int i = 0; i < toAck.size(); i++) {
                metrics.applied(mutations.get(i).kind(), "retried");
                toAck.get(i).nakWithDelay(RETRY_DELAY);
            }
            return;
        }
        Instant applied = clock.instant();
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {}: {} mutations, {} applied now, first seq {}", batch.size(), mutations.size(),
                    results.stream().filter(b -> b).count(), seq(batch.get(0)));
        }
        for (int i = 0; i < toAck.size(); i++) {
            Mutation mu = mutations.get(i);
            toAck.get(i).ack();
            metrics.applied(mu.kind(), results.get(i) ? "applied" : "duplicate");
            if (results.get(i)) {
                metrics.propagated(mu.originRegion(), Duration.ofMillis(applied.toEpochMilli() - mu.occurredAtMillis()));
            }
        }
    }

    /** Replay path (rebuild, ordered consumer without acks). Returns how many were applied now. */
    public int applyReplay(List<Message> batch) throws Exception {
        Instant now = clock.instant();
        List<Mutation> mutations = new ArrayList<>(batch.size());
        for (Message m : batch) {
            ApplyDecision d = planner.plan(m.getData(), now);
            if (d.outcome() == ApplyDecision.Outcome.APPLY) {
                mutations.add(d.mutation());
            }
        }
        int n = 0;
        for (boolean b : redis.apply(mutations)) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static long seq(Message m) {
        return m.isJetStream() ? m.metaData().streamSequence() : -1;
    }

    /** The rejection name the planner put first in the reason ("TOO_LARGE: ..."), as a bounded label. */
    static String rejection(String reason) {
        int i = reason.indexOf(':');
        String r = i > 0 ? reason.substring(0, i) : "OTHER";
        return r.matches("[A-Z_]{1,32}") ? r : "OTHER";
    }
}

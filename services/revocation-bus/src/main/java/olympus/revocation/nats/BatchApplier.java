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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

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

    /** A delivered message with what applying it means, decided off the apply thread. */
    public record Planned(Message message, ApplyDecision decision) {}

    /** Decodes and plans one message; pure CPU work, done on the NATS dispatcher thread. */
    public Planned plan(Message m) {
        return new Planned(m, planner.plan(m.getData(), clock.instant()));
    }

    /**
     * Live path (durable consumer): settles every message. Poison and expired messages are settled
     * at once; the rest are sent to Redis as one pipeline without waiting, and acked (or nak'ed)
     * on {@code settleOn} once Redis replied. The future completes when every message is settled.
     */
    public CompletableFuture<Void> applyLive(List<Planned> batch, Executor settleOn) {
        List<Mutation> mutations = new ArrayList<>(batch.size());
        List<Message> toAck = new ArrayList<>(batch.size());
        for (Planned p : batch) {
            Message m = p.message();
            ApplyDecision d = p.decision();
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
            LOG.debug("batch of {} from seq {}: {} to apply, {} poison or expired", batch.size(),
                    seq(batch.get(0).message()), mutations.size(), batch.size() - mutations.size());
        }
        if (mutations.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return redis.applyAsync(mutations, settleOn).handleAsync((results, err) -> {
            if (err != null) {
                nakAll(mutations, toAck, err);
            } else {
                ackAll(mutations, toAck, results);
            }
            return null;
        }, settleOn);
    }

    private void nakAll(List<Mutation> mutations, List<Message> toAck, Throwable e) {
        // Only transient failures reach here (poison was sorted out above), but decide in the
        // one tested place anyway.
        Failures.Kind k = Failures.classify(e);
        LOG.warn("applying {} events to Redis failed ({}), nak with {} delay: {}", mutations.size(), k, RETRY_DELAY,
                e.toString());
        for (int i = 0; i < toAck.size(); i++) {
            metrics.applied(mutations.get(i).kind(), "retried");
            toAck.get(i).nakWithDelay(RETRY_DELAY);
        }
    }

    private void ackAll(List<Mutation> mutations, List<Message> toAck, List<Boolean> results) {
        long applied = clock.millis();
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {} mutations, {} applied now, first seq {}", mutations.size(),
                    results.stream().filter(b -> b).count(), seq(toAck.get(0)));
        }
        for (int i = 0; i < toAck.size(); i++) {
            Mutation mu = mutations.get(i);
            toAck.get(i).ack();
            boolean now = results.get(i);
            metrics.applied(mu.kind(), now ? "applied" : "duplicate");
            if (now) {
                metrics.propagated(mu.originRegion(), Duration.ofMillis(applied - mu.occurredAtMillis()));
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

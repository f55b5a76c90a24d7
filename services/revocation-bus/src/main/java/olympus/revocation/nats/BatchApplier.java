package olympus.revocation.nats;

import io.nats.client.Message;
import olympus.revocation.Metrics;
import olympus.revocation.core.ApplyDecision;
import olympus.revocation.core.ApplyPlanner;
import olympus.revocation.core.EventBatch;
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

/**
 * Applies a batch of view-stream messages (each holding one or more events) to Redis in one
 * script call and settles each message: ack once its events are in Redis (or it needs no write),
 * term a message of poison events only, nak with delay when Redis failed. Acking only after Redis replied is what makes a
 * crash mid-batch lose nothing: unacked messages are redelivered, and re-applying is a no-op.
 */
public final class BatchApplier {
    private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    /** Meter label of events from the view stream's durable consumer. */
    public static final String PATH_STREAM = "stream";
    /** Meter label of events from an express copy (ExpressFanout). */
    public static final String PATH_EXPRESS = "express";

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

    /**
     * A delivered message with what applying each of its events means, decided off the apply
     * thread. {@code events} and {@code decisions} run in parallel, one per event of the message.
     */
    public record Planned(Message message, List<byte[]> events, List<ApplyDecision> decisions) {
        public int size() {
            return decisions.size();
        }
    }

    /** A poison event, dead-lettered once its message is settled. */
    private record Poison(Message message, byte[] event, String reason) {}

    /** Decodes and plans every event of one message; pure CPU work, done on the NATS dispatcher thread. */
    public Planned plan(Message m) {
        List<byte[]> events = EventBatch.split(m.getData());
        Instant now = clock.instant();
        List<ApplyDecision> ds = new ArrayList<>(events.size());
        for (byte[] e : events) {
            ds.add(planner.plan(e, now));
        }
        return new Planned(m, events, ds);
    }

    /**
     * Live path (durable consumer): settles every message. A message with nothing to write
     * (poison or expired events only) is settled at once: acked, or termed if all its events are
     * poison. The rest go to Redis as one script call without waiting, and their messages are
     * acked (or nak'ed) once Redis replied, on the thread that saw the reply. Poison events of a message are
     * dead-lettered when it is settled, not before, so a nak'ed and redelivered message does not
     * dead-letter them twice. The future completes when every message is settled.
     */
    public CompletableFuture<Void> applyLive(List<Planned> batch) {
        List<Mutation> mutations = new ArrayList<>(batch.size());
        // Per mutation, the path of its message (PATH_STREAM or PATH_EXPRESS), for the meters.
        List<String> paths = new ArrayList<>(batch.size());
        List<Message> toAck = new ArrayList<>(batch.size());
        List<Poison> poison = new ArrayList<>();
        for (Planned p : batch) {
            Message m = p.message();
            // An express copy (core NATS, see ExpressFanout) has nothing to settle (ack, nak and
            // term are no-ops on it) and dead-letters nothing: its durable copy is the one that
            // is dead-lettered, once, with its view-stream sequence.
            boolean express = !m.isJetStream();
            String path = express ? PATH_EXPRESS : PATH_STREAM;
            int writes = 0;
            int bad = 0;
            List<Poison> own = new ArrayList<>(0);
            for (int i = 0; i < p.size(); i++) {
                ApplyDecision d = p.decisions().get(i);
                switch (d.outcome()) {
                    case POISON -> {
                        if (express) {
                            metrics.applied("unknown", "rejected", path);
                        } else {
                            own.add(new Poison(m, p.events().get(i), d.reason()));
                        }
                        bad++;
                    }
                    case SKIP_EXPIRED -> metrics.applied("unknown", "expired", path);
                    case APPLY -> {
                        mutations.add(d.mutation());
                        paths.add(path);
                        writes++;
                    }
                }
            }
            if (writes > 0) {
                toAck.add(m);
                poison.addAll(own);
            } else {
                deadLetter(own);
                if (bad == p.size()) {
                    m.term();
                } else {
                    m.ack();
                }
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {} messages from seq {}: {} events to apply", batch.size(), seq(batch.get(0).message()),
                    mutations.size());
        }
        if (mutations.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        // Settled on the thread that completes the apply (a Redis I/O thread): acks, dead letters
        // and meters only enqueue, and a hand-off to another thread would cost a wake-up per batch.
        return redis.applyAsync(mutations).handle((results, err) -> {
            if (err != null) {
                nakAll(mutations, paths, toAck, err);
            } else {
                deadLetter(poison);
                ackAll(mutations, paths, toAck, results);
            }
            return null;
        });
    }

    private void deadLetter(List<Poison> poison) {
        for (Poison p : poison) {
            LOG.warn("dead-lettering an event of {} seq {}: {}", p.message().getSubject(), seq(p.message()), p.reason());
            deadLetters.send(p.message(), p.event(), p.reason());
            metrics.deadLettered(rejection(p.reason()));
        }
    }

    private void nakAll(List<Mutation> mutations, List<String> paths, List<Message> toAck, Throwable e) {
        // Only transient failures reach here (poison was sorted out above), but decide in the
        // one tested place anyway.
        Failures.Kind k = Failures.classify(e);
        LOG.warn("applying {} events to Redis failed ({}), nak with {} delay: {}", mutations.size(), k, RETRY_DELAY,
                e.toString());
        for (int i = 0; i < mutations.size(); i++) {
            // An express copy is not retried: nak is a no-op on it, and its durable copy follows.
            boolean express = PATH_EXPRESS.equals(paths.get(i));
            metrics.applied(mutations.get(i).kind(), express ? "dropped" : "retried", paths.get(i));
        }
        for (Message m : toAck) {
            m.nakWithDelay(RETRY_DELAY);
        }
    }

    private void ackAll(List<Mutation> mutations, List<String> paths, List<Message> toAck, List<Boolean> results) {
        long applied = clock.millis();
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {} mutations, {} applied now, first seq {}", mutations.size(),
                    results.stream().filter(b -> b).count(), seq(toAck.get(0)));
        }
        for (Message m : toAck) {
            m.ack();
        }
        for (int i = 0; i < mutations.size(); i++) {
            Mutation mu = mutations.get(i);
            boolean now = results.get(i);
            metrics.applied(mu.kind(), now ? "applied" : "duplicate", paths.get(i));
            if (now) {
                metrics.propagated(mu.originRegion(), Duration.ofMillis(applied - mu.occurredAtMillis()));
            }
        }
    }

    /** Replay path (rebuild, ordered consumer without acks). Returns how many were applied now. */
    public int applyReplay(List<Message> batch) throws Exception {
        List<Mutation> mutations = new ArrayList<>(batch.size());
        for (Message m : batch) {
            for (ApplyDecision d : plan(m).decisions()) {
                if (d.outcome() == ApplyDecision.Outcome.APPLY) {
                    mutations.add(d.mutation());
                }
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

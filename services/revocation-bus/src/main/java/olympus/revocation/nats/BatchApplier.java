package olympus.revocation.nats;

import io.nats.client.Message;
import olympus.revocation.Metrics;
import olympus.revocation.core.ApplyDecision;
import olympus.revocation.core.ApplyPlanner;
import olympus.revocation.core.EventBatch;
import olympus.revocation.core.Failures;
import olympus.revocation.core.Mutation;
import olympus.revocation.core.Written;
import olympus.revocation.redis.RedisDenylist;
import olympus.wire.Naming;
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

    /** A poison event, dead-lettered once its message is settled; {@code index} is its place in the message. */
    private record Poison(Message message, int index, byte[] event, String reason) {}

    /** Decodes and plans every event of one message; pure CPU work, done on the NATS dispatcher thread. */
    public Planned plan(Message m) {
        List<byte[]> events = EventBatch.split(m.getData());
        Instant now = clock.instant();
        String region = publishingRegion(m.getSubject());
        List<ApplyDecision> ds = new ArrayList<>(events.size());
        for (byte[] e : events) {
            ds.add(planner.plan(e, region, now));
        }
        return new Planned(m, events, ds);
    }

    /**
     * The region whose revocation-bus published {@code subject} (a view-stream subject
     * {@code olympus.revocation.<region>.<kind>} or an express copy's
     * {@code olympus.revocation-bus.express.<region>}), as NATS permissions vouch for it; a
     * subject of neither shape gives a region no event names ("?"), so every event on it is poison.
     */
    static String publishingRegion(String subject) {
        if (subject.startsWith(ExpressFanout.subject(""))) {
            return subject.substring(ExpressFanout.subject("").length());
        }
        String r = Naming.regionOf(subject);
        return r == null || !subject.startsWith("olympus." + Naming.Family.REVOCATION.token() + ".") ? "?" : r;
    }

    /**
     * A message whose planning itself failed (its payload cannot even be split into events):
     * dead-letter it whole and term it, so it is never redelivered.
     */
    public Planned unplannable(Message m, RuntimeException e) {
        String reason = "PLAN_FAILED: " + e;
        return new Planned(m, List.of(m.getData() == null ? new byte[0] : m.getData()),
                List.of(ApplyDecision.skip(ApplyDecision.Outcome.POISON, reason)));
    }

    /**
     * Live path (durable consumer): settles every message. The batch goes to Redis as one
     * script call without waiting (also when no event needs a write: the call raises the
     * applied-sequence mark). A message with nothing to write (poison or expired events only) is
     * settled once that call returned and its dead letters are stored: acked, or termed if all
     * its events are poison. Once Redis replied, on the thread that saw the reply, each message is settled by
     * what happened to its own events: nak'ed if Redis could not write now (retry), else acked
     * after the events Redis refused for good are dead-lettered. Poison events are
     * dead-lettered when their message is settled, not before, so a nak'ed and redelivered
     * message does not store them twice (their message id would de-duplicate them anyway). The
     * future completes when every message is settled.
     */
    public CompletableFuture<Void> applyLive(List<Planned> batch) {
        List<Mutation> mutations = new ArrayList<>(batch.size());
        // Per mutation: the path of its message (PATH_STREAM or PATH_EXPRESS), for the meters,
        // its message's place in toAck, and its event as received, for a dead letter.
        List<String> paths = new ArrayList<>(batch.size());
        List<Integer> owner = new ArrayList<>(batch.size());
        List<Integer> place = new ArrayList<>(batch.size());
        List<Message> toAck = new ArrayList<>(batch.size());
        List<List<Poison>> poisonOf = new ArrayList<>(batch.size());
        List<NoWrite> noWrite = new ArrayList<>(0);
        long maxSeq = 0;
        for (Planned p : batch) {
            Message m = p.message();
            // An express copy (core NATS, see ExpressFanout) has nothing to settle (ack, nak and
            // term are no-ops on it) and dead-letters nothing: its durable copy is the one that
            // is dead-lettered, once, with its view-stream sequence.
            boolean express = !m.isJetStream();
            String path = express ? PATH_EXPRESS : PATH_STREAM;
            maxSeq = Math.max(maxSeq, seq(m));
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
                            own.add(new Poison(m, i, p.events().get(i), d.reason()));
                        }
                        bad++;
                    }
                    case SKIP_EXPIRED -> metrics.applied("unknown", "expired", path);
                    case APPLY -> {
                        mutations.add(d.mutation());
                        paths.add(path);
                        owner.add(toAck.size());
                        place.add(i);
                        writes++;
                    }
                }
            }
            if (writes > 0) {
                toAck.add(m);
                poisonOf.add(own);
            } else {
                noWrite.add(new NoWrite(m, own, bad == p.size()));
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch of {} messages from seq {}: {} events to apply", batch.size(), seq(batch.get(0).message()),
                    mutations.size());
        }
        if (mutations.isEmpty() && maxSeq <= 0) {
            // Express copies only: nothing to write, nothing to settle.
            return CompletableFuture.completedFuture(null);
        }
        // One script call, even with no events to write: it raises the applied-sequence mark
        // past every stream message of the batch before any is acked (Completeness: the mark must
        // reach the ack floor, or Redis would look like it lost writes).
        CompletableFuture<List<Written>> written = redis.applyAsync(mutations, maxSeq);
        List<CompletableFuture<?>> settled = new ArrayList<>(noWrite.size() + 1);
        for (NoWrite w : noWrite) {
            // A message with nothing to write (poison or expired events only) is acked, or termed
            // if all its events are poison, once the mark covers it and its dead letters are stored.
            settled.add(written.thenCompose(r -> deadLetter(w.poison())).handle((v, err) -> {
                settle(w.message(), err, w.allBad());
                return null;
            }));
        }
        if (mutations.isEmpty()) {
            return CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new));
        }
        // Settled on the thread that completes the apply (a Redis I/O thread): acks, dead letters
        // and meters only enqueue, and a hand-off to another thread would cost a wake-up per batch.
        CompletableFuture<Void> applied = written.thenCompose(results -> {
            boolean[] retry = new boolean[toAck.size()];
            for (int i = 0; i < mutations.size(); i++) {
                Written w = results.get(i);
                if (w.status() == Written.Status.FAILED) {
                    int o = owner.get(i);
                    if (Failures.classifyReply(w.error()) == Failures.Kind.RETRY) {
                        retry[o] = true;
                    } else {
                        Message m = toAck.get(o);
                        poisonOf.get(o).add(new Poison(m, place.get(i), eventOf(batch, m, place.get(i)),
                                "REDIS_REFUSED: " + w.error()));
                    }
                }
            }
            meter(mutations, paths, owner, retry, results);
            List<CompletableFuture<?>> acked = new ArrayList<>(toAck.size());
            for (int o = 0; o < toAck.size(); o++) {
                Message m = toAck.get(o);
                if (retry[o]) {
                    LOG.warn("Redis could not write an event of {} seq {} now, nak with {} delay", m.getSubject(), seq(m),
                            RETRY_DELAY);
                    m.nakWithDelay(RETRY_DELAY);
                } else {
                    acked.add(deadLetter(poisonOf.get(o)).handle((v, err) -> {
                        settle(m, err, false);
                        return null;
                    }));
                }
            }
            return CompletableFuture.allOf(acked.toArray(CompletableFuture[]::new));
        }).exceptionally(err -> {
            nakAll(mutations, paths, toAck, err);
            return null;
        });
        settled.add(applied);
        return CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new));
    }

    /** A message with no event to write, settled once the batch's script call returned. */
    private record NoWrite(Message message, List<Poison> poison, boolean allBad) {}

    /** See {@link RedisDenylist#expectAtLeast}. */
    public void expectAtLeast(long seq) {
        redis.expectAtLeast(seq);
    }

    /** The event at {@code index} of message {@code m} as received, for its dead letter. */
    private static byte[] eventOf(List<Planned> batch, Message m, int index) {
        for (Planned p : batch) {
            if (p.message() == m) {
                return p.events().get(index);
            }
        }
        return m.getData();
    }

    /** Ack (or term) once its dead letters are stored; if that (or its batch's call) failed, nak so it comes back. */
    private void settle(Message m, Throwable failure, boolean allBad) {
        if (failure != null) {
            // A message without writes also waits for its batch's script call (the applied mark).
            LOG.warn("settling {} seq {} failed (its batch's Redis call, or storing a dead letter), nak with {} delay: {}",
                    m.getSubject(), seq(m), RETRY_DELAY, failure.toString());
            m.nakWithDelay(RETRY_DELAY);
        } else if (allBad) {
            m.term();
        } else {
            m.ack();
        }
    }

    private CompletableFuture<Void> deadLetter(List<Poison> poison) {
        if (poison.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> acks = new ArrayList<>(poison.size());
        for (Poison p : poison) {
            LOG.warn("dead-lettering event {} of {} seq {}: {}", p.index(), p.message().getSubject(), seq(p.message()),
                    p.reason());
            acks.add(deadLetters.send(p.message(), p.index(), p.event(), p.reason()));
            metrics.deadLettered(rejection(p.reason()));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    private void nakAll(List<Mutation> mutations, List<String> paths, List<Message> toAck, Throwable e) {
        // Only failures of the whole call reach here (Redis down, timeout, lost script twice):
        // each event's own refusals came back as results. Decide in the one tested place anyway.
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

    private void meter(List<Mutation> mutations, List<String> paths, List<Integer> owner, boolean[] retry,
                       List<Written> results) {
        long applied = clock.millis();
        for (int i = 0; i < mutations.size(); i++) {
            Mutation mu = mutations.get(i);
            Written w = results.get(i);
            boolean express = PATH_EXPRESS.equals(paths.get(i));
            String outcome = switch (w.status()) {
                case APPLIED -> "applied";
                case DUPLICATE -> "duplicate";
                case FAILED -> retry[owner.get(i)] ? (express ? "dropped" : "retried") : "rejected";
            };
            metrics.applied(mu.kind(), outcome, paths.get(i));
            if (w.status() == Written.Status.APPLIED) {
                metrics.propagated(mu.originRegion(), Duration.ofMillis(applied - mu.occurredAtMillis()));
            }
        }
    }

    /**
     * Replay path (rebuild, ordered consumer without acks). Returns how many were applied now.
     * A poison event, or one Redis refuses for good, is dead-lettered (de-duplicated by its view
     * sequence) and skipped, so a rebuild always finishes; one Redis cannot write now fails the
     * round, which is retried.
     */
    public int applyReplay(List<Message> batch) throws Exception {
        long maxSeq = 0;
        for (Message m : batch) {
            maxSeq = Math.max(maxSeq, seq(m));
        }
        List<Mutation> mutations = new ArrayList<>(batch.size());
        List<Message> from = new ArrayList<>(batch.size());
        List<Integer> place = new ArrayList<>(batch.size());
        List<byte[]> events = new ArrayList<>(batch.size());
        List<Poison> poison = new ArrayList<>();
        for (Message m : batch) {
            Planned p;
            try {
                p = plan(m);
            } catch (RuntimeException e) {
                p = unplannable(m, e);
            }
            for (int i = 0; i < p.size(); i++) {
                ApplyDecision d = p.decisions().get(i);
                if (d.outcome() == ApplyDecision.Outcome.APPLY) {
                    mutations.add(d.mutation());
                    from.add(m);
                    place.add(i);
                    events.add(p.events().get(i));
                } else if (d.outcome() == ApplyDecision.Outcome.POISON) {
                    poison.add(new Poison(m, i, p.events().get(i), d.reason()));
                }
            }
        }
        int n = 0;
        // Repair: an event whose marker survived is written again, so a rebuild also restores
        // the entries of a Redis that lost some keys but not all (deleted, evicted, restored).
        List<Written> results = redis.apply(mutations, maxSeq, true);
        for (int i = 0; i < results.size(); i++) {
            Written w = results.get(i);
            if (w.status() == Written.Status.APPLIED) {
                n++;
            } else if (w.status() == Written.Status.FAILED) {
                if (Failures.classifyReply(w.error()) == Failures.Kind.RETRY) {
                    throw new IllegalStateException("Redis cannot write now: " + w.error());
                }
                poison.add(new Poison(from.get(i), place.get(i), events.get(i), "REDIS_REFUSED: " + w.error()));
            }
        }
        deadLetter(poison).get(10, java.util.concurrent.TimeUnit.SECONDS);
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

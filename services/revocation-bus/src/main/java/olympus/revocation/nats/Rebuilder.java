package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import olympus.revocation.Metrics;
import olympus.revocation.core.Completeness;
import olympus.revocation.core.Keys;
import olympus.revocation.redis.RedisDenylist;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Notices an incomplete denylist and rebuilds it by replaying the whole view stream: an emptied
 * Redis (restart without persistence, failover to an empty replica, FLUSHALL), and one that lost
 * part of what was acknowledged (failover to a lagging replica, a restore of an older snapshot, a
 * key deleted or evicted): {@link Completeness} decides. Redis is a cache; the stream is the
 * record. The replay writes the entries of events whose markers survived again (repair), so a
 * partial loss is restored too.
 *
 * <p>While it runs, the durable consumer keeps applying new events, and checks keep being
 * answered: a revocation already re-applied answers REVOKED at once; a check that finds nothing
 * answers UNKNOWN (fail closed) until the state key says the rebuild completed. The claim on the
 * rebuild is a Redis key with a lease, so one instance per region rebuilds, and another takes
 * over if it dies. Completion is a compare-and-set on that key: a flush during the rebuild
 * deletes it, the set fails, and the next round starts over.
 */
public final class Rebuilder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Rebuilder.class);
    private static final int FETCH = 1000;

    private final Connection nc;
    private final RedisDenylist redis;
    private final BatchApplier applier;
    private final Metrics metrics;
    private final Duration interval;
    private final Duration lease;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean rebuilding;

    private final JetStreamOptions jso;

    private final Callable<Long> ackFloor;
    private final Duration seqCheckInterval;
    private final AtomicReference<String> deletedKey = new AtomicReference<>();
    private long lastSeqCheck = System.nanoTime() - Long.MAX_VALUE / 2;

    /**
     * @param ackFloor         the durable consumer's ack floor (stream sequence)
     * @param seqCheckInterval how often the applied-sequence mark is compared with it
     */
    public Rebuilder(Connection nc, JetStreamOptions jso, RedisDenylist redis, BatchApplier applier, Metrics metrics, Duration interval,
                     Duration lease, Callable<Long> ackFloor, Duration seqCheckInterval) {
        this.ackFloor = ackFloor;
        this.seqCheckInterval = seqCheckInterval;
        this.nc = nc;
        this.jso = jso;
        this.redis = redis;
        this.applier = applier;
        this.metrics = metrics;
        this.interval = interval;
        this.lease = lease;
        this.thread = new Thread(this::run, "revocation-rebuild");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public boolean rebuilding() {
        return rebuilding;
    }

    private void run() {
        if (!redis.watchDeletions(this::deleted)) {
            LOG.warn("Redis refused CONFIG SET notify-keyspace-events: a denylist key deleted by hand will not be noticed "
                    + "until the sequence check or a rebuild; set notify-keyspace-events Eeg in redis.conf");
        }
        while (running) {
            try {
                round();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // Redis or NATS down: checks already fail closed; try again next round.
                LOG.warn("rebuild round failed, will retry: {}", e.toString());
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Called on a Redis I/O thread for each denylist key deleted or evicted behind our back. */
    private void deleted(String key) {
        if (deletedKey.compareAndSet(null, key)) {
            LOG.warn("denylist key {} was deleted or evicted behind the service's back", key);
        }
    }

    /**
     * One check of the denylist's completeness ({@link Completeness}), acted on: an empty Redis is
     * rebuilt; one known to miss acknowledged writes is first marked incomplete (so checks that
     * find nothing answer UNKNOWN, fail closed) and then rebuilt. The sequence check asks the
     * NATS server, so it runs every {@code seqCheckInterval}, not every round.
     */
    void round() throws Exception {
        String deleted = deletedKey.getAndSet(null);
        long floor = Completeness.FLOOR_UNKNOWN;
        long mark = 0;
        long now = System.nanoTime();
        if (now - lastSeqCheck >= seqCheckInterval.toNanos()) {
            lastSeqCheck = now;
            // Floor first, mark after (see Completeness).
            floor = ackFloor.call();
            mark = redis.appliedSeq();
            redis.ensureNotifications();
        }
        String state = redis.state();
        Completeness c = Completeness.assess(state, mark, floor, deleted);
        switch (c.status()) {
            case EMPTY -> rebuildOnce();
            case GAP -> {
                metrics.incomplete(c.cause());
                LOG.error("denylist incomplete: {}; marking it incomplete (checks that find nothing answer UNKNOWN) "
                        + "and rebuilding from the view stream", c.reason());
                if (redis.markIncomplete(state)) {
                    rebuildOnce();
                }
            }
            case REBUILDING -> {
                if (deleted != null) {
                    // Another instance rebuilds and may have passed that key already: look again after.
                    deletedKey.compareAndSet(null, deleted);
                }
            }
            case COMPLETE -> LOG.debug("denylist complete: {}", c.reason());
        }
    }

    /** Replays the view stream into Redis if no one else is. Returns events applied now, or -1 if not ours. */
    public long rebuildOnce() throws Exception {
        String token = UUID.randomUUID().toString();
        if (!redis.claimRebuild(token, lease)) {
            return -1;
        }
        rebuilding = true;
        long t0 = System.nanoTime();
        long applied = 0;
        long seen = 0;
        try {
            String stream = Naming.viewStream(Naming.Family.REVOCATION);
            long last = nc.jetStreamManagement(jso).getStreamInfo(stream).getStreamState().getLastSequence();
            LOG.warn("denylist incomplete (state key missing: Redis was emptied, or marked incomplete); rebuilding from {} "
                    + "up to sequence {}", stream, last);
            if (last > 0) {
                // One ordered consumer (no acks, so nothing of it can touch another region's
                // durable) read through one iterator for the whole replay, closed in every case:
                // a second fetch on an ordered consumer whose first did not finish is refused
                // ("Ordered Consumer does not allow multiple instances at time"), which made
                // every retry of a rebuild fail.
                OrderedConsumerContext occ = nc.getStreamContext(stream, jso)
                        .createOrderedConsumer(new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.All));
                try (IterableConsumer it = occ.iterate(ConsumeOptions.builder().batchSize(FETCH * 4).build())) {
                    long seq = 0;
                    int idle = 0;
                    List<Message> batch = new ArrayList<>(FETCH);
                    while (seq < last && running) {
                        Message m = it.nextMessage(batch.isEmpty() ? Duration.ofSeconds(1) : Duration.ofMillis(20));
                        if (m != null) {
                            batch.add(m);
                            seq = Math.max(seq, m.metaData().streamSequence());
                            if (batch.size() < FETCH && seq < last) {
                                continue;
                            }
                        }
                        if (batch.isEmpty()) {
                            if (++idle > 20) {
                                throw new IllegalStateException("rebuild stalled at sequence " + seq + " of " + last);
                            }
                            // Older messages expired (max age) and the stream is shorter than
                            // "last" suggests, or the server is unreachable: ask for the current end.
                            last = Math.min(last, nc.jetStreamManagement(jso).getStreamInfo(stream).getStreamState().getLastSequence());
                            continue;
                        }
                        idle = 0;
                        seen += batch.size();
                        applied += applier.applyReplay(batch);
                        batch.clear();
                        if (!redis.renewRebuild(token, lease)) {
                            metrics.rebuild("interrupted");
                            LOG.warn("rebuild interrupted (Redis emptied again or lease lost) after {} messages", seen);
                            return applied;
                        }
                        if (seen % (FETCH * 50) < FETCH) {
                            LOG.info("rebuild progress: {} messages replayed, at sequence {} of {}", seen, seq, last);
                        }
                    }
                    it.stop();
                }
            }
            if (redis.finishRebuild(token)) {
                metrics.rebuild("completed");
                LOG.warn("denylist rebuilt: {} messages replayed, {} applied, in {} ms", seen, applied,
                        (System.nanoTime() - t0) / 1_000_000);
            } else {
                metrics.rebuild("interrupted");
                LOG.warn("rebuild could not be marked complete (Redis emptied again); starting over");
            }
            return applied;
        } catch (Exception e) {
            metrics.rebuild("failed");
            throw e;
        } finally {
            rebuilding = false;
        }
    }

    /** For tests and /health: the value a complete denylist has. */
    static String ready() {
        return Keys.READY;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

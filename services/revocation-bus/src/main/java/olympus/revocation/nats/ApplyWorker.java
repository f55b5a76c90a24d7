package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.ConsumeOptions;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import olympus.revocation.Metrics;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The region's durable pull consumer on {@code REVOCATION_VIEW} and the batching in front of
 * Redis. Delivery guarantee: at-least-once from the stream (explicit ack after Redis replied),
 * effectively once in Redis (idempotent by event id).
 *
 * <p>No thread of its own: the NATS dispatcher decodes and plans each message and, when fewer
 * than {@link #MAX_IN_FLIGHT} batches are in flight, sends it to Redis at once (an idle bus
 * applies each event without waiting); otherwise the message waits, and whoever settles the next
 * batch (the Redis I/O thread) sends everything waiting, up to the batch limit in events, as one
 * script call. So a busy bus amortises round trips, and no message changes threads on its way to
 * Redis beyond the dispatcher: on a 2-core machine each hand-off between threads (a wake-up)
 * cost about as much CPU as the work handed off (async-profiler: futex and scheduler ~25% of the
 * benchmark JVM's CPU with an apply thread and a settle thread between dispatcher and Redis).
 */
public final class ApplyWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyWorker.class);

    private final Connection nc;
    private final BatchApplier applier;
    private final Metrics metrics;
    private final String consumerName;
    private final int batchMax;
    /** Batches sent to Redis and not yet settled: messages arriving meanwhile wait and go as one batch. */
    static final int MAX_IN_FLIGHT = 4;
    /** Messages waiting for a slot beyond which express copies are dropped (their stream copies follow). */
    static final int EXPRESS_WAITING_MAX = 10_000;

    private final Object lock = new Object();
    /** Planned messages waiting for a pipeline slot (guarded by lock). */
    private final ArrayDeque<BatchApplier.Planned> waiting = new ArrayDeque<>();
    /** Batches in flight (guarded by lock). */
    private int inFlight;
    private volatile boolean running = true;
    private MessageConsumer consumer;
    private Dispatcher express;

    private final JetStreamOptions jso;

    /**
     * @param jso JetStream options bound to this region's domain: with the plain {@code $JS.API}
     *     prefix a request can be answered by another region's server over the leaf nodes
     */
    public ApplyWorker(Connection nc, JetStreamOptions jso, BatchApplier applier, Metrics metrics, String consumerName,
                       int batchMax) {
        this.nc = nc;
        this.jso = jso;
        this.applier = applier;
        this.metrics = metrics;
        this.consumerName = consumerName;
        this.batchMax = batchMax;
    }

    /** Durable consumer settings; created or updated at start, so a changed setting takes effect. */
    public static ConsumerConfiguration consumerConfig(String name, int maxAckPending, Duration ackWait) {
        return ConsumerConfiguration.builder()
                .durable(name)
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .maxAckPending(maxAckPending)
                .ackWait(ackWait)
                // Only "Redis cannot write now" is retried (Failures): anything an event itself
                // causes is dead-lettered and settled. Transient failures are retried without
                // limit: giving up on a revocation because Redis was down long is never right.
                .maxDeliver(-1)
                .build();
    }

    /**
     * @param withExpress also apply the express copies (ExpressFanout) from every region, through
     *     the same batches: whichever copy of an event arrives first is applied, the other is a
     *     duplicate
     */
    public void start(int maxAckPending, Duration ackWait, boolean withExpress) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement(jso);
        String stream = Naming.viewStream(Naming.Family.REVOCATION);
        ConsumerInfo created = jsm.addOrUpdateConsumer(stream, consumerConfig(consumerName, maxAckPending, ackWait));
        // Everything up to the ack floor was written to Redis before it was acked: a Redis whose
        // mark is lower lost it, and the first batch's script notices (RedisDenylist.APPLY).
        applier.expectAtLeast(created.getAckFloor().getStreamSequence());
        ConsumerContext cc = nc.getStreamContext(stream, jso).getConsumerContext(consumerName);
        // Pull far ahead: with 1,000-message pulls a backlog drain waited for deliveries.
        // Bounded by max-ack-pending anyway.
        consumer = cc.consume(ConsumeOptions.builder().batchSize(Math.max(batchMax, maxAckPending / 2))
                .thresholdPercent(50).build(), this::deliver);
        if (withExpress) {
            // Its own dispatcher (thread): an express copy never waits behind a stream delivery.
            // Queue group named after the durable (so after the region): one instance of the
            // region applies each copy, and each region's group gets its own copy. One name in
            // every region would make the copy go to a single region.
            express = nc.createDispatcher(this::deliver);
            express.subscribe(ExpressFanout.ALL, consumerName);
        }
        LOG.info("applying {} with durable consumer {}{}", stream, consumerName,
                withExpress ? ", and the express copies on " + ExpressFanout.ALL : "");
    }

    /**
     * On a NATS dispatcher thread (the consumer's, or the express one's): decode and plan, then
     * send at once if a pipeline slot is free.
     */
    private void deliver(Message m) {
        BatchApplier.Planned p;
        try {
            p = applier.plan(m);
        } catch (RuntimeException e) {
            // Left unsettled, it would come back after every ack-wait, forever: dead-letter it.
            LOG.error("planning {} failed unexpectedly: dead-lettering it", m.getSubject(), e);
            p = applier.unplannable(m, e);
        }
        List<BatchApplier.Planned> batch = null;
        boolean dropped = false;
        synchronized (lock) {
            if (!m.isJetStream() && waiting.size() >= EXPRESS_WAITING_MAX) {
                // Redis is slow or stuck: express copies would pile up without bound (the stream's
                // are bounded by max-ack-pending). Dropping one loses nothing: its stream copy follows.
                dropped = true;
            } else {
                waiting.add(p);
                batch = takeBatch();
            }
        }
        if (dropped) {
            metrics.expressDropped();
            return;
        }
        send(batch);
    }

    /** Under lock: the waiting messages as one batch (up to batchMax events) when a slot is free, else null. */
    private List<BatchApplier.Planned> takeBatch() {
        if (!running || inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
            return null;
        }
        List<BatchApplier.Planned> batch = new ArrayList<>(Math.min(waiting.size(), batchMax));
        int events = 0;
        while (!waiting.isEmpty() && (batch.isEmpty() || events + waiting.peekFirst().size() <= batchMax)) {
            BatchApplier.Planned next = waiting.pollFirst();
            batch.add(next);
            events += next.size();
        }
        inFlight++;
        return batch;
    }

    /** Sends batches until none is ready; a batch settled later sends the next from its completion. */
    private void send(List<BatchApplier.Planned> batch) {
        while (batch != null) {
            CompletableFuture<Void> settled;
            try {
                settled = applier.applyLive(batch);
            } catch (RuntimeException e) {
                // Never lose the slot: the unsettled messages are redelivered after ack-wait.
                LOG.error("apply batch of {} failed unexpectedly", batch.size(), e);
                settled = CompletableFuture.completedFuture(null);
            }
            int n = batch.size();
            if (!settled.isDone()) {
                settled.whenComplete((v, e) -> {
                    logFailure(n, e);
                    send(settledOne());
                });
                return;
            }
            logFailure(n, settled.handle((v, e) -> e).join()); // done: join does not wait
            batch = settledOne();
        }
    }

    private static void logFailure(int n, Throwable e) {
        if (e != null) {
            // Unsettled messages are redelivered after ack-wait.
            LOG.error("settling a batch of {} failed unexpectedly", n, e);
        }
    }

    /** A batch settled: frees its slot and takes the next batch, if any is waiting. */
    private List<BatchApplier.Planned> settledOne() {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
            return takeBatch();
        }
    }

    /** Polled for the pending gauge and /health. */
    public ConsumerInfo info() throws Exception {
        ConsumerInfo ci = nc.jetStreamManagement(jso).getConsumerInfo(Naming.viewStream(Naming.Family.REVOCATION), consumerName);
        metrics.consumerPending(ci.getNumPending(), ci.getNumAckPending());
        return ci;
    }

    @Override
    public void close() {
        running = false;
        try {
            if (express != null) {
                nc.closeDispatcher(express);
            }
            if (consumer != null) {
                consumer.stop();
            }
        } catch (RuntimeException e) {
            LOG.debug("stopping consumer", e);
        }
        // Let the batches in flight settle (ack what Redis applied) before Redis is closed; the
        // waiting ones are never sent and are redelivered after ack-wait.
        long until = System.nanoTime() + 2_000_000_000L;
        synchronized (lock) {
            long left;
            while (inFlight > 0 && (left = until - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }
}

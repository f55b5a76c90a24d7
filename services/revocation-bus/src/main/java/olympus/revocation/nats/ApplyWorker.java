package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.ConsumeOptions;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The region's durable pull consumer on {@code REVOCATION_VIEW} and the thread that applies what
 * it delivers. Delivery guarantee: at-least-once from the stream (explicit ack after Redis
 * replied), effectively once in Redis (idempotent by event id). Messages are handed from the NATS
 * dispatcher (which decodes and plans each one) to one apply thread through a queue; the apply
 * thread takes whatever is waiting (up to the batch limit, in events) as one Redis call, so an idle
 * bus applies each event at once and a busy one amortises round trips. Up to {@link #MAX_IN_FLIGHT} pipelines
 * are in flight at once; each batch is settled (acked only after Redis replied) on a settle thread.
 */
public final class ApplyWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyWorker.class);

    private final Connection nc;
    private final BatchApplier applier;
    private final Metrics metrics;
    private final String consumerName;
    private final int batchMax;
    /** Batches sent to Redis and not yet settled: the next batch is sent while these are in flight. */
    static final int MAX_IN_FLIGHT = 4;

    private final BlockingQueue<BatchApplier.Planned> queue = new LinkedBlockingQueue<>();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final ExecutorService settler;
    private final Thread thread;
    private volatile boolean running = true;
    private MessageConsumer consumer;

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
        this.thread = new Thread(this::run, "revocation-apply");
        this.thread.setDaemon(true);
        this.settler = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "revocation-settle");
            t.setDaemon(true);
            return t;
        });
    }

    /** Durable consumer settings; created or updated at start, so a changed setting takes effect. */
    public static ConsumerConfiguration consumerConfig(String name, int maxAckPending, Duration ackWait) {
        return ConsumerConfiguration.builder()
                .durable(name)
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .maxAckPending(maxAckPending)
                .ackWait(ackWait)
                // Transient Redis failures are retried without limit: giving up on a revocation
                // is never the right answer. Poison is terminated explicitly instead.
                .maxDeliver(-1)
                .build();
    }

    public void start(int maxAckPending, Duration ackWait) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement(jso);
        String stream = Naming.viewStream(Naming.Family.REVOCATION);
        jsm.addOrUpdateConsumer(stream, consumerConfig(consumerName, maxAckPending, ackWait));
        ConsumerContext cc = nc.getStreamContext(stream, jso).getConsumerContext(consumerName);
        thread.start();
        // Pull far ahead: a thread dump during a backlog drain showed the apply thread idle, waiting
        // for deliveries, with 1,000-message pulls. Bounded by max-ack-pending anyway.
        consumer = cc.consume(ConsumeOptions.builder().batchSize(Math.max(batchMax, maxAckPending / 2))
                .thresholdPercent(50).build(), this::deliver);
        LOG.info("applying {} with durable consumer {}", stream, consumerName);
    }

    /** On the NATS dispatcher thread: decode and plan here, so the apply thread only talks to Redis. */
    private void deliver(Message m) {
        BatchApplier.Planned p;
        try {
            p = applier.plan(m);
        } catch (RuntimeException e) {
            // Not settled: redelivered after ack-wait.
            LOG.error("planning {} failed unexpectedly", m.getSubject(), e);
            return;
        }
        queue.add(p);
    }

    private void run() {
        List<BatchApplier.Planned> batch = new ArrayList<>(batchMax);
        while (running) {
            boolean sent = false;
            try {
                BatchApplier.Planned first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // Wait for a pipeline slot before taking the rest: under load the batch grows
                // while earlier batches are in flight.
                inFlight.acquire();
                int events = first.size();
                BatchApplier.Planned next;
                while (events < batchMax && (next = queue.poll()) != null) {
                    batch.add(next);
                    events += next.size();
                }
                CompletableFuture<Void> settled = applier.applyLive(batch, settler);
                sent = true;
                int n = batch.size();
                settled.whenComplete((v, e) -> {
                    inFlight.release();
                    if (e != null) {
                        // Unsettled messages are redelivered after ack-wait.
                        LOG.error("settling a batch of {} failed unexpectedly", n, e);
                    }
                });
                batch = new ArrayList<>(batchMax);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Never let the apply thread die: the unsettled messages are redelivered after ack-wait.
                LOG.error("apply batch of {} failed unexpectedly", batch.size(), e);
                if (!sent) {
                    inFlight.release();
                }
                batch.clear();
            }
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
            if (consumer != null) {
                consumer.stop();
            }
        } catch (RuntimeException e) {
            LOG.debug("stopping consumer", e);
        }
        thread.interrupt();
        try {
            thread.join(2000);
            // Let the batches in flight settle (ack what Redis applied) before Redis is closed.
            if (inFlight.tryAcquire(MAX_IN_FLIGHT, 2, TimeUnit.SECONDS)) {
                inFlight.release(MAX_IN_FLIGHT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        settler.shutdown();
    }
}

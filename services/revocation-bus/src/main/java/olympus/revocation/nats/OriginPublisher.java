package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import olympus.revocation.core.EventBatch;
import olympus.revocation.core.Linger;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.RevocationKind;
import olympus.wire.WireEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes revocations to this region's origin stream, several events per message when they
 * arrive faster than the stream acknowledges them (group commit).
 *
 * <p>Delivery guarantee: a completed future means the origin stream has stored the message that
 * holds the event (JetStream ack, file storage), so it reaches every region's view stream however
 * long a region is cut off, within the stream's max age.
 *
 * <p>Why batches: every message costs each NATS server on its way (origin store, three sourcing
 * deliveries across the leaf nodes, three view stores, three consumer deliveries and acks), and at
 * 2,000 single-event messages/s that cost saturated this 2-core machine. Batching is adaptive, with
 * no timer: with nothing in flight an event is sent at once (an idle bus adds no latency); while
 * {@code maxInFlight} messages await their ack, new events queue and leave together in the next
 * message. Under load, batches grow, and the message rate stays what the servers sustain.
 *
 * <p>A message holds events of one kind only, so its subject still names the kind. Its
 * {@code Nats-Msg-Id} is the event id for a single event and a digest of the ids for several: a
 * caller's retry of the same request while the bus is quiet is stored once (the ack says
 * duplicate); a retry that is batched differently is stored again and applied once all the same,
 * because the apply side is idempotent by event id.
 */
public final class OriginPublisher {
    /** Where an event was stored: the origin stream's message (shared by the events of its batch). */
    public record Stored(String stream, long seq, boolean duplicate) {}

    private record Pending(WireEvent event, RevocationKind kind, byte[] data, CompletableFuture<Stored> done, long queuedAt) {}

    /** What each message cost, for metrics: where an event's ingest time goes (waiting for a slot, then for the ack). */
    public interface Observer {
        /**
         * @param events    events in the message
         * @param queuedNanos how long its oldest event waited for the message to leave
         * @param ackNanos  publish to the stream's ack (or failure)
         * @param ok        stored (or duplicate)
         */
        void message(int events, long queuedNanos, long ackNanos, boolean ok);
    }

    private final JetStream js;
    private final EventCodec codec;
    private final String region;
    private final String stream;
    private final Duration timeout;
    private final int maxInFlight;
    private final long lingerNanos;
    /** A delayed send is scheduled (guarded by this). */
    private boolean lingering;
    /** When the last message left (guarded by this); the linger applies only on a busy bus. */
    private long lastSentAt = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
    /**
     * A gap counts at most this much: after a quiet minute the mean must come down within some
     * 30 events of a burst, not hundreds, for the linger to group the burst.
     */
    private static final long MAX_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** When the last event arrived, and the moving mean of the gaps between arrivals (guarded by this; see Linger). */
    private long lastArrivalAt = System.nanoTime();
    private long meanGapNanos = MAX_GAP_NANOS;
    private final int maxEvents;
    private final int maxBytes;

    private final Observer observer;
    /** Gets every ingested event's encoding before it is queued (ExpressFanout::send), or null. */
    private final java.util.function.Consumer<List<byte[]>> express;
    /**
     * Runs the delayed sends. Not CompletableFuture.delayedExecutor: without an executor of its
     * own it hands each task to the common pool, and where that pool has one thread (2 cores,
     * as here and in a pod limited to 2 CPUs) CompletableFuture starts a new thread per task: a
     * thread per lingered message, seen as 7% of the benchmark's CPU in thread start/exit.
     */
    private final ScheduledExecutorService timer;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param maxInFlight messages awaiting their ack at once; 1 batches the most
     * @param linger how long a message's first event may wait for company (0: none)
     * @param maxEvents most events in one message
     * @param maxBytes most payload bytes in one message (below the server's max_payload)
     * @param timer runs the lingered sends (the caller owns and closes it)
     * @param express gets the encoded events of each publish at once, before they are queued for
     *     the stream (the express copy, see ExpressFanout); null for none
     */
    public OriginPublisher(Connection nc, EventCodec codec, String region, Duration timeout, int maxInFlight, Duration linger,
                           int maxEvents, int maxBytes, Observer observer, ScheduledExecutorService timer,
                           java.util.function.Consumer<List<byte[]>> express) throws IOException {
        this.express = express;
        this.timer = timer;
        this.lingerNanos = linger.toNanos();
        this.observer = observer;
        this.js = nc.jetStream(JetStreamOptions.builder().domain(region).requestTimeout(timeout).build());
        this.codec = codec;
        this.region = region;
        this.stream = Naming.originStream(Naming.Family.REVOCATION, region);
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    public String stream() {
        return stream;
    }

    /** Queues the events (kept together, in order) and returns one future per event. */
    public List<CompletableFuture<Stored>> publish(List<WireEvent> events) {
        List<Pending> ps = new ArrayList<>(events.size());
        long now = System.nanoTime();
        List<CompletableFuture<Stored>> out = new ArrayList<>(events.size());
        for (WireEvent e : events) {
            CompletableFuture<Stored> f = new CompletableFuture<>();
            ps.add(new Pending(e, RevocationKind.of(e), codec.encode(e), f, now));
            out.add(f);
        }
        if (express != null) {
            List<byte[]> encoded = new ArrayList<>(ps.size());
            for (Pending p : ps) {
                encoded.add(p.data());
            }
            express.accept(encoded);
        }
        synchronized (this) {
            queue.addAll(ps);
            noteArrivals(now, ps.size());
        }
        sendWhatFits();
        return out;
    }

    private void sendWhatFits() {
        while (true) {
            List<Pending> batch = null;
            List<Pending> expired;
            // One lock per round on this path (every ingest and every ack): shed, then decide.
            synchronized (this) {
                long now = System.nanoTime();
                expired = takeExpired(now);
                if (inFlight < maxInFlight && !queue.isEmpty()) {
                    batch = nextBatch(now);
                }
            }
            fail(expired);
            if (batch == null) {
                return;
            }
            send(batch);
        }
    }

    /** Under lock: folds {@code n} events arriving together at {@code now} into the mean gap (weight 1/8 each). */
    private void noteArrivals(long now, int n) {
        long gap = Math.min(MAX_GAP_NANOS, now - lastArrivalAt);
        lastArrivalAt = now;
        for (int i = 0; i < n; i++) {
            meanGapNanos += (gap - meanGapNanos) / 8;
            gap = 0; // the others came with the first
        }
    }

    /** Under lock: the batch to send now and its slot taken, or null while it lingers (a timer then calls back). */
    private List<Pending> nextBatch(long now) {
        long wait = Linger.wait(now, queue.peekFirst().queuedAt(), lastSentAt, lingerNanos, queue.size(), maxEvents, meanGapNanos);
        if (wait > 0) {
            if (!lingering) {
                lingering = true;
                timer.schedule(() -> {
                    synchronized (this) {
                        lingering = false;
                    }
                    sendWhatFits();
                }, wait, TimeUnit.NANOSECONDS);
            }
            return null;
        }
        List<Pending> batch = take();
        inFlight++;
        lastSentAt = now;
        return batch;
    }

    /**
     * Under lock: the events at the head of the queue that waited longer than the publish
     * timeout. Their callers have waited that long already and many have given up, so storing
     * them now is work few wait for, done while the bus is already behind: in a benchmark whose
     * services started cold, events queued for up to 12 s and were still sent, and the bus did
     * not catch up in two minutes. Failing them (the caller gets 503 for those events) lets it
     * recover; a caller's retry with the same eventId stores the event once.
     */
    private List<Pending> takeExpired(long now) {
        List<Pending> out = null;
        while (!queue.isEmpty() && now - queue.peekFirst().queuedAt() > timeout.toNanos()) {
            if (out == null) {
                out = new ArrayList<>();
            }
            out.add(queue.pollFirst());
        }
        return out;
    }

    private void fail(List<Pending> expired) {
        if (expired == null) {
            return;
        }
        QueuedTooLong e = new QueuedTooLong("waited longer than the publish timeout (" + timeout.toMillis()
                + " ms) for a slot to " + stream + ": not sent, the bus is behind");
        for (Pending p : expired) {
            p.done().completeExceptionally(e);
        }
    }

    /** An event shed before it was sent (see takeExpired); no stack: there is nothing to trace. */
    static final class QueuedTooLong extends RuntimeException {
        QueuedTooLong(String message) {
            super(message, null, false, false);
        }
    }

    /** Consecutive events of one kind, within the count and byte limits (at least one). */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        RevocationKind kind = queue.peekFirst().kind();
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < maxEvents) {
            Pending p = queue.peekFirst();
            if (p.kind() != kind || (!batch.isEmpty() && bytes + p.data().length + 1 > maxBytes)) {
                break;
            }
            bytes += p.data().length + 1;
            batch.add(queue.pollFirst());
        }
        return batch;
    }

    private void send(List<Pending> batch) {
        List<byte[]> parts = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            parts.add(p.data());
        }
        PublishOptions po = PublishOptions.builder()
                .messageId(messageId(batch))
                // No expectedStream here, although it would catch a misconfigured capture: the
                // Nats-Expected-Stream header travels with the message into every view stream,
                // which (2.9.10) then refuses to store it, silently stalling the spread. The ack's
                // stream name is checked instead.
                .build();
        CompletableFuture<PublishAck> f;
        long sentAt = System.nanoTime();
        try {
            f = js.publishAsync(batch.get(0).kind().subject(region), null, EventBatch.join(parts), po)
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((ack, err) -> {
            synchronized (this) {
                inFlight--;
            }
            long ackNanos = System.nanoTime() - sentAt;
            Throwable failure = err;
            if (failure == null && !stream.equals(ack.getStream())) {
                failure = new IllegalStateException("stored in " + ack.getStream() + ", not in " + stream
                        + ": it would not spread; fix the stream layout");
            }
            observer.message(batch.size(), sentAt - batch.get(0).queuedAt(), ackNanos, failure == null);
            for (Pending p : batch) {
                if (failure != null) {
                    p.done().completeExceptionally(failure);
                } else {
                    p.done().complete(new Stored(ack.getStream(), ack.getSeqno(), ack.isDuplicate()));
                }
            }
            sendWhatFits();
        });
    }

    static String messageId(List<Pending> batch) {
        if (batch.size() == 1) {
            return batch.get(0).event().eventId();
        }
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Pending p : batch) {
                d.update(p.event().eventId().getBytes(StandardCharsets.UTF_8));
                d.update((byte) '\n');
            }
            return "batch-" + HexFormat.of().formatHex(d.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

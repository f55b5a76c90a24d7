package olympus.revocation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every number the service exports. Each decision's reason label is counted here, so a sudden
 * rise in, say, dead-lettered UNSUPPORTED_VERSION shows on a dashboard, not only in the log.
 */
public final class Metrics {
    private final MeterRegistry registry;
    private final String region;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    /** path -> kind -> outcome. */
    private final Map<String, Map<String, Map<String, Counter>>> applied = new ConcurrentHashMap<>();
    private final Map<String, Counter> checks = new ConcurrentHashMap<>();
    private final Map<String, Timer> propagation = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong(-1);
    private final AtomicLong ackPending = new AtomicLong(-1);

    public Metrics(MeterRegistry registry, String region) {
        this.registry = registry;
        this.region = region;
        Gauge.builder("olympus.revocation.consumer.pending", pending, AtomicLong::get)
                .description("messages of the view stream not yet delivered to this region's durable consumer (-1: unknown)")
                .tag("region", region).register(registry);
        Gauge.builder("olympus.revocation.consumer.ack.pending", ackPending, AtomicLong::get)
                .description("messages delivered but not yet acked (being applied)")
                .tag("region", region).register(registry);
    }

    /** result: stored, duplicate, rejected (with the rejection), failed. */
    public void ingested(String kind, String result) {
        count("olympus.revocation.ingested", "events offered to this region's origin stream", "kind", kind, "result", result);
    }

    /**
     * outcome: applied (first copy, written now), duplicate (applied before: nothing written),
     * expired, retried (stream copy nak'ed after a Redis failure), dropped (express copy not
     * applied after a Redis failure; its stream copy follows), rejected (poison express copy).
     * path: stream (the view stream's durable consumer) or express (the core NATS copy). With the
     * express path working, nearly every event is "applied" by express and "duplicate" by stream.
     */
    public void applied(String kind, String outcome, String path) {
        // Hot path (every event, twice with express copies): three map lookups, no key building.
        Map<String, Counter> byOutcome = applied.computeIfAbsent(path, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(kind, k -> new ConcurrentHashMap<>());
        Counter c = byOutcome.get(outcome);
        if (c == null) {
            c = byOutcome.computeIfAbsent(outcome, o -> counter(
                    "olympus.revocation.applied", "events received by this region (view stream or express copy) and what applying them did",
                    "kind", kind, "outcome", o, "path", path));
        }
        c.increment();
    }

    /** Express copies received but not applied because too many messages already waited for Redis. */
    public void expressDropped() {
        count("olympus.revocation.express.dropped", "express copies dropped on arrival while Redis lagged (their stream copies follow)");
    }

    /** Express copies that could not be sent (connection closed or its buffer full); the stream copy carries them. */
    public void expressNotSent() {
        count("olympus.revocation.express.unsent", "express copies not handed to NATS (the origin stream still carries them)");
    }

    public void deadLettered(String rejection) {
        count("olympus.revocation.dead.lettered", "poison messages sent to the dead-letter subject", "reason", rejection);
    }

    /** status: REVOKED, NOT_REVOKED, UNKNOWN. */
    public void checked(String status) {
        // Hot path (every check).
        checks.computeIfAbsent(status, st -> counter("olympus.revocation.checks", "checks answered", "status", st)).increment();
    }

    /** A denylist found incomplete while marked ready; {@code why}: lost_writes, deleted_key, unknown_state. */
    public void incomplete(String why) {
        count("olympus.revocation.denylist.incomplete", "ready denylists found missing acknowledged revocations", "why", why);
    }

    public void rebuild(String outcome) {
        count("olympus.revocation.rebuilds", "denylist rebuilds from the view stream", "outcome", outcome);
    }

    /** Origin ingest (origin's clock) to applied here; one machine's clock in the local topology. */
    public void propagated(String origin, Duration d) {
        Timer t = propagation.get(origin);
        if (t != null) {
            t.record(d.isNegative() ? Duration.ZERO : d);
            return;
        }
        propagation.computeIfAbsent(origin, o -> Timer.builder("olympus.revocation.propagation")
                        .description("origin ingest to applied in this region's Redis")
                        .tags("origin", o, "region", region)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofMinutes(5))
                        .register(registry))
                .record(d.isNegative() ? Duration.ZERO : d);
    }

    /** Ingest requests, from their delivery to this instance to its reply (stored or refused). */
    public java.util.function.LongConsumer ingestServed(String transport) {
        Timer t = Timer.builder("olympus.revocation.ingest.served").description("ingest request delivered to this instance -> its reply sent")
                .tags("transport", transport, "region", region).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        return nanos -> t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /**
     * One origin-stream message: its events, how long the oldest waited for it to leave (group
     * commit), and the stream's ack time. Together with the propagation timer, they say where an
     * event's time goes: queued, stored, then spread and applied.
     */
    public OriginMessages originMessages() {
        Timer queued = Timer.builder("olympus.revocation.origin.queued").description("oldest event of a message: waiting for the message to leave")
                .tag("region", region).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        Timer acked = Timer.builder("olympus.revocation.origin.ack").description("publish of a message to the origin stream's ack")
                .tag("region", region).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        io.micrometer.core.instrument.DistributionSummary size = io.micrometer.core.instrument.DistributionSummary
                .builder("olympus.revocation.origin.message.events").description("events per origin-stream message (group commit)")
                .tag("region", region).register(registry);
        Counter failed = counter("olympus.revocation.origin.messages.failed", "origin-stream publishes that failed or timed out");
        return new OriginMessages(queued, acked, size, failed);
    }

    /** The meters of {@link #originMessages()}. */
    public record OriginMessages(Timer queued, Timer acked, io.micrometer.core.instrument.DistributionSummary size, Counter failed) {
        public void record(int events, long queuedNanos, long ackNanos, boolean ok) {
            queued.record(queuedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            acked.record(ackNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            size.record(events);
            if (!ok) {
                failed.increment();
            }
        }
    }

    public void consumerPending(long numPending, long numAckPending) {
        pending.set(numPending);
        ackPending.set(numAckPending);
    }

    public long consumerPending() {
        return pending.get();
    }

    private void count(String name, String description, String... tags) {
        String key = name + String.join("|", tags);
        counters.computeIfAbsent(key, k -> counter(name, description, tags)).increment();
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).tag("region", region).register(registry);
    }
}

package olympus.router.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import olympus.router.core.EmptyResultDecision;
import olympus.router.core.ReadReason;
import olympus.router.core.Router;
import olympus.router.core.WriteDecision;

import java.util.EnumMap;
import java.util.Map;

/**
 * {@code router_decisions_total{kind, target, reason}}: every decision's reason, counted. Counters
 * are created up front so the hot path does one array lookup and an atomic add.
 */
@Singleton
public class DecisionMetrics {
    private final Map<ReadReason, Counter> read = new EnumMap<>(ReadReason.class);
    private final Map<WriteDecision.Reason, Counter> write = new EnumMap<>(WriteDecision.Reason.class);
    private final Map<EmptyResultDecision.Reason, Counter> empty = new EnumMap<>(EmptyResultDecision.Reason.class);
    private final Counter[] readByOrdinal;
    private final Counter callerLsnRefused;
    private final MeterRegistry meters;
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> markersLimited = new java.util.concurrent.ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.Timer readDuration;

    public DecisionMetrics(MeterRegistry meters, Router router) {
        this.meters = meters;
        for (ReadReason r : ReadReason.values()) {
            read.put(r, Counter.builder("olympus.router.decisions").description("routing decisions by kind, target and reason")
                    .tag("kind", "read").tag("target", r.target().name()).tag("reason", r.name()).register(meters));
        }
        for (WriteDecision.Reason r : WriteDecision.Reason.values()) {
            write.put(r, Counter.builder("olympus.router.decisions").tag("kind", "write")
                    .tag("target", r == WriteDecision.Reason.WRITES_OPEN ? "PROCEED" : "HOLD").tag("reason", r.name()).register(meters));
        }
        for (EmptyResultDecision.Reason r : EmptyResultDecision.Reason.values()) {
            empty.put(r, Counter.builder("olympus.router.decisions").tag("kind", "empty_result")
                    .tag("target", r == EmptyResultDecision.Reason.MARKER_PRESENT ? "PRIMARY" : "NONE").tag("reason", r.name()).register(meters));
        }
        readByOrdinal = read.values().toArray(new Counter[0]);
        callerLsnRefused = Counter.builder("olympus.router.caller.lsn.refused")
                .description("write markers refused: the caller's lsn was ahead of the primary's WAL").register(meters);
        // Micronaut's per-request http.server.requests meters are off (application.yml): they
        // built a Timer (tags, registry lookup) on every request, ~10% of the read path's
        // allocations. This one timer, registered once, says how long read decisions take.
        readDuration = io.micrometer.core.instrument.Timer.builder("olympus.router.read.duration")
                .description("read decision: from the controller's entry to the encoded answer, Redis lookup included")
                .publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofNanos(20_000))
                .maximumExpectedValue(java.time.Duration.ofSeconds(2))
                .register(meters);
        Gauge.builder("olympus.router.guard.refused", router.guard(), g -> g.refused())
                .description("lag-induced primary reads the guard kept on the replica").register(meters);
        Gauge.builder("olympus.router.guard.rate", router.guard(), g -> g.ratePerSecond()).register(meters);
    }

    /** Marker calls refused 429 by the per-caller limit; tagged by token name ("open" for every address). */
    public void markersLimited(String caller) {
        String tag = caller.startsWith(ApiAuth.OPEN + ":") ? ApiAuth.OPEN : caller;
        markersLimited.computeIfAbsent(tag, c -> Counter.builder("olympus.router.markers.limited")
                .description("marker calls refused with 429: the caller was over router.marker-rate")
                .tag("caller", c).register(meters)).increment();
    }

    public void callerLsnRefused() {
        callerLsnRefused.increment();
    }

    /** @param nanos how long the decision took (controller entry to answer) */
    public void read(ReadReason r, long nanos) {
        readByOrdinal[r.ordinal()].increment();
        readDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void write(WriteDecision.Reason r) {
        write.get(r).increment();
    }

    public void empty(EmptyResultDecision.Reason r) {
        empty.get(r).increment();
    }
}

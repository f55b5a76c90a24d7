package olympus.lag.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import olympus.lag.core.Assessment;
import olympus.lag.core.LagSample;
import olympus.lag.core.LagState;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Prometheus view of the monitor. Gauges read the current verdict as of scrape time (so a stuck
 * sampler shows as STALE), figures that are unknown are NaN, never 0.
 * {@code olympus_lag_seconds} is the figure to alert on; it was {@code pg_replication_lag_seconds}, which
 * postgres_exporter exports too (deploy/lag-monitor/alerts.yml records that name for old queries).
 */
final class LagMetrics {
    private final MeterRegistry registry;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    LagMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private io.micrometer.core.instrument.Timer cycleTimer;

    void cycle(long millis) {
        if (cycleTimer == null) {
            cycleTimer = io.micrometer.core.instrument.Timer.builder("olympus_lag_cycle")
                    .description("one sampling cycle: replica query, primary query, heartbeat write").register(registry);
        }
        cycleTimer.record(java.time.Duration.ofMillis(millis));
    }

    /** Statements sent to a database, so the load the monitor puts on the primary can be read off. */
    // Micrometer holds the state object weakly: pass the long-lived probe, not a lambda that
    // nothing else references (it would be collected and the counter would read 0).
    <T> void queries(String target, T probe, java.util.function.ToLongFunction<T> n) {
        io.micrometer.core.instrument.FunctionCounter.builder("olympus_lag_queries", probe, x -> n.applyAsLong(x))
                .description("statements this monitor sent").tag("target", target).register(registry);
    }

    void count(String name, String... tags) {
        counters.computeIfAbsent(name + String.join(",", tags), k -> Counter.builder(name).tags(tags).register(registry))
                .increment();
    }

    /** Gauges for one replica, reading through {@code view} at scrape time. */
    void replica(String replica, Function<String, Assessment> assessment, Function<String, LagSample> sample) {
        if (!registered.add(replica)) {
            return;
        }
        gauge("olympus_lag_seconds", "replica lag to act on (heartbeat, primary clock); NaN when unknown or stale",
                replica, () -> {
                    Assessment a = assessment.apply(replica);
                    return a == null || a.lagMs() == null || a.state() == LagState.STALE || a.state() == LagState.UNKNOWN
                            ? Double.NaN : a.lagMs() / 1000.0;
                });
        for (LagState s : LagState.values()) {
            registry.gauge("olympus_lag_state", io.micrometer.core.instrument.Tags.of("replica", replica, "state", s.name()),
                    replica, r -> {
                        Assessment a = assessment.apply(r);
                        return a != null && a.state() == s ? 1 : 0;
                    });
        }
        gauge("olympus_lag_write_seconds", "pg_stat_replication write_lag", replica, () -> secs(sample.apply(replica), LagSample::writeLagMs));
        gauge("olympus_lag_flush_seconds", "pg_stat_replication flush_lag", replica, () -> secs(sample.apply(replica), LagSample::flushLagMs));
        gauge("olympus_lag_replay_seconds", "pg_stat_replication replay_lag", replica, () -> secs(sample.apply(replica), LagSample::replayLagMs));
        gauge("olympus_lag_bytes", "primary current LSN minus replica replay LSN", replica,
                () -> num(sample.apply(replica), LagSample::byteLag));
        gauge("olympus_lag_slot_safe_wal_size_bytes", "pg_replication_slots.safe_wal_size of the replica's slot", replica,
                () -> num(sample.apply(replica), LagSample::safeWalSizeBytes));
        gauge("olympus_lag_slot_wal_lost", "1 when the replica's slot wal_status is 'lost' or 'unreserved'", replica, () -> {
            LagSample s = sample.apply(replica);
            return s == null || s.walStatus() == null ? Double.NaN
                    : ("lost".equals(s.walStatus()) || "unreserved".equals(s.walStatus()) ? 1 : 0);
        });
        gauge("olympus_lag_replay_paused", "1 when replay is paused on the replica", replica, () -> {
            LagSample s = sample.apply(replica);
            return s == null ? Double.NaN : s.replayPaused() ? 1 : 0;
        });
        gauge("olympus_lag_clock_skew_seconds", "primary clock minus this monitor's clock (shown, not used in lag)", replica,
                () -> secs(sample.apply(replica), LagSample::clockSkewMs));
    }

    private void gauge(String name, String help, String replica, Supplier<Number> f) {
        Gauge.builder(name, f).description(help).tag("replica", replica).register(registry);
    }

    private static double secs(LagSample s, Function<LagSample, Double> f) {
        Double v = s == null ? null : f.apply(s);
        return v == null ? Double.NaN : v / 1000.0;
    }

    private static double num(LagSample s, Function<LagSample, Long> f) {
        Long v = s == null ? null : f.apply(s);
        return v == null ? Double.NaN : v;
    }
}

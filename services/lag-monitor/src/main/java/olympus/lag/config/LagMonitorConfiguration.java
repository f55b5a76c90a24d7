package olympus.lag.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * Settings of the lag-monitor (prefix {@code lag-monitor}); application.yml maps the topology's
 * environment variables onto them.
 *
 * @param region             the region this instance runs in; it monitors that region's replica
 *                           (OLYMPUS_REGION). In the primary's region it only takes part in the
 *                           heartbeat lease.
 * @param primaryRegion      the primary until the control KV has been read (OLYMPUS_PRIMARY_REGION);
 *                           the control KV's "topology" key wins as soon as it is readable.
 * @param interval           sampling and heartbeat period. Default 500 ms; down to 100 ms. Shorter
 *                           finds lag sooner and bounds the heartbeat's over-statement (at most one
 *                           interval) tighter, at one or two small queries per interval on the primary.
 * @param lagThreshold       over this, a sample is a breach. Default 1 s: session routing wants
 *                           seconds-fresh replicas; the docs' alert (5 s for 1 min) lives in the
 *                           Prometheus rules, not here.
 * @param consecutiveBreaches breaches in a row before OK turns LAGGING. Default 3: one slow sample
 *                           does not flap the state; raises detection time by (N-1) intervals.
 * @param staleAfterIntervals a sample older than this many intervals reads as STALE. Default 3:
 *                           one late sample is tolerated, a stuck monitor or replica is not.
 * @param lease              how long a heartbeat writer's lease lasts on the primary's clock.
 *                           Default 2 s. Longer: fewer takeovers on a slow cycle; shorter: a dead
 *                           writer is replaced sooner. Lag stays correct during the gap (the
 *                           primary's replay_lag stands in), so err on the long side.
 * @param queryTimeout       JDBC connect/socket timeout. Default 2 s (whole seconds, the driver's
 *                           unit). It bounds how long a hung database blocks the sampling thread;
 *                           it does not delay STALE (readers see a sample age past the staleness
 *                           bound regardless). 1 s made a loaded host's slow query read as
 *                           "unreachable"; longer delays reconnecting after a cut.
 * @param topologyPoll       how often the control KV's topology is read. Default 1 s; a failover
 *                           moves the heartbeat within this plus one interval.
 * @param slotPrefix         replication slot of region R is prefix + R with '-' as '_'
 *                           (the topology's convention: replica_eu_west).
 * @param apps               named check thresholds, "app=duration,...", e.g. "session-router=1s,migrations=10s".
 * @param postgresEndpoints  region=host:port,... as seen from this region (OLYMPUS_POSTGRES_ENDPOINTS):
 *                           the replica is this region's entry, the primary the topology's.
 * @param postgresUser       the least-privilege monitoring role (PG_MONITOR_USER): pg_monitor plus
 *                           ownership of schema olympus_ops, nothing else.
 * @param natsUrl            this region's NATS server (NATS_URL); the control KV is reached through it.
 */
@ConfigurationProperties("lag-monitor")
public record LagMonitorConfiguration(
        @NotBlank String region,
        @NotBlank String primaryRegion,
        @Bindable(defaultValue = "500ms") Duration interval,
        @Bindable(defaultValue = "1s") Duration lagThreshold,
        @Bindable(defaultValue = "3") @Min(1) int consecutiveBreaches,
        @Bindable(defaultValue = "3") @Min(1) int staleAfterIntervals,
        @Bindable(defaultValue = "2s") Duration lease,
        @Bindable(defaultValue = "2s") Duration queryTimeout,
        @Bindable(defaultValue = "1s") Duration topologyPoll,
        @Bindable(defaultValue = "replica_") String slotPrefix,
        @Bindable(defaultValue = "") String apps,
        @NotBlank String postgresEndpoints,
        @Bindable(defaultValue = "olympus") String postgresDatabase,
        @NotBlank String postgresUser,
        @Bindable(defaultValue = "") String postgresPassword,
        @NotBlank String natsUrl,
        @NotBlank String natsUser,
        @Bindable(defaultValue = "") String natsPassword) {

    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    public LagMonitorConfiguration {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("lag-monitor.interval " + interval + " is under the 100 ms minimum");
        }
        if (lease.compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("lag-monitor.lease " + lease + " must be at least two intervals ("
                    + interval.multipliedBy(2) + "), or the writer loses it between two heartbeats");
        }
    }
}

package olympus.failover.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;
import java.util.List;

/**
 * Settings of the failover-coordinator (prefix {@code olympus.failover}). Each says what it trades.
 *
 * @param region              this coordinator's region (OLYMPUS_REGION)
 * @param regions             every region (OLYMPUS_REGIONS)
 * @param agentTimeout        how long a status probe waits for a region's node agent. Shorter: a cut-off
 *                            region is seen sooner; longer: fewer false "unreachable" under load. Default 2 s.
 * @param leaseTtl            leader lease TTL. Shorter: a dead leader is replaced sooner; longer: fewer
 *                            spurious changes of leader under load or a slow control cluster. Default 6 s.
 * @param leaseSafety         the leader stops acting this long before its lease could expire in a follower's
 *                            eyes (covers clock-rate drift and a renewal in flight). Default 2 s.
 * @param maxLagBytes         failover lag guard: refuse a candidate further behind the last primary position
 *                            seen than this, unless forced (Patroni's maximum_lag_on_failover, default 1 MiB).
 *                            Larger: faster recovery, more acknowledged writes possibly lost.
 * @param observerQuorum      regions that must report the primary unreachable before an unforced failover.
 *                            Default 2: one region's own network trouble cannot trigger a failover.
 * @param observeInterval     how often each coordinator probes the primary and records it. Default 1 s.
 * @param observationMaxAge   an observation older than this does not count. Default 5 s.
 * @param pauseTimeout        how long PgBouncer PAUSE may wait for running transactions before the switchover
 *                            gives up (and resumes). Longer tolerates long transactions; clients stall longer.
 *                            Default 5 s.
 * @param catchUpTimeout      how long to wait for the candidate (or every replica, for migrate) to replay the
 *                            final position. Default 10 s.
 * @param promoteTimeout      pg_promote wait. Default 15 s.
 * @param fenceGrace          how long a quorum must have seen the primary unreachable before an unforced
 *                            failover. Every node agent checks at start-up that it fences a cut-off primary
 *                            sooner (its failover-fence-grace must be this value). Default 8 s.
 * @param maxClockSkew        the worst difference between two hosts' wall clocks: an unforced failover waits
 *                            this much longer past the moment the old primary's agent must have fenced it
 *                            (its last heartbeat plus its fence bound). Default 1 s.
 * @param autoFailover        automatic failover on a quorum of observers. Default off: an SRE decides. When on,
 *                            after one automatic failover a second waits for an SRE's {@code ack} (damping).
 * @param autoFailoverAfter   how long the primary must stay unreachable (per quorum) before an automatic failover.
 *                            Default 10 s (at least fenceGrace: a cut-off primary must have fenced itself).
 * @param apiTokens           HTTP API tokens: entries "token=principal:role" with role sre (all commands) or
 *                            viewer (status, history). Empty: the HTTP command API refuses everything but status.
 */
@ConfigurationProperties("olympus.failover")
public record FailoverConfiguration(
        @NotBlank String region,
        List<String> regions,
        @Bindable(defaultValue = "2s") Duration agentTimeout,
        @Bindable(defaultValue = "6s") Duration leaseTtl,
        @Bindable(defaultValue = "2s") Duration leaseSafety,
        @Bindable(defaultValue = "1048576") @Min(0) long maxLagBytes,
        @Bindable(defaultValue = "2") @Min(1) int observerQuorum,
        @Bindable(defaultValue = "1s") Duration observeInterval,
        @Bindable(defaultValue = "5s") Duration observationMaxAge,
        @Bindable(defaultValue = "5s") Duration pauseTimeout,
        @Bindable(defaultValue = "10s") Duration catchUpTimeout,
        @Bindable(defaultValue = "15s") Duration promoteTimeout,
        @Bindable(defaultValue = "8s") Duration fenceGrace,
        @Bindable(defaultValue = "1s") Duration maxClockSkew,
        @Bindable(defaultValue = "false") boolean autoFailover,
        @Bindable(defaultValue = "10s") Duration autoFailoverAfter,
        List<String> apiTokens) {
}

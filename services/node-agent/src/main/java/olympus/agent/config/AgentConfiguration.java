package olympus.agent.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;
import java.util.List;

/**
 * Settings of a node agent (prefix {@code olympus.agent}): where its host's PostgreSQL and
 * PgBouncer are, the credentials it alone holds, and the self-fence timing.
 *
 * @param region             this host's region (OLYMPUS_REGION)
 * @param regions            every region (OLYMPUS_REGIONS): a promoted primary keeps a slot for each other one
 * @param pgBin              PostgreSQL's binaries (pg_ctl, pg_rewind, pg_basebackup, pg_controldata)
 * @param pgData             this host's data directory
 * @param pgLog              the log pg_ctl start writes to
 * @param pgEndpoints        "region=host:port,..." every region's PostgreSQL as reached from this host
 *                           (its own too): replication and pg_rewind connect to the primary there
 * @param pgBouncerIni       this host's pgbouncer.ini (repointing rewrites its [databases] lines)
 * @param pgBouncerHost      where the PgBouncer admin console listens on this host
 * @param pgBouncerPort      its port
 * @param stateDir           where the highest fencing token is kept across restarts
 * @param selfFence          fence the local primary on losing the control quorum. Default on.
 * @param fenceAfter         F: no quorum for this long (monotonic clock) and a local primary is fenced. Default 3 s.
 * @param heartbeatEvery     I: how often the agent proves the quorum (a KV write) and checks. Default 500 ms.
 * @param fenceActionTimeout A: the longest reading the local server, and then fencing it, may each take; a
 *                           fence not confirmed by then stops the server at once. Default 1 s.
 * @param maxClockSkew       S: the worst difference between two hosts' wall clocks (the failover's
 *                           grace is measured across hosts). Default 1 s.
 * @param failoverFenceGrace G: the coordinators' fence-grace (the same value: render both from one
 *                           file). An unforced failover promotes no sooner than G after the primary
 *                           became unreachable; the agent refuses to start unless F + I + 2A + S &lt; G
 *                           ({@link olympus.agent.core.FenceTiming}).
 * @param bootstrap          what the agent does with an empty data directory: {@code clone} (default) makes
 *                           this host a replica of the primary the control KV names (pg_basebackup),
 *                           {@code off} leaves it to the operator ({@link olympus.agent.core.Bootstrap})
 * @param cloneTimeout       the longest a base backup may take. Default 12 h.
 */
@ConfigurationProperties("olympus.agent")
public record AgentConfiguration(
        @NotBlank String region,
        List<String> regions,
        @Bindable(defaultValue = "/usr/lib/postgresql/15/bin") String pgBin,
        @NotBlank String pgData,
        String pgLog,
        @NotBlank String pgEndpoints,
        @NotBlank String pgBouncerIni,
        @Bindable(defaultValue = "127.0.0.1") String pgBouncerHost,
        @Bindable(defaultValue = "6432") int pgBouncerPort,
        @NotBlank String stateDir,
        @Bindable(defaultValue = "true") boolean selfFence,
        @Bindable(defaultValue = "3s") Duration fenceAfter,
        @Bindable(defaultValue = "500ms") Duration heartbeatEvery,
        @Bindable(defaultValue = "1s") Duration fenceActionTimeout,
        @Bindable(defaultValue = "1s") Duration maxClockSkew,
        @Bindable(defaultValue = "8s") Duration failoverFenceGrace,
        @Bindable(defaultValue = "clone") @jakarta.validation.constraints.Pattern(regexp = "clone|off",
                message = "olympus.agent.bootstrap (OLYMPUS_AGENT_BOOTSTRAP) is clone or off") String bootstrap,
        @Bindable(defaultValue = "12h") Duration cloneTimeout) {
}

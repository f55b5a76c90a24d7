package olympus.wire;

import java.time.Instant;

/**
 * One lag measurement of a replica. Every figure is nullable because a missing measurement
 * must reach readers as missing, never as 0 (a NULL lag read as 0 passes a stale replica as
 * healthy). {@code state} is the verdict readers should act on; the figures are the evidence.
 *
 * <p>Stages: {@code heartbeatLagMs} is the heartbeat row's age on the replica (one clock,
 * end to end); write/flush/replay come from the primary's {@code pg_stat_replication};
 * {@code byteLag} is {@code pg_wal_lsn_diff} of sent and replayed positions. {@code epoch} is
 * the topology epoch the sample was taken under, so a sample against a demoted primary can be
 * told apart.
 */
public record ReplicaLagSampled(
        String eventId,
        int schemaVersion,
        String originRegion,
        Instant occurredAt,
        String replica,
        String primary,
        long epoch,
        Double heartbeatLagMs,
        Double writeLagMs,
        Double flushLagMs,
        Double replayLagMs,
        Long byteLag,
        String receiveLsn,
        String replayLsn,
        boolean replayPaused,
        String walStatus,
        Long safeWalSizeBytes,
        String state,
        String reason) implements WireEvent {

    public static final String OK = "OK";
    public static final String LAGGING = "LAGGING";
    public static final String STALE = "STALE";
    public static final String UNKNOWN = "UNKNOWN";

    public ReplicaLagSampled {
        Check.header(eventId, schemaVersion, originRegion, occurredAt);
        Check.region("replica", replica);
        Check.region("primary", primary);
        if (epoch < 0) {
            throw WireException.invalid("epoch", "must be >= 0, got " + epoch);
        }
        Check.nonNegative("heartbeatLagMs", heartbeatLagMs);
        Check.nonNegative("writeLagMs", writeLagMs);
        Check.nonNegative("flushLagMs", flushLagMs);
        Check.nonNegative("replayLagMs", replayLagMs);
        Check.nonNegative("byteLag", byteLag);
        Check.lsn("receiveLsn", receiveLsn);
        Check.lsn("replayLsn", replayLsn);
        Check.optionalText("walStatus", walStatus, 32);
        // safeWalSizeBytes is not range-checked: PostgreSQL reports it negative for an
        // "unreserved" slot, and that is exactly the warning failover wants to see.
        Check.oneOf("state", state, Check.LAG_STATES);
        Check.optionalText("reason", reason, Check.MAX_REASON);
    }
}

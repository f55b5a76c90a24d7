package olympus.failover.core;

import olympus.wire.Lsn;

/**
 * One region's PostgreSQL as the coordinator sees it right now. LSNs are null when unknown
 * (unreachable, or not applicable: a primary has no replay position).
 *
 * @param reachable  a query answered within the probe timeout
 * @param inRecovery pg_is_in_recovery(): true for a replica (or a fenced former primary restarted as one)
 * @param readOnly   default_transaction_read_only is on (the SQL fence)
 * @param walLsn     primary: pg_current_wal_lsn(); replica: max(receive, replay)
 * @param replayLsn  replica: pg_last_wal_replay_lsn()
 * @param error      why it is unreachable
 * @param hostReachable the region's node agent answered (its PostgreSQL may still be down): it can
 *                   be asked to act, e.g. to fence a stopped primary so that it restarts as a standby
 * @param upstream   replica: the region its WAL receiver streams from, null when not streaming
 * @param upstreamAgeMs replica: how long ago it last received anything from {@code upstream}
 */
public record NodeStatus(String region, boolean reachable, boolean inRecovery, boolean readOnly,
                         Long walLsn, Long replayLsn, String error, boolean hostReachable, String upstream, Long upstreamAgeMs) {
    public NodeStatus(String region, boolean reachable, boolean inRecovery, boolean readOnly, Long walLsn, Long replayLsn, String error,
                      boolean hostReachable) {
        this(region, reachable, inRecovery, readOnly, walLsn, replayLsn, error, hostReachable, null, null);
    }

    public NodeStatus(String region, boolean reachable, boolean inRecovery, boolean readOnly, Long walLsn, Long replayLsn, String error) {
        this(region, reachable, inRecovery, readOnly, walLsn, replayLsn, error, reachable);
    }

    /** Neither the database nor its host's agent answered. */
    public static NodeStatus unreachable(String region, String error) {
        return new NodeStatus(region, false, false, false, null, null, error, false);
    }

    /** The host's agent answered, its database did not. */
    public static NodeStatus databaseDown(String region, String error) {
        return new NodeStatus(region, false, false, false, null, null, error, true);
    }

    /** Takes writes: reachable, not in recovery, not fenced read-only. */
    public boolean writable() {
        return reachable && !inRecovery && !readOnly;
    }

    public String describe() {
        if (!reachable) {
            return "unreachable (" + error + ")";
        }
        if (!inRecovery) {
            return (readOnly ? "primary, FENCED read-only" : "primary, writable") + (walLsn == null ? "" : " at " + Lsn.format(walLsn));
        }
        return "replica, replayed " + (replayLsn == null ? "?" : Lsn.format(replayLsn));
    }
}

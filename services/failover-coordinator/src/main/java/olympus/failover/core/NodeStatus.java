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
 */
public record NodeStatus(String region, boolean reachable, boolean inRecovery, boolean readOnly,
                         Long walLsn, Long replayLsn, String error) {
    public static NodeStatus unreachable(String region, String error) {
        return new NodeStatus(region, false, false, false, null, null, error);
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

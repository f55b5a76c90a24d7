package olympus.lag.core;

import olympus.wire.Lsn;

import java.time.Duration;
import java.time.Instant;

/**
 * Turns one replica observation and one primary observation into a {@link LagSample}.
 *
 * <p>The two queries run in this order: replica first, then primary. Every position and time
 * read on the primary is therefore at least as new as what the replica showed, so the figures
 * can only over-state lag (by the query's duration), never under-state it.
 *
 * <p>The lag figure, in order of preference:
 * <ol>
 *   <li><b>caught up</b>: the replica had replayed the primary's current WAL position (read
 *       after it): lag is 0. This is what makes an idle primary read 0 rather than "time since
 *       the last transaction", the classic false alarm.</li>
 *   <li><b>heartbeat</b>: primary's now minus the written-at of the newest heartbeat the replica
 *       has replayed. Both are the primary's clock, so clock skew between hosts never enters.
 *       It over-states by at most one heartbeat interval.</li>
 *   <li><b>heartbeat's WAL position</b>: the replica lacks the primary's newest heartbeat (it was
 *       in flight) but has replayed past the WAL insert position the primary recorded when it
 *       wrote it: every commit made before that write is on the replica, so the lag is at most
 *       the primary's now minus that write. This keeps a heartbeat in flight, or a writer that
 *       stalled between two writes, from adding the whole gap since the replica's own heartbeat.</li>
 *   <li><b>pg_stat_replication</b>, when the heartbeat writer is changing hands (the primary's
 *       newest heartbeat is older than the writer-gap tolerance) and the replica already has that
 *       newest heartbeat: then the heartbeat's age measures the gap, not the replica, and the
 *       primary's own replay_lag is the better figure.</li>
 * </ol>
 */
public final class LagMeasure {
    private LagMeasure() {}

    public static LagSample measure(String replica, String primary, long epoch, ReplicaObservation r,
                                    PrimaryObservation p, Instant observedAt, Instant primaryQueryMidpoint,
                                    long windowMs, Thresholds t) {
        if (!r.ok()) {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.REPLICA_UNREACHABLE,
                    "replica " + replica + " unreachable: " + r.error(), r, p, null);
        }
        if (!r.inRecovery()) {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.NOT_A_REPLICA,
                    replica + " is not in recovery (promoted?): no replica lag to measure", r, p, null);
        }
        if (!p.ok()) {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.PRIMARY_UNREACHABLE,
                    "primary " + primary + " unreachable: " + p.error(), r, p, null);
        }
        Double skew = p.primaryNow() == null || primaryQueryMidpoint == null ? null
                : (double) Duration.between(primaryQueryMidpoint, p.primaryNow()).toMillis();
        if (p.inRecovery()) {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.PRIMARY_UNREACHABLE,
                    "the topology's primary " + primary + " is in recovery: not a primary (stale topology?)", r, p, skew);
        }
        if (p.replicationState() == null) {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.REPLICATION_STOPPED,
                    "primary " + primary + " has no walsender for " + replica + " (WAL receiver: "
                            + (r.walReceiverStatus() == null ? "not running" : r.walReceiverStatus()) + ")", r, p, skew);
        }
        Long bytes = Lsn.diff(p.currentLsn(), r.replayLsn());
        Long byteLag = bytes == null ? null : Math.max(0L, bytes);
        Double hbAge = r.heartbeatWrittenAt() == null ? null
                : Math.max(0.0, Duration.between(r.heartbeatWrittenAt(), p.primaryNow()).toNanos() / 1e6);
        Double lag;
        String source;
        boolean writerGap = p.heartbeatWrittenAt() == null
                || Duration.between(p.heartbeatWrittenAt(), p.primaryNow()).toMillis() > t.writerGapMs();
        boolean replicaHasNewest = r.heartbeatSeq() != null && p.heartbeatSeq() != null
                && r.heartbeatSeq() >= p.heartbeatSeq();
        if (byteLag != null && byteLag == 0) {
            lag = 0.0;
            source = "caught up (replayed the primary's current WAL position)";
        } else if (writerGap && replicaHasNewest) {
            // PostgreSQL shows NULL lag once a standby has caught up and WAL is quiet.
            lag = p.replayLagMs() == null ? 0.0 : p.replayLagMs();
            source = p.replayLagMs() == null ? "pg_stat_replication (caught up and idle; heartbeat writer gap)"
                    : "pg_stat_replication replay_lag (heartbeat writer gap)";
        } else if (!replicaHasNewest && p.heartbeatWrittenAt() != null && p.heartbeatLsn() != null
                && Lsn.diff(r.replayLsn(), p.heartbeatLsn()) != null && Lsn.diff(r.replayLsn(), p.heartbeatLsn()) >= 0) {
            lag = Math.max(0.0, Duration.between(p.heartbeatWrittenAt(), p.primaryNow()).toNanos() / 1e6);
            source = "heartbeat's WAL position (replayed past where the primary's newest heartbeat was written)";
        } else if (hbAge != null) {
            lag = hbAge;
            source = "heartbeat";
        } else if (p.replayLagMs() != null) {
            lag = p.replayLagMs();
            source = "pg_stat_replication replay_lag (no heartbeat on the replica yet)";
        } else {
            return failed(replica, primary, epoch, observedAt, windowMs, Reason.NO_SAMPLE_YET,
                    "no heartbeat on " + replica + " yet and the primary reports no replay lag", r, p, skew);
        }
        return new LagSample(replica, primary, epoch, observedAt, null, source, lag, source, hbAge,
                p.writeLagMs(), p.flushLagMs(), p.replayLagMs(), byteLag, r.receiveLsn(), r.replayLsn(),
                r.replayPaused(), p.walStatus(), p.safeWalSizeBytes(), skew, windowMs);
    }

    private static LagSample failed(String replica, String primary, long epoch, Instant observedAt, long windowMs, Reason why,
                                    String detail, ReplicaObservation r, PrimaryObservation p, Double skew) {
        boolean pOk = p != null && p.ok();
        return new LagSample(replica, primary, epoch, observedAt, why, detail, null, null, null,
                pOk ? p.writeLagMs() : null, pOk ? p.flushLagMs() : null, pOk ? p.replayLagMs() : null,
                null, r.ok() ? r.receiveLsn() : null, r.ok() ? r.replayLsn() : null, r.ok() && r.replayPaused(),
                pOk ? p.walStatus() : null, pOk ? p.safeWalSizeBytes() : null, skew, windowMs);
    }
}

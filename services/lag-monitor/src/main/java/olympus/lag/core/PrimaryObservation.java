package olympus.lag.core;

import java.time.Instant;

/**
 * What one sampling query on the primary returned, or why it failed. Every time in it is on the
 * primary's clock ({@code clock_timestamp()}), read in the same statement as the WAL position.
 *
 * @param replicationState pg_stat_replication.state of the replica's walsender; null when the
 *                         replica is not connected (replication stopped, as far as the primary knows)
 * @param writeLagMs       pg_stat_replication lags: measured by the primary on its own clock;
 *                         null when PostgreSQL has nothing to report (idle, or not connected)
 * @param heartbeatLsn     the primary's WAL insert position when the newest heartbeat was written
 *                         (null before the first write or on a table made before the column):
 *                         a replica that replayed past it holds every commit made before that write
 * @param heartbeatWriter  who holds the heartbeat lease, and until when (primary clock)
 */
public record PrimaryObservation(
        String error,
        String region,
        boolean inRecovery,
        Instant primaryNow,
        String currentLsn,
        Long heartbeatSeq,
        Instant heartbeatWrittenAt,
        String heartbeatLsn,
        String heartbeatWriter,
        long heartbeatEpoch,
        Instant leaseUntil,
        String replicationState,
        Double writeLagMs,
        Double flushLagMs,
        Double replayLagMs,
        String walStatus,
        Long safeWalSizeBytes) {

    public static PrimaryObservation failed(String region, String error) {
        return new PrimaryObservation(error, region, false, null, null, null, null, null, null, 0, null,
                null, null, null, null, null, null);
    }

    public boolean ok() {
        return error == null;
    }
}

package olympus.lag.core;

import java.time.Instant;

/**
 * What one query on the replica returned, or why it failed. {@code heartbeatWrittenAt} is a time
 * on the <em>primary's</em> clock (the writer stored it there and it replicated as data), which
 * is what lets the lag figure avoid the replica's clock entirely.
 *
 * @param error              null on success; the failure, for the reason text, otherwise
 * @param inRecovery         false means the node was promoted: it is no replica any more
 * @param walReceiverStatus  pg_stat_wal_receiver.status, null when no WAL receiver runs
 * @param pauseState         pg_get_wal_replay_pause_state(): "not paused", "pause requested", "paused"
 */
public record ReplicaObservation(
        String error,
        boolean inRecovery,
        String receiveLsn,
        String replayLsn,
        String pauseState,
        String walReceiverStatus,
        Long heartbeatSeq,
        Instant heartbeatWrittenAt) {

    public static ReplicaObservation failed(String error) {
        return new ReplicaObservation(error, false, null, null, null, null, null, null);
    }

    public boolean ok() {
        return error == null;
    }

    public boolean replayPaused() {
        return pauseState != null && !"not paused".equals(pauseState);
    }
}

package olympus.lag.db;

import olympus.lag.core.ReplicaObservation;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/**
 * Reads the replica's side in one statement: recovery state, receive and replay LSN, pause
 * state, WAL receiver status, and the newest replayed heartbeat (written on the primary's clock).
 */
public final class ReplicaProbe implements AutoCloseable {
    static final String SQL = """
            SELECT pg_is_in_recovery(),
                   pg_last_wal_receive_lsn()::text,
                   pg_last_wal_replay_lsn()::text,
                   CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END,
                   (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
                   h.seq, h.written_at
              FROM (SELECT 1) one
              LEFT JOIN olympus_ops.heartbeat h ON h.id = 1
            """;
    /** Until the primary's monitor has created the heartbeat table and it has replicated. */
    static final String SQL_NO_HEARTBEAT = SQL.replace("h.seq, h.written_at", "NULL::bigint, NULL::timestamptz")
            .replace("LEFT JOIN olympus_ops.heartbeat h ON h.id = 1", "");

    private final PgSession session;
    private final String region;

    public ReplicaProbe(PgEndpoints endpoints, String region, String database, String user, String password, int timeoutSeconds) {
        this.session = new PgSession(endpoints, database, user, password, timeoutSeconds);
        this.region = region;
    }

    /**
     * Opens the session if it is closed, so that connecting (TCP + SCRAM, hundreds of ms on a
     * loaded host) is not counted in the sample's age. Errors are left for {@link #observe()}.
     */
    public void ensureConnected() {
        try {
            session.connection(region);
        } catch (SQLException | RuntimeException e) {
            session.close();
        }
    }

    public ReplicaObservation observe() {
        try {
            try {
                return run(SQL);
            } catch (SQLException e) {
                if (!"42P01".equals(e.getSQLState())) {
                    throw e;
                }
                session.close();
                return run(SQL_NO_HEARTBEAT);
            }
        } catch (SQLException | RuntimeException e) {
            session.close();
            return ReplicaObservation.failed(e instanceof SQLException s ? PgSession.describe(s) : String.valueOf(e));
        }
    }

    private ReplicaObservation run(String sql) throws SQLException {
        session.queries++;
        PreparedStatement ps = session.statement(region, sql);
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            long seq = rs.getLong(6);
            Long hbSeq = rs.wasNull() ? null : seq;
            Timestamp ts = rs.getTimestamp(7);
            return new ReplicaObservation(null, rs.getBoolean(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), hbSeq, ts == null ? null : ts.toInstant());
        }
    }

    public long queries() {
        return session.queries;
    }

    @Override
    public void close() {
        session.close();
    }
}

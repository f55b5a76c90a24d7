package olympus.lag.db;

import olympus.lag.core.PrimaryObservation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;

/**
 * The primary's side: one sampling statement per cycle (clock, WAL position, heartbeat row with
 * its lease, pg_stat_replication and the replica's slot), and the heartbeat write.
 *
 * <p><b>One writer per primary.</b> Every monitor (one per region) may try to write; the write is
 * a single conditional UPDATE that succeeds only for the lease holder, or for anyone once the
 * lease has expired on the primary's clock or was taken under an older topology epoch. The
 * check and the write are one atomic statement on one row, so two monitors can never both
 * believe they hold it, and every time in the row is the primary's own clock.
 *
 * <p>Runs as the least-privilege monitoring role: pg_monitor for the statistics, and ownership
 * of schema olympus_ops for the heartbeat table only.
 */
public final class PrimaryProbe implements AutoCloseable {
    static final String DDL = """
            CREATE TABLE IF NOT EXISTS olympus_ops.heartbeat (
                id          int PRIMARY KEY CHECK (id = 1),
                seq         bigint      NOT NULL,
                written_at  timestamptz NOT NULL,
                writer      text,
                epoch       bigint      NOT NULL DEFAULT 0,
                lease_until timestamptz NOT NULL,
                lsn         pg_lsn
            )""";
    /** Tables made before the lsn column: added once, in place (the monitor role owns the table). */
    static final String ADD_LSN = "ALTER TABLE olympus_ops.heartbeat ADD COLUMN IF NOT EXISTS lsn pg_lsn";
    static final String SEED = "INSERT INTO olympus_ops.heartbeat (id, seq, written_at, writer, epoch, lease_until) "
            + "VALUES (1, 0, clock_timestamp(), NULL, 0, '-infinity') ON CONFLICT (id) DO NOTHING";

    static final String SAMPLE = """
            SELECT pg_is_in_recovery(),
                   clock_timestamp(),
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,
                   h.seq, h.written_at, h.writer, h.epoch, h.lease_until, h.lsn::text,
                   r.state,
                   EXTRACT(EPOCH FROM r.write_lag)::float8 * 1000,
                   EXTRACT(EPOCH FROM r.flush_lag)::float8 * 1000,
                   EXTRACT(EPOCH FROM r.replay_lag)::float8 * 1000,
                   s.wal_status, s.safe_wal_size
              FROM (SELECT 1) one
              LEFT JOIN olympus_ops.heartbeat h ON h.id = 1
              LEFT JOIN LATERAL (SELECT state, write_lag, flush_lag, replay_lag FROM pg_stat_replication
                                  WHERE application_name = ? ORDER BY backend_start DESC LIMIT 1) r ON true
              LEFT JOIN pg_replication_slots s ON s.slot_name = ?
            """;

    static final String WRITE = """
            UPDATE olympus_ops.heartbeat
               SET seq = seq + 1, written_at = clock_timestamp(), lsn = pg_current_wal_insert_lsn(), writer = ?, epoch = ?,
                   lease_until = clock_timestamp() + make_interval(secs => ?)
             WHERE id = 1 AND (writer IS NULL OR writer = ? OR epoch < ? OR lease_until <= clock_timestamp())
            RETURNING seq
            """;

    /**
     * Sample and heartbeat write in one round trip: the conditional UPDATE of {@link #WRITE} (same
     * lease rule, same atomicity: one statement on one row) runs as a data-modifying CTE beside
     * the sampling SELECT of {@link #SAMPLE}. Every part of a statement sees the same snapshot,
     * so the sampled heartbeat columns are the row as it was before this write, exactly what the
     * separate sampling statement used to read; the last column is the new seq, NULL when the
     * lease is held elsewhere (no row updated). Used only on a server found writable (schema
     * created), so the UPDATE never meets a standby; if it did, the statement fails, the session
     * is reopened and the next cycle finds the server in recovery and samples read-only.
     */
    static final String SAMPLE_AND_WRITE = "WITH w AS (" + WRITE.strip() + ")\n"
            + SAMPLE.replace("s.wal_status, s.safe_wal_size", "s.wal_status, s.safe_wal_size, (SELECT seq FROM w)");

    private final PgSession session;
    private boolean schemaReady;
    private boolean heartbeatAttempted;
    private Long heartbeatSeq;

    public PrimaryProbe(PgEndpoints endpoints, String database, String user, String password, int timeoutSeconds) {
        this.session = new PgSession(endpoints, database, user, password, timeoutSeconds);
    }

    /**
     * Samples the primary in {@code primaryRegion} for {@code replica} (null: no replica of ours,
     * as for the monitor in the primary's own region).
     */
    public PrimaryObservation observe(String primaryRegion, String replica, String slotName) {
        return observe(primaryRegion, replica, slotName, null, 0, null);
    }

    /**
     * Samples the primary and, when {@code writerId} is not null and the server is writable,
     * writes the heartbeat in the same statement if this monitor holds or may take the lease
     * (see {@link #heartbeatAttempted()} and {@link #heartbeatSeq()} for the outcome).
     */
    public PrimaryObservation observe(String primaryRegion, String replica, String slotName, String writerId, long epoch,
                                      Duration lease) {
        heartbeatAttempted = false;
        heartbeatSeq = null;
        try {
            if (session.isFresh()) {
                schemaReady = false;
            }
            Connection c = session.connection(primaryRegion);
            if (!schemaReady) {
                ensureSchema(c);
            }
            session.queries++;
            boolean write = writerId != null && schemaReady;
            PreparedStatement ps = session.statement(primaryRegion, write ? SAMPLE_AND_WRITE : SAMPLE);
            int i = 1;
            if (write) {
                ps.setString(i++, writerId);
                ps.setLong(i++, epoch);
                ps.setDouble(i++, lease.toMillis() / 1000.0);
                ps.setString(i++, writerId);
                ps.setLong(i++, epoch);
            }
            ps.setString(i++, replica == null ? "" : replica);
            ps.setString(i, slotName == null ? "" : slotName);
            heartbeatAttempted = write;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (write) {
                    heartbeatSeq = lng(rs, 16);
                }
                long seq = rs.getLong(4);
                Long hbSeq = rs.wasNull() ? null : seq;
                return new PrimaryObservation(null, primaryRegion, rs.getBoolean(1), instant(rs.getTimestamp(2)),
                        rs.getString(3), hbSeq, instant(rs.getTimestamp(5)), rs.getString(9), rs.getString(6), rs.getLong(7),
                        instant(rs.getTimestamp(8)), rs.getString(10), dbl(rs, 11), dbl(rs, 12), dbl(rs, 13),
                        rs.getString(14), lng(rs, 15));
            }
        } catch (SQLException | RuntimeException e) {
            session.close();
            return PrimaryObservation.failed(primaryRegion, e instanceof SQLException s ? PgSession.describe(s) : String.valueOf(e));
        }
    }

    /**
     * Writes the heartbeat if this monitor holds (or may take) the lease. Returns the new
     * sequence number, or null when another monitor holds the lease.
     */
    public Long writeHeartbeat(String primaryRegion, String writerId, long epoch, Duration lease) throws SQLException {
        session.queries++;
        try {
            PreparedStatement ps = session.statement(primaryRegion, WRITE);
            ps.setString(1, writerId);
            ps.setLong(2, epoch);
            ps.setDouble(3, lease.toMillis() / 1000.0);
            ps.setString(4, writerId);
            ps.setLong(5, epoch);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            session.close();
            throw e;
        }
    }

    private void ensureSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            if (rs.getBoolean(1)) {
                // Not a primary: sample anyway, the observation will say so; nothing to create.
                return;
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute(DDL);
            s.execute(ADD_LSN);
            s.execute(SEED);
            schemaReady = true;
        } catch (SQLException e) {
            // Two monitors creating the table at once: one loses on the catalog's unique index.
            // The winner's table is there on the next cycle.
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Whether the last {@link #observe} sent the heartbeat write (the server was writable); if it failed, the observation says why. */
    public boolean heartbeatAttempted() {
        return heartbeatAttempted;
    }

    /** The heartbeat seq the last {@link #observe} wrote; null when it did not write (lease held elsewhere, or not attempted). */
    public Long heartbeatSeq() {
        return heartbeatSeq;
    }

    public long queries() {
        return session.queries;
    }

    private static java.time.Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Double dbl(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static Long lng(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    @Override
    public void close() {
        session.close();
    }
}

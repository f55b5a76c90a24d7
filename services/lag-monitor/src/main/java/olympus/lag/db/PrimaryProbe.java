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
                lease_until timestamptz NOT NULL
            )""";
    static final String SEED = "INSERT INTO olympus_ops.heartbeat (id, seq, written_at, writer, epoch, lease_until) "
            + "VALUES (1, 0, clock_timestamp(), NULL, 0, '-infinity') ON CONFLICT (id) DO NOTHING";

    static final String SAMPLE = """
            SELECT pg_is_in_recovery(),
                   clock_timestamp(),
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,
                   h.seq, h.written_at, h.writer, h.epoch, h.lease_until,
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
               SET seq = seq + 1, written_at = clock_timestamp(), writer = ?, epoch = ?,
                   lease_until = clock_timestamp() + make_interval(secs => ?)
             WHERE id = 1 AND (writer IS NULL OR writer = ? OR epoch < ? OR lease_until <= clock_timestamp())
            RETURNING seq
            """;

    private final PgSession session;
    private boolean schemaReady;

    public PrimaryProbe(PgEndpoints endpoints, String database, String user, String password, int timeoutSeconds) {
        this.session = new PgSession(endpoints, database, user, password, timeoutSeconds);
    }

    /**
     * Samples the primary in {@code primaryRegion} for {@code replica} (null: no replica of ours,
     * as for the monitor in the primary's own region).
     */
    public PrimaryObservation observe(String primaryRegion, String replica, String slotName) {
        try {
            if (session.isFresh()) {
                schemaReady = false;
            }
            Connection c = session.connection(primaryRegion);
            if (!schemaReady) {
                ensureSchema(c);
            }
            session.queries++;
            PreparedStatement ps = session.statement(primaryRegion, SAMPLE);
            ps.setString(1, replica == null ? "" : replica);
            ps.setString(2, slotName == null ? "" : slotName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long seq = rs.getLong(4);
                Long hbSeq = rs.wasNull() ? null : seq;
                return new PrimaryObservation(null, primaryRegion, rs.getBoolean(1), instant(rs.getTimestamp(2)),
                        rs.getString(3), hbSeq, instant(rs.getTimestamp(5)), rs.getString(6), rs.getLong(7),
                        instant(rs.getTimestamp(8)), rs.getString(9), dbl(rs, 10), dbl(rs, 11), dbl(rs, 12),
                        rs.getString(13), lng(rs, 14));
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

package olympus.failover.db;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.time.Instant;
import java.util.List;

/**
 * The audit table, a projection of the AUDIT stream: every coordinator inserts what the stream
 * holds, idempotently (the command id is the key), so the table catches up after a failover
 * without losing or doubling a row.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface AuditRepository extends GenericRepository<AuditRecord, String> {
    @Query("INSERT INTO failover_audit (id, verb, outcome, principal, reason, started_at, total_ms, body) "
            + "VALUES (:id, :verb, :outcome, :principal, :reason, :startedAt, :totalMs, :body) ON CONFLICT (id) DO NOTHING")
    void insertIgnore(String id, String verb, String outcome, String principal, String reason, Instant startedAt, long totalMs, String body);

    @Query("SELECT * FROM failover_audit ORDER BY started_at DESC LIMIT :limit")
    List<AuditRecord> recent(int limit);
}

package olympus.failover.db;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;

/** One command's audit row: the searchable columns, and the whole result (steps included) as JSON. */
@MappedEntity("failover_audit")
public record AuditRecord(@Id String id, String verb, String outcome, String principal, String reason,
                          Instant startedAt, long totalMs, String body) {}

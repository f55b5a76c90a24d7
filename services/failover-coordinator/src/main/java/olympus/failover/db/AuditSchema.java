package olympus.failover.db;

import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the audit table on first use; retried by the caller until the primary is writable. */
@Singleton
public final class AuditSchema {
    private final DataSource ds;
    private volatile boolean ready;

    public AuditSchema(DataSource ds, io.micronaut.jdbc.DataSourceResolver resolver) {
        // The injected DataSource is Micronaut Data's contextual proxy, usable only inside a
        // @Connectable/@Transactional method: DDL here goes to the pool itself.
        this.ds = resolver.resolve(ds);
    }

    public void ensure() throws SQLException {
        if (ready) {
            return;
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS failover_audit (id text PRIMARY KEY, verb text NOT NULL, outcome text NOT NULL, "
                    + "principal text, reason text, started_at timestamptz NOT NULL, total_ms bigint NOT NULL, body text NOT NULL, "
                    + "recorded_at timestamptz NOT NULL DEFAULT now())");
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
        ready = true;
    }
}

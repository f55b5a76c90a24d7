package olympus.router.db;

import olympus.wire.Lsn;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import olympus.router.config.PostgresConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads {@code pg_current_wal_lsn()} from the current primary when a caller records a write
 * without its position. Asked after the caller's commit, so the answer is at or after the
 * commit's position (what read-your-writes needs). Never on the read path. One small pool per
 * region endpoint, opened on first use, because the primary moves with the topology.
 */
@Singleton
public class PrimaryLsnReader {
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryLsnReader.class);

    private final PostgresConfiguration cfg;
    private final Map<String, String> endpoints = new LinkedHashMap<>();
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

    /** verify-full against the deployment's CA when TLS is configured (olympus.tls.*). */
    private final String sslParams;

    public PrimaryLsnReader(PostgresConfiguration cfg, io.micronaut.context.env.Environment env) {
        this.cfg = cfg;
        this.sslParams = olympus.tls.PgTls.jdbcParams(olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null)));
        for (String part : cfg.endpoints().split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq > 0) {
                endpoints.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
    }

    /** The primary's current WAL position; throws SQLException (or IllegalStateException) when it cannot be read. */
    public long currentLsn(String primaryRegion) throws SQLException {
        HikariDataSource ds = pools.computeIfAbsent(primaryRegion, this::open);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             // Fails with "recovery is in progress" on a replica: a topology that names a primary
             // not yet promoted must not yield a replica's position as a write token.
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    private HikariDataSource open(String region) {
        String hostPort = endpoints.get(region);
        if (hostPort == null) {
            throw new IllegalStateException("no PostgreSQL endpoint configured for region " + region);
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("primary-lsn-" + region);
        hc.setJdbcUrl("jdbc:postgresql://" + hostPort + "/" + cfg.database()
                + "?connectTimeout=" + Math.max(1, cfg.connectTimeout().toSeconds())
                + "&socketTimeout=" + Math.max(2, cfg.connectTimeout().toSeconds() * 2) + "&" + sslParams);
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password());
        hc.setMaximumPoolSize(cfg.poolSize());
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(Math.max(250, cfg.connectTimeout().toMillis()));
        hc.setInitializationFailTimeout(-1);
        hc.setReadOnly(false);
        LOG.info("opening pool to the primary in {} at {}", region, hostPort);
        return new HikariDataSource(hc);
    }

    @PreDestroy
    void close() {
        pools.values().forEach(HikariDataSource::close);
    }
}

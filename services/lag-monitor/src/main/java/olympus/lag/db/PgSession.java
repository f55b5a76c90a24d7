package olympus.lag.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * One long-lived JDBC session to one region's PostgreSQL, reopened after any error. Not thread
 * safe: the sampling loop's thread owns it. A pool would add nothing: one statement at a time.
 */
final class PgSession implements AutoCloseable {
    private final PgEndpoints endpoints;
    private final String database;
    private final String user;
    private final String password;
    private final int timeoutSeconds;
    private String region;
    private Connection connection;
    private final java.util.Map<String, java.sql.PreparedStatement> statements = new java.util.HashMap<>();
    long queries;

    PgSession(PgEndpoints endpoints, String database, String user, String password, int timeoutSeconds) {
        this.endpoints = endpoints;
        this.database = database;
        this.user = user;
        this.password = password;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The connection to {@code region}, opened if needed; a different region closes the old one. */
    Connection connection(String region) throws SQLException {
        if (connection != null && !region.equals(this.region)) {
            close();
        }
        if (connection == null) {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            connection = DriverManager.getConnection(endpoints.jdbcUrl(region, database, timeoutSeconds), p);
            connection.setAutoCommit(true);
            this.region = region;
        }
        return connection;
    }

    /**
     * A prepared statement kept for the life of the connection. Reusing it lets the driver switch
     * to a server-side prepared statement (after prepareThreshold uses), so the primary parses
     * and plans the sampling query once, not ten times a second.
     */
    java.sql.PreparedStatement statement(String region, String sql) throws SQLException {
        Connection c = connection(region);
        java.sql.PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = c.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    boolean isFresh() {
        return connection == null;
    }

    @Override
    public void close() {
        statements.clear();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken; the point is to stop using it.
            }
            connection = null;
        }
    }

    static String describe(SQLException e) {
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return (e.getSQLState() == null ? "" : "[" + e.getSQLState() + "] ") + (m.length() > 200 ? m.substring(0, 200) : m);
    }
}

package olympus.failover.it;

import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that inserts through a region's PgBouncer continuously and logs every acknowledged
 * row, and a checker that polls every PostgreSQL for "writable primary" and counts the polls that
 * saw two. Used by the ITs and the benchmark.
 */
public final class WriterAndChecker implements AutoCloseable {
    private final LocalTopology topo;
    private final String table;
    public final Set<Long> acked = ConcurrentHashMap.newKeySet();
    public final AtomicInteger failed = new AtomicInteger();
    public final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    public final AtomicLong maxStallNanos = new AtomicLong();
    public final AtomicInteger twoPrimaries = new AtomicInteger();
    public final AtomicInteger polls = new AtomicInteger();
    private volatile boolean running = true;
    private final Thread writer;
    private final Thread checker;
    private final String writerRegion;

    public WriterAndChecker(LocalTopology topo, String writerRegion, String table) throws SQLException {
        this.topo = topo;
        this.table = table;
        this.writerRegion = writerRegion;
        createTable();
        writer = new Thread(this::write, "writer");
        checker = new Thread(this::check, "checker");
    }

    /**
     * Through the pooler: it always reaches the current primary, wherever that is. A read-only
     * refusal is retried for a while and each one printed with the status table: CI once saw
     * "cannot execute CREATE TABLE in a read-only transaction" right after a switchover had
     * answered DONE (LeaderIT), with nothing to tell a self-fence of the new primary from a
     * pooler still pointing at the old one.
     */
    private void createTable() throws SQLException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
            try (Connection c = app(topo.pgBouncerJdbcUrl(writerRegion)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
                return;
            } catch (SQLException e) {
                // 25006: read_only_sql_transaction
                if (!"25006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw new SQLException(e.getMessage() + " (through " + writerRegion + "'s PgBouncer)\n" + topo.statusTable(), e.getSQLState(), e);
                }
                System.out.println("WRITER: " + writerRegion + "'s PgBouncer reached a read-only server (" + e.getMessage()
                        + "), retrying\n" + topo.statusTable());
                sleep(500);
            }
        }
    }

    public WriterAndChecker start() {
        writer.start();
        checker.start();
        return this;
    }

    /** Only the writer: a second writer in another region needs no second checker. */
    public WriterAndChecker startWriterOnly() {
        writer.start();
        return this;
    }

    private Connection app(String url) throws SQLException {
        return DriverManager.getConnection(url, PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP));
    }

    private void write() {
        long id = System.currentTimeMillis() * 1000;
        Connection c = null;
        while (running) {
            long t0 = System.nanoTime();
            try {
                if (c == null) {
                    c = app(topo.pgBouncerJdbcUrl(writerRegion) + "&socketTimeout=60");
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
                    ps.setLong(1, ++id);
                    ps.executeUpdate();
                }
                acked.add(id);
            } catch (SQLException e) {
                failed.incrementAndGet();
                if (errors.size() < 20) {
                    errors.add(e.getMessage());
                }
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // reconnect below
                }
                c = null;
                sleep(50);
            }
            maxStallNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
            sleep(5);
        }
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // done
        }
    }

    private void check() {
        while (running) {
            int writable = 0;
            for (String r : topo.regions()) {
                // Asked from inside each region (hosts mode: psql in its namespace), so the side
                // of a cut is seen too.
                if (topo.writablePrimary(r)) {
                    writable++;
                }
            }
            polls.incrementAndGet();
            if (writable > 1) {
                twoPrimaries.incrementAndGet();
            }
            sleep(20);
        }
    }

    /** Acknowledged rows missing from {@code region}'s database (run against the final primary). */
    public long lost(String region) throws SQLException {
        Set<Long> present = new java.util.HashSet<>();
        try (Connection c = app(topo.jdbcUrl(region)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + table)) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        return acked.stream().filter(id -> !present.contains(id)).count();
    }

    public double maxStallSeconds() {
        return maxStallNanos.get() / 1e9;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        writer.join(70_000);
        checker.join(10_000);
    }
}

package olympus.failover.it;

import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Emergency failover: kill -9 of the primary; a lagging candidate is refused with its lag, --force
 * proceeds and is audited; the replica that had more of the old primary's WAL than the candidate
 * is rewound and follows it; the old primary restarted takes no write (fenced) and rejoins as a
 * replica; then a planned switchover puts the primary back in us-east for the other tests.
 */
@ExtendWith(TopologyExtension.class)
class FailoverIT {
    static Coordinators coordinators;
    static LocalTopology topo;

    @BeforeAll
    static void up(LocalTopology t) throws Exception {
        topo = t;
        coordinators = new Coordinators(t, Map.of());
        coordinators.awaitLeader();
    }

    @AfterAll
    static void down() throws Exception {
        coordinators.close();
        topo.repair();
    }

    private Connection app(String region) throws SQLException {
        return DriverManager.getConnection(topo.jdbcUrl(region) + "&connectTimeout=3", PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP));
    }

    @Test
    void killPrimaryThenFailover() throws Exception {
        try (Connection c = app("us-east"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS failover_bulk (id bigint, pad text)");
        }
        // ap-south stops receiving WAL; eu-west goes on. The insert below is about 3 MiB of WAL
        // that eu-west has and ap-south never gets: ap-south lags past the 1 MiB guard, and once
        // it is promoted eu-west holds 3 MiB past its fork point, so it cannot simply follow it.
        stopReceiving("ap-south");
        try (Connection c = app("us-east"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO failover_bulk SELECT g, repeat('x', 1000) FROM generate_series(1, 3000) g");
        }
        Thread.sleep(2500); // observers record the primary's position after the bulk insert
        topo.kill("pg-us-east");
        Thread.sleep(9500); // observers see it unreachable for longer than the fence grace (8 s)

        CommandResult refused = coordinators.run("failover", Map.of("to", "ap-south"));
        assertEquals(CommandResult.REFUSED, refused.outcome());
        assertTrue(refused.reason().contains("lags") && refused.reason().contains("over the limit"), refused.reason());

        long t0 = System.nanoTime();
        CommandResult forced = coordinators.run("failover", Map.of("to", "ap-south", "force", true));
        assertEquals(CommandResult.DONE, forced.outcome(), forced.reason());
        assertEquals("ap-south", forced.primary());
        assertTrue(forced.reason().contains("FORCED"), forced.reason());
        // eu-west was rewound by its agent during the failover, not left on the dead timeline.
        assertTrue(forced.reason().contains("rewound before following: [eu-west:"), forced.reason());
        // The new primary takes writes through the pooler.
        try (Connection c = DriverManager.getConnection(topo.pgBouncerJdbcUrl("eu-west"), PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP));
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO failover_bulk VALUES (-1, 'after failover')");
        }
        System.out.printf("FAILOVER command to first acknowledged write: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        // eu-west replays what the new primary writes: pg_stat_replication's "streaming" alone
        // also shows, for moments, a replica stuck on the dead timeline.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            try (Connection c = app("eu-west"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM failover_bulk WHERE id = -1")) {
                rs.next();
                return rs.getInt(1) == 1;
            } catch (SQLException e) {
                return false;
            }
        });

        // The old primary comes back: fenced, it takes no acknowledged write.
        topo.restart("pg-us-east");
        try (Connection c = app("us-east"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("INSERT INTO failover_bulk VALUES (-2, 'old primary')"));
            System.out.println("old primary refused the write: " + e.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                assertTrue(rs.getBoolean(1), "the restarted old primary is in recovery (a standby)");
            }
        }

        // The forced failover is in the audit record, with its principal.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            CommandResult h = coordinators.run("history", Map.of("limit", 20));
            assertTrue(String.valueOf(h.data()).contains(forced.id()), "history has the forced failover");
        });

        CommandResult rejoin = coordinators.run("rejoin", Map.of("to", "us-east"));
        assertEquals(CommandResult.DONE, rejoin.outcome(), rejoin.reason());
        await().atMost(Duration.ofSeconds(30)).until(() -> streamingFrom("ap-south", "us-east"));
        CommandResult back = coordinators.run("switchover", Map.of("to", "us-east"));
        assertEquals(CommandResult.DONE, back.outcome(), back.reason());
        await().atMost(Duration.ofSeconds(30)).until(() -> streamingFrom("us-east", "eu-west") && streamingFrom("us-east", "ap-south"));
        try (Connection c = app("us-east"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM failover_bulk WHERE id = -2")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the write attempted on the fenced old primary does not exist");
        }
    }

    /**
     * The primary's node agent dies while its PostgreSQL runs on and clients keep writing to it:
     * the coordinators lose the primary (they reach it only through its agent) and its agent's
     * heartbeat stops, yet nothing fences it. Its replicas still receive its WAL, and that refuses
     * the failover (it would leave two writable primaries).
     */
    @Test
    void aPrimaryWhoseAgentDiedIsNotFailedOver() throws Exception {
        try (Connection c = app("us-east"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS agent_dead_writes (id bigint)");
        }
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection c = app("us-east"); Statement s = c.createStatement()) {
                while (writing.get()) {
                    s.execute("INSERT INTO agent_dead_writes VALUES (" + written.incrementAndGet() + ")");
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                System.out.println("writer stopped: " + e);
            }
        });
        writer.start();
        try {
            coordinators.agents.kill("us-east");
            Thread.sleep(9500); // past the fence grace (8 s) and the dead agent's last heartbeat bound
            // Retried as an SRE would: the other refusals (the grace, counted from when each
            // observer's probe timed out) pass with time; this one must not.
            CommandResult refused = null;
            for (int attempt = 1; attempt <= 20; attempt++) {
                refused = coordinators.run("failover", Map.of("to", "eu-west"));
                System.out.println("failover with us-east's agent dead, attempt " + attempt + ", " + written.get() + " writes so far: "
                        + refused.outcome() + ": " + refused.reason());
                assertEquals(CommandResult.REFUSED, refused.outcome(), refused.reason());
                if (refused.reason().contains("is alive")) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertTrue(refused.reason().contains("is alive") && refused.reason().contains("received its WAL"), refused.reason());
            assertEquals("us-east", coordinators.run("status", Map.of()).primary());
        } finally {
            writing.set(false);
            writer.join(5000);
            coordinators.agents.start("us-east");
        }
        // The observers see the primary again before the next test.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            CommandResult st = coordinators.run("status", Map.of());
            return String.valueOf(st.data()).contains("primary, writable");
        });
        Thread.sleep(2500);
    }

    /** The replica's WAL receiver stops (no primary_conninfo): it keeps what it has and gets nothing more. */
    private void stopReceiving(String replica) throws SQLException {
        try (Connection c = DriverManager.getConnection(topo.jdbcUrl(replica) + "&connectTimeout=3", PgRoles.SUPERUSER,
                topo.credentials().pgPassword(PgRoles.SUPERUSER)); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET primary_conninfo = ''");
            s.execute("SELECT pg_reload_conf()");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_wal_receiver")) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            });
        }
    }

    private boolean streamingFrom(String primary, String replica) {
        try (Connection c = DriverManager.getConnection(topo.jdbcUrl(primary) + "&connectTimeout=2", PgRoles.SUPERUSER,
                topo.credentials().pgPassword(PgRoles.SUPERUSER)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + replica
                     + "' AND state = 'streaming'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (SQLException e) {
            return false;
        }
    }

}

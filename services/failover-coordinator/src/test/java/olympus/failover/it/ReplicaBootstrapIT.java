package olympus.failover.it;

import olympus.render.PgRoles;
import olympus.topology.LocalTopology;
import olympus.topology.NodeAgents;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica host whose disk was replaced (its data directory empty) comes back by itself: its
 * node agent reads the primary from the control quorum, clones it with pg_basebackup through a
 * fresh slot, and starts it as a standby; rows written before and after are replayed there.
 */
@ExtendWith(TopologyExtension.class)
class ReplicaBootstrapIT {

    @Test
    void aReplicaHostWithAnEmptyDataDirectoryIsClonedByItsAgent(LocalTopology t) throws Exception {
        String primary = t.currentPrimary();
        String replica = t.regions().stream().filter(r -> !r.equals(primary)).reduce((a, b) -> b).orElseThrow();
        try (NodeAgents agents = new NodeAgents(t, Map.of())) {
            agents.startAll();
            agents.stop(replica);
            t.kill("pg-" + replica);
            Path data = t.pgData(replica);
            wipe(data);
            assertFalse(Files.exists(data.resolve("PG_VERSION")));
            exec(t, primary, "CREATE TABLE IF NOT EXISTS bootstrap_probe (v text)");
            exec(t, primary, "INSERT INTO bootstrap_probe VALUES ('before')");

            long t0 = System.nanoTime();
            agents.start(replica);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> has(t, replica, "before"));
            System.out.printf("bootstrap: %s cloned from %s and replaying %d ms after its agent started%n", replica, primary,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            exec(t, primary, "INSERT INTO bootstrap_probe VALUES ('after')");
            await().atMost(Duration.ofSeconds(30)).until(() -> has(t, replica, "after"));
            assertTrue(inRecovery(t, replica), replica + " must be a standby");
            await().atMost(Duration.ofSeconds(30)).until(() -> t.replication().stream()
                    .anyMatch(r -> r.region().equals(replica) && "streaming".equals(r.state())));
            assertTrue(agents.logTail(replica).contains("bootstrap done"), agents.logTail(replica));
        } finally {
            exec(t, t.currentPrimary(), "DROP TABLE IF EXISTS bootstrap_probe");
            t.repair();
        }
    }

    private static void wipe(Path data) throws Exception {
        Process p = new ProcessBuilder("rm", "-rf", data.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "rm -rf " + data);
    }

    private static Connection superuser(LocalTopology t, String region) throws SQLException {
        return DriverManager.getConnection(t.jdbcUrl(region) + "&connectTimeout=2&socketTimeout=10", PgRoles.SUPERUSER,
                t.credentials().pgPassword(PgRoles.SUPERUSER));
    }

    private static void exec(LocalTopology t, String region, String sql) throws SQLException {
        try (Connection c = superuser(t, region); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static boolean has(LocalTopology t, String region, String v) {
        try (Connection c = superuser(t, region); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM bootstrap_probe WHERE v = '" + v + "'")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (SQLException notYet) {
            return false;
        }
    }

    private static boolean inRecovery(LocalTopology t, String region) throws SQLException {
        try (Connection c = superuser(t, region); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}

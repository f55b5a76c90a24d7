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
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Automatic failover (enabled here; off by default): quorum, delay, damping until an SRE acks. */
@ExtendWith(TopologyExtension.class)
class AutoFailoverIT {
    static Coordinators coordinators;
    static LocalTopology topo;

    @BeforeAll
    static void up(LocalTopology t) throws Exception {
        topo = t;
        coordinators = new Coordinators(t, Map.of("olympus.failover.auto-failover", "true", "olympus.failover.auto-failover-after", "9s"));
        coordinators.awaitLeader();
    }

    @AfterAll
    static void down() throws Exception {
        coordinators.close();
        topo.repair();
    }

    @SuppressWarnings("unchecked")
    @Test
    void failsOverByItselfOnceThenWaitsForAnAck() throws Exception {
        Thread.sleep(2500);
        long t0 = System.nanoTime();
        topo.kill("pg-us-east");
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !"us-east".equals(coordinators.run("status", Map.of()).primary()));
        System.out.printf("AUTO failover done %.1f s after the kill%n", (System.nanoTime() - t0) / 1e9);
        String primary = coordinators.run("status", Map.of()).primary();
        try (Connection c = DriverManager.getConnection(topo.pgBouncerJdbcUrl("ap-south"), PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "the pooler reaches a writable primary");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String h = String.valueOf(coordinators.run("history", Map.of("limit", 10)).data());
            assertTrue(h.contains("(automatic)"), "the automatic failover is audited with its principal");
        });
        CommandResult ack = coordinators.run("ack", Map.of());
        assertEquals(CommandResult.DONE, ack.outcome(), ack.reason());
        assertTrue(ack.reason().contains("acknowledged"), ack.reason());

        // Put everything back: the old primary comes back fenced, rejoins, and takes the primary back.
        topo.restart("pg-us-east");
        CommandResult rejoin = coordinators.run("rejoin", Map.of("to", "us-east"));
        assertEquals(CommandResult.DONE, rejoin.outcome(), rejoin.reason());
        Thread.sleep(2000);
        CommandResult back = coordinators.run("switchover", Map.of("to", "us-east"));
        assertEquals(CommandResult.DONE, back.outcome(), back.reason() + " (primary was " + primary + ")");
    }
}

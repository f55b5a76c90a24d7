package olympus.topology;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Streaming replication on the real topology, and the replay pause fault. */
@ExtendWith(TopologyExtension.class)
class ReplicationIT {

    private static Connection app(LocalTopology t, String jdbcUrl) throws Exception {
        return DriverManager.getConnection(jdbcUrl, PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
    }

    private static boolean hasRow(LocalTopology t, String region, String id) {
        try (Connection c = app(t, t.jdbcUrl(region)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM repl_it WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (Exception e) {
            return false;
        }
    }

    private static String insert(LocalTopology t) throws Exception {
        String id = UUID.randomUUID().toString();
        // Through PgBouncer, as the applications write.
        try (Connection c = app(t, t.pgBouncerJdbcUrl(t.primaryRegion())); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS repl_it (id text primary key, at timestamptz default now())");
            s.execute("INSERT INTO repl_it (id) VALUES ('" + id + "')");
        }
        return id;
    }

    @Test
    void writes_on_the_primary_reach_both_replicas(LocalTopology t) throws Exception {
        String id = insert(t);
        for (String r : t.regions()) {
            await("row on " + r).atMost(Duration.ofSeconds(10)).until(() -> hasRow(t, r, id));
        }
    }

    @Test
    void paused_replay_makes_lag_grow_and_resuming_catches_up(LocalTopology t) throws Exception {
        String replica = t.regions().get(1);
        String other = t.regions().get(2);
        try {
            t.pauseReplay(replica);
            String id = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline) {
                id = insert(t);
                Thread.sleep(100);
            }
            String last = id;
            await().atMost(Duration.ofSeconds(10)).until(() -> hasRow(t, other, last));
            assertThat(hasRow(t, replica, last)).as("paused replica must not show the row").isFalse();
            LocalTopology.Replication paused = t.replication().stream()
                    .filter(r -> r.region().equals(replica)).findFirst().orElseThrow();
            assertThat(paused.replayPaused()).isTrue();
            assertThat(paused.replayLagBytes()).as("byte lag while paused").isPositive();
            assertThat(paused.replayLagSeconds()).as("replay lag while paused").isNotNull().isGreaterThan(1.0);

            t.resumeReplay(replica);
            await("replica caught up").atMost(Duration.ofSeconds(15)).until(() -> hasRow(t, replica, last));
            await("byte lag back to 0").atMost(Duration.ofSeconds(15)).until(() -> t.replication().stream()
                    .filter(r -> r.region().equals(replica)).findFirst().map(r -> r.replayLagBytes() == 0).orElse(false));
        } finally {
            t.repair();
        }
    }

    /**
     * A replica that cannot stream and that a restart does not cure (here: its own configuration
     * names a dead upstream) is cloned again by repair(), and holds new writes after it.
     */
    @Test
    void repair_clones_again_a_replica_that_a_restart_does_not_bring_back(LocalTopology t) throws Exception {
        String broken = t.regions().get(2);
        t.pg(t.regions().indexOf(broken)).execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 application_name=" + broken + "'");
        t.pg(t.regions().indexOf(broken)).execute("SELECT pg_reload_conf()");
        await("not streaming").atMost(Duration.ofSeconds(20))
                .until(() -> t.replication().stream().noneMatch(r -> r.region().equals(broken) && "streaming".equals(r.state())));
        t.repair();
        assertThat(t.replication()).filteredOn(r -> "streaming".equals(r.state())).hasSize(t.regions().size() - 1);
        String id = insert(t);
        await("row on " + broken).atMost(Duration.ofSeconds(10)).until(() -> hasRow(t, broken, id));
    }
}

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
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GitHub 2018 case: the primary's region is cut off (alive, unreachable). Its coordinator
 * fences it after losing the control plane; the others fail over only after the fence grace; a
 * checker polling every PostgreSQL directly never sees two writable primaries; after the heal the
 * old primary stays fenced until rejoined.
 */
@ExtendWith(TopologyExtension.class)
class PartitionIT {
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

    private boolean readOnly(String region) {
        try (Connection c = DriverManager.getConnection(topo.jdbcUrl(region) + "&connectTimeout=2", PgRoles.SUPERUSER,
                topo.credentials().pgPassword(PgRoles.SUPERUSER)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
            rs.next();
            return "on".equals(rs.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }

    @Test
    void cutOffPrimaryFencesItselfBeforeAnotherIsPromoted() throws Exception {
        try (WriterAndChecker w = new WriterAndChecker(topo, "eu-west", "partition_writes").start()) {
            Thread.sleep(2000);
            long t0 = System.nanoTime();
            topo.cut("us-east");
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> readOnly("us-east"));
                System.out.printf("us-east fenced itself %.1f s after the cut%n", (System.nanoTime() - t0) / 1e9);
                AtomicReference<CommandResult> done = new AtomicReference<>();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    CommandResult r = coordinators.run("failover", Map.of("to", "eu-west"));
                    done.set(r);
                    return r.ok();
                });
                System.out.printf("failover done %.1f s after the cut: %s%n", (System.nanoTime() - t0) / 1e9, done.get().reason());
            } finally {
                topo.heal("us-east");
            }
            Thread.sleep(5000); // the us-east coordinator is back in contact: the fence must stay
            assertTrue(readOnly("us-east"), "the old primary stays fenced after the heal");
            w.close();
            System.out.printf("PARTITION acked=%d failed_tx=%d (expected while cut) two_primaries=%d of %d polls%n",
                    w.acked.size(), w.failed.get(), w.twoPrimaries.get(), w.polls.get());
            assertEquals(0, w.twoPrimaries.get(), "two writable primaries seen");
        }
        // Right after the heal, leadership may still move (the us-east coordinator is back): retry
        // until the leader takes the command, as an SRE would.
        CommandResult rejoin = untilDone("rejoin", "us-east");
        assertEquals(CommandResult.DONE, rejoin.outcome(), rejoin.reason());
        // On a timeout this says which replica does not stream and shows its log: CI once timed
        // out here with nothing else to go on.
        topo.awaitStreaming(Duration.ofSeconds(45));
        CommandResult back = untilDone("switchover", "us-east");
        assertEquals(CommandResult.DONE, back.outcome(), back.reason());
    }

    private CommandResult untilDone(String verb, String to) {
        AtomicReference<CommandResult> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            CommandResult r = coordinators.run(verb, Map.of("to", to));
            last.set(r);
            // Also re-sent when the leadership moved while the command ran (seen once in CI: the
            // rejoin failed "lost the leadership mid-command" right after the heal): the next
            // leader finishes or rolls it back, and the SRE sends it again.
            return r.ok() || !(r.reason().startsWith("not the leader") || r.reason().startsWith("lost the leadership"));
        });
        return last.get();
    }
}

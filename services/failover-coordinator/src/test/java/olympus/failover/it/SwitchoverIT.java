package olympus.failover.it;

import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Planned switchover us-east -> eu-west and back on the real topology, with a writer through
 * PgBouncer logging every acknowledged row and a checker polling every PostgreSQL for
 * "writable primary": 0 failed transactions, 0 lost rows, never two writable primaries.
 */
@ExtendWith(TopologyExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverIT {
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

    @Test
    @Order(1)
    void switchoverAndBackWithZeroErrors() throws Exception {
        try (WriterAndChecker w = new WriterAndChecker(topo, "ap-south", "switchover_writes").start()) {
            Thread.sleep(1000);
            long t0 = System.nanoTime();
            CommandResult there = coordinators.run("switchover", Map.of("to", "eu-west"));
            double thereS = (System.nanoTime() - t0) / 1e9;
            assertEquals(CommandResult.DONE, there.outcome(), there.reason());
            assertEquals("eu-west", there.primary());
            Thread.sleep(1000);
            long t1 = System.nanoTime();
            CommandResult back = coordinators.run("switchover", Map.of("to", "us-east"));
            double backS = (System.nanoTime() - t1) / 1e9;
            assertEquals(CommandResult.DONE, back.outcome(), back.reason());
            assertEquals("us-east", back.primary());
            assertTrue(back.epoch() >= there.epoch() + 1);
            Thread.sleep(1000);
            w.close();
            long lost = w.lost("us-east");
            System.out.printf("SWITCHOVER there=%.2f s back=%.2f s acked=%d failed_tx=%d lost=%d two_primaries=%d (of %d polls) max_stall=%.2f s errors=%s%n",
                    thereS, backS, w.acked.size(), w.failed.get(), lost, w.twoPrimaries.get(), w.polls.get(), w.maxStallSeconds(), w.errors);
            assertEquals(0, w.failed.get(), "failed client transactions: " + w.errors);
            assertEquals(0, lost, "lost acknowledged rows");
            assertEquals(0, w.twoPrimaries.get(), "polls that saw two writable primaries");
            assertTrue(w.acked.size() > 100, "the writer kept writing");
        }
    }

    @Test
    @Order(2)
    void refusesWithReasons() throws Exception {
        CommandResult same = coordinators.run("switchover", Map.of("to", "us-east"));
        assertEquals(CommandResult.REFUSED, same.outcome());
        assertTrue(same.reason().contains("already the primary"), same.reason());
        CommandResult unknown = coordinators.run("switchover", Map.of("to", "mars-north"));
        assertEquals(CommandResult.REFUSED, unknown.outcome());
        assertTrue(unknown.reason().contains("unknown region 'mars-north'"), unknown.reason());
        CommandResult bad = coordinators.run("switchover", Map.of("to", "eu-west", "colour", "blue"));
        assertEquals(CommandResult.REFUSED, bad.outcome());
        assertTrue(bad.reason().contains("unknown field 'colour'"), bad.reason());
        CommandResult verb = coordinators.run("explode", Map.of());
        assertEquals(CommandResult.REFUSED, verb.outcome());
        assertTrue(verb.reason().contains("unknown command 'explode'"), verb.reason());
    }
}

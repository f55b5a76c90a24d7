package olympus.failover.it;

import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import olympus.topology.TopologySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The failover scenarios on real hosts: each region in its own network namespace, its
 * coordinator and node agent running there as their own processes, every byte between regions
 * over the namespaces' links, a cut taking a region's link down. The coordinators reach other
 * regions' databases only through those regions' agents; the split-brain checker asks each
 * PostgreSQL from inside its own region, so the cut side is seen too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostsIT {
    static LocalTopology topo;
    static CoordinatorProcesses fleet;

    @BeforeAll
    static void up() throws Exception {
        int base = TopologyExtension.freeBase();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "olympus-hosts-it-" + base);
        topo = LocalTopology.of(new TopologySpec(TopologySpec.regionNames(3), base, dir).withHosts(true),
                line -> System.out.println("[hosts] " + line));
        topo.up();
        fleet = new CoordinatorProcesses(topo, Map.of());
        System.out.println("leader: " + fleet.awaitLeader());
    }

    @AfterAll
    static void down() {
        if (fleet != null) {
            fleet.close();
        }
        if (topo != null) {
            topo.down(true);
        }
    }

    private CommandResult untilDone(String verb, Map<String, Object> body, Duration within) {
        AtomicReference<CommandResult> last = new AtomicReference<>();
        await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
            CommandResult r = fleet.run(verb, body);
            last.set(r);
            return r.ok();
        });
        return last.get();
    }

    @Test
    @Order(1)
    void switchoverThereAndBackUnderWriteLoadThroughEveryRegionsPooler() throws Exception {
        List<WriterAndChecker> writers = new ArrayList<>();
        for (String r : topo.regions()) {
            WriterAndChecker w = new WriterAndChecker(topo, r, "hosts_writes_" + r.replace('-', '_'));
            writers.add(r.equals("eu-west") ? w.start() : w.startWriterOnly());
        }
        Thread.sleep(2000);
        CommandResult there = fleet.run("switchover", Map.of("to", "eu-west"));
        assertEquals(CommandResult.DONE, there.outcome(), there.reason());
        Thread.sleep(2000);
        CommandResult back = fleet.run("switchover", Map.of("to", "us-east"));
        assertEquals(CommandResult.DONE, back.outcome(), back.reason());
        Thread.sleep(1000);
        for (WriterAndChecker w : writers) {
            w.close();
        }
        for (int i = 0; i < writers.size(); i++) {
            WriterAndChecker w = writers.get(i);
            long lost = w.lost("us-east");
            System.out.printf("HOSTS switchover writer %s: acked=%d failed=%d lost=%d max_stall=%.2f s%n", topo.regions().get(i),
                    w.acked.size(), w.failed.get(), lost, w.maxStallNanos.get() / 1e9);
            assertEquals(0, w.failed.get(), "failed transactions through " + topo.regions().get(i) + ": " + w.errors);
            assertEquals(0, lost, "acknowledged rows lost");
        }
        WriterAndChecker checked = writers.get(1);
        System.out.printf("HOSTS switchover %d + %d ms; two writable primaries in %d of %d polls%n", there.totalMillis(),
                back.totalMillis(), checked.twoPrimaries.get(), checked.polls.get());
        assertEquals(0, checked.twoPrimaries.get());
    }

    @Test
    @Order(2)
    void theGitHub2018CaseOnRealLinks() throws Exception {
        try (WriterAndChecker w = new WriterAndChecker(topo, "eu-west", "hosts_partition").start()) {
            Thread.sleep(2000);
            long t0 = System.nanoTime();
            topo.cut("us-east");
            double fencedS = -1;
            double promotedS = -1;
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> !topo.writablePrimary("us-east"));
                fencedS = (System.nanoTime() - t0) / 1e9;
                // The SRE in eu-west fails over as soon as the coordinators allow it (after the grace).
                fleet.useSreIn("eu-west");
                untilDone("failover", Map.of("to", "eu-west"), Duration.ofSeconds(40));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> topo.writablePrimary("eu-west"));
                promotedS = (System.nanoTime() - t0) / 1e9;
                // Keep the cut for 45 s in all.
                long left = Duration.ofSeconds(45).toNanos() - (System.nanoTime() - t0);
                if (left > 0) {
                    Thread.sleep(left / 1_000_000);
                }
            } finally {
                topo.heal("us-east");
            }
            System.out.printf("HOSTS cut us-east: fenced itself %.2f s after the cut, eu-west promoted %.2f s after the cut%n", fencedS, promotedS);
            assertTrue(fencedS > 0 && fencedS < promotedS, "the old primary must fence itself before the new one is promoted");
            Thread.sleep(5000);
            assertFalse(topo.writablePrimary("us-east"), "the old primary stays fenced after the heal");
            w.close();
            System.out.printf("HOSTS partition acked=%d failed_tx=%d (expected while cut) two_primaries=%d of %d polls%n",
                    w.acked.size(), w.failed.get(), w.twoPrimaries.get(), w.polls.get());
            assertEquals(0, w.twoPrimaries.get(), "two writable primaries seen");
        }
        CommandResult rejoin = untilDone("rejoin", Map.of("to", "us-east"), Duration.ofSeconds(90));
        assertEquals(CommandResult.DONE, rejoin.outcome(), rejoin.reason());
        CommandResult back = untilDone("switchover", Map.of("to", "us-east"), Duration.ofSeconds(90));
        assertEquals(CommandResult.DONE, back.outcome(), back.reason());
    }

    @Test
    @Order(3)
    void withItsCoordinatorKilledACutPrimaryIsStillFencedByItsAgent() throws Exception {
        assertTrue(topo.writablePrimary("us-east"));
        fleet.kill("us-east");
        long t0 = System.nanoTime();
        topo.cut("us-east");
        double fencedS;
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> !topo.writablePrimary("us-east"));
            fencedS = (System.nanoTime() - t0) / 1e9;
        } finally {
            topo.heal("us-east");
        }
        System.out.printf("HOSTS coordinator killed, us-east cut: its agent fenced it %.2f s after the cut (bound 5.5 s)%n", fencedS);
        assertTrue(fencedS < 5.5, "fenced after " + fencedS + " s");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> topo.writablePrimary("us-east"));
        fleet.start("us-east");
    }
}

package olympus.revocation.it;

import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cut one region off for 30 s while 10,000 revocations are issued in the others (and some in the
 * cut region itself), heal, and count: every one enforced in every region, and each region's
 * side-effect counter moved by exactly the number of distinct events (none applied twice),
 * although one batch was also sent twice.
 */
@ExtendWith(TopologyExtension.class)
class PartitionIT {
    static Cluster cluster;
    static LocalTopology topology;

    @BeforeAll
    static void up(LocalTopology t) {
        topology = t;
        cluster = Cluster.start(t);
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
        topology.repair();
    }

    @Test
    void cutRegionCatchesUpWithEveryRevocationAppliedOnce() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        Region west = cluster.region("eu-west");
        Region south = cluster.region("ap-south");
        long[] before = cluster.regions.stream().mapToLong(Region::appliedCount).toArray();
        List<String> all = new ArrayList<>();
        long cutAt = System.nanoTime();
        topology.cut("ap-south");
        try {
            for (int b = 0; b < 20; b++) {
                Region origin = b % 2 == 0 ? east : west;
                List<String> jtis = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    jtis.add("p-" + run + "-" + b + "-" + i);
                }
                HttpResponse<String> r = origin.revoke(Cluster.tokenBatch(jtis, "partition test"));
                assertEquals(200, r.statusCode(), r.body());
                all.addAll(jtis);
            }
            // A client retry of a whole batch: stored once (de-duplicated by Nats-Msg-Id).
            List<String> retried = all.subList(0, 500);
            HttpResponse<String> again = east.revoke(Cluster.tokenBatch(retried, "partition test"));
            assertEquals(200, again.statusCode());
            assertTrue(again.body().contains("\"duplicate\":true"));
            // The cut region keeps taking revocations of its own.
            List<String> local = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                local.add("p-" + run + "-south-" + i);
            }
            assertEquals(200, south.revoke(Cluster.tokenBatch(local, "issued while cut off")).statusCode());
            await().atMost(Duration.ofSeconds(20)).until(() -> south.enforcedJtis(local) == local.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> east.enforcedJtis(all) == all.size()
                    && west.enforcedJtis(all) == all.size());
            assertEquals(0, south.enforcedJtis(all), "the cut region cannot have seen the others' revocations");
            assertEquals(0, east.enforcedJtis(local), "the others cannot have seen the cut region's revocations");
            long left = Duration.ofSeconds(30).toNanos() - (System.nanoTime() - cutAt);
            if (left > 0) {
                Thread.sleep(left / 1_000_000);
            }
            all.addAll(local);
        } finally {
            topology.heal("ap-south");
        }
        long healed = System.nanoTime();
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> r.enforcedJtis(all) == all.size());
        }
        System.out.printf("partition: %d revocations enforced in every region %d ms after heal%n", all.size(),
                (System.nanoTime() - healed) / 1_000_000);
        Thread.sleep(1000);
        for (int i = 0; i < cluster.regions.size(); i++) {
            Region r = cluster.regions.get(i);
            assertEquals(all.size(), r.appliedCount() - before[i], r.name + ": applied exactly once each");
        }
        // Spot-check through the HTTP API as a gateway would.
        HttpResponse<String> c = south.check("jti=" + all.get(1234));
        assertTrue(c.body().contains("\"REVOKED\""), c.body());
    }
}

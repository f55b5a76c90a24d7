package olympus.revocation.it;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import olympus.revocation.nats.ExpressFanout;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The express copy (ExpressFanout): applied on its own in every region, applied once together
 * with its durable copy, refused from anyone but the bus's NATS user, and poison in it is dropped
 * without a dead letter (the durable copy is the one dead-lettered) and without harm to good
 * events beside it. That nothing rests on the express copy is shown by PartitionIT and CrashIT,
 * whose express copies are lost on the cut link or with the killed process.
 */
@ExtendWith(TopologyExtension.class)
class ExpressIT {
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
    }

    @Test
    void anExpressCopyAloneIsEnforcedInEveryRegion() throws Exception {
        String jti = "express-only-" + Cluster.runId();
        long[] before = cluster.regions.stream().mapToLong(Region::appliedCount).toArray();
        try (Connection bus = topology.connect("ap-south", NatsRole.REVOCATION_BUS)) {
            // In no stream: only the express path can bring it to the regions.
            bus.publish(ExpressFanout.subject("ap-south"), BadInputIT.good("ev-" + jti, jti)
                    .replace("\"originRegion\":\"us-east\"", "\"originRegion\":\"ap-south\"").getBytes(StandardCharsets.UTF_8));
            bus.flush(Duration.ofSeconds(2));
        }
        for (int i = 0; i < cluster.regions.size(); i++) {
            Region r = cluster.regions.get(i);
            await().atMost(Duration.ofSeconds(10)).until(() -> r.check("jti=" + jti).body().contains("\"REVOKED\""));
            assertEquals(before[i] + 1, r.appliedCount(), r.name);
        }
    }

    @Test
    void anIngestedRevocationIsAppliedOnceThoughBothCopiesArrive() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        long[] before = cluster.regions.stream().mapToLong(Region::appliedCount).toArray();
        double[] copies = cluster.regions.stream().mapToDouble(ExpressIT::copiesReceived).toArray();
        double expressBefore = cluster.regions.stream().mapToDouble(r -> applied(r, "applied", "express")).sum();
        List<String> jtis = List.of("both-a-" + run, "both-b-" + run, "both-c-" + run);
        assertEquals(200, east.revoke(Cluster.tokenBatch(jtis, "both copies")).statusCode());
        for (int i = 0; i < cluster.regions.size(); i++) {
            Region r = cluster.regions.get(i);
            int k = i;
            // Both copies of the three events have arrived: six receipts, three applied, three duplicates.
            await().atMost(Duration.ofSeconds(15)).until(() -> copiesReceived(r) - copies[k] >= 6);
            assertEquals(jtis.size(), r.enforcedJtis(jtis), r.name);
            assertEquals(before[i] + jtis.size(), r.appliedCount(), r.name + ": each event applied once");
            assertEquals(6, copiesReceived(r) - copies[k], r.name + ": no third copy");
        }
        // The express copy usually wins; which one did is counted per path, not assumed here.
        // (Counted from before this ingest: the class's other tests apply express copies too.)
        double express = cluster.regions.stream().mapToDouble(r -> applied(r, "applied", "express")).sum() - expressBefore;
        assertTrue(express > 0, "no event of this ingest was applied from its express copy");
    }

    @Test
    void onlyTheBusUserMayPublishExpressCopies() throws Exception {
        String forged = "forged-express-" + Cluster.runId();
        for (NatsRole role : new NatsRole[] {NatsRole.REVOCATION_CLIENT, NatsRole.SESSION_ROUTER, NatsRole.OBSERVER}) {
            try (Connection c = topology.connect("us-east", role)) {
                c.publish(ExpressFanout.subject("us-east"), BadInputIT.good("ev-" + forged, forged).getBytes(StandardCharsets.UTF_8));
                c.flush(Duration.ofSeconds(2));
            } catch (Exception e) {
                // The server's permissions violation may close the connection: refused either way.
            }
        }
        // Nor may another region's bus send express copies in us-east's name.
        try (Connection c = topology.connect("eu-west", NatsRole.REVOCATION_BUS)) {
            c.publish(ExpressFanout.subject("us-east"), BadInputIT.good("ev-" + forged, forged).getBytes(StandardCharsets.UTF_8));
            c.flush(Duration.ofSeconds(2));
        } catch (Exception e) {
            // Refused either way.
        }
        // A legitimate copy sent after the forged ones arrives; by then the forged ones would have too.
        String legit = "legit-express-" + Cluster.runId();
        try (Connection bus = topology.connect("us-east", NatsRole.REVOCATION_BUS)) {
            bus.publish(ExpressFanout.subject("us-east"), BadInputIT.good("ev-" + legit, legit).getBytes(StandardCharsets.UTF_8));
            bus.flush(Duration.ofSeconds(2));
        }
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(10)).until(() -> r.check("jti=" + legit).body().contains("\"REVOKED\""));
            String body = r.check("jti=" + forged).body();
            assertTrue(body.contains("NOT_REVOKED"), r.name + ": " + body);
        }
    }

    @Test
    void poisonInAnExpressCopyIsDroppedWithoutADeadLetterAndGoodEventsBesideItApplied() throws Exception {
        String run = Cluster.runId();
        String g1 = "xp-good-a-" + run;
        String g2 = "xp-good-b-" + run;
        double[] rejected = cluster.regions.stream().mapToDouble(r -> applied(r, "rejected", "express")).toArray();
        try (Connection admin = topology.connect("us-east", NatsRole.ADMIN);
             Connection bus = topology.connect("us-east", NatsRole.REVOCATION_BUS)) {
            Subscription dead = admin.subscribe("olympus.deadletter.revocation.>");
            admin.flush(Duration.ofSeconds(2));
            bus.publish(ExpressFanout.subject("us-east"), "{not json".getBytes(StandardCharsets.UTF_8));
            bus.publish(ExpressFanout.subject("us-east"), (BadInputIT.good("ev-" + g1, g1) + "\n{\"type\":\"TokenRevoked\"\n"
                    + BadInputIT.good("ev-" + g2, g2)).getBytes(StandardCharsets.UTF_8));
            bus.flush(Duration.ofSeconds(2));
            for (int i = 0; i < cluster.regions.size(); i++) {
                Region r = cluster.regions.get(i);
                int k = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> r.enforcedJtis(List.of(g1, g2)) == 2);
                await().atMost(Duration.ofSeconds(5)).until(() -> applied(r, "rejected", "express") - rejected[k] == 2);
            }
            Message m = dead.nextMessage(Duration.ofSeconds(1));
            assertNull(m, "an express copy dead-lettered something");
        }
    }

    @Test
    void twoInstancesOfARegionApplyEachExpressCopyOnce() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Region first = cluster.region("eu-west");
        Region second = new Region(topology, "eu-west", port).start();
        try {
            double before = expressReceipts(first) + expressReceipts(second);
            String run = Cluster.runId();
            List<String> jtis = new java.util.ArrayList<>();
            try (Connection bus = topology.connect("us-east", NatsRole.REVOCATION_BUS)) {
                for (int i = 0; i < 20; i++) {
                    String jti = "two-" + run + "-" + i;
                    jtis.add(jti);
                    bus.publish(ExpressFanout.subject("us-east"), BadInputIT.good("ev-" + jti, jti).getBytes(StandardCharsets.UTF_8));
                }
                bus.flush(Duration.ofSeconds(2));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> first.enforcedJtis(jtis) == jtis.size());
            Thread.sleep(500); // a copy to both instances would have arrived by now
            // The region's queue group: each copy went to one of the two instances, not both.
            assertEquals(jtis.size(), expressReceipts(first) + expressReceipts(second) - before, 0.0);
        } finally {
            second.close();
        }
    }

    static double expressReceipts(Region r) {
        return applied(r, "applied", "express") + applied(r, "duplicate", "express");
    }

    /** Event copies this region received, from either path, whatever applying them did. */
    static double copiesReceived(Region r) {
        return applied(r, "applied", "express") + applied(r, "applied", "stream") + applied(r, "duplicate", "express")
                + applied(r, "duplicate", "stream");
    }

    static double applied(Region r, String outcome, String path) {
        MeterRegistry reg = r.context().getBean(MeterRegistry.class);
        return reg.find("olympus.revocation.applied").tag("outcome", outcome).tag("path", path).counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}

package olympus.router.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control KV's topology changes (as the failover-coordinator would write it, compare-and-set
 * on the revision); the routers in eu-west and ap-south follow within 1 s, without a restart.
 * Also: a region cut off from the control domain keeps answering with the last topology it saw.
 */
@ExtendWith(TopologyExtension.class)
class FailoverFollowIT {
    static LocalTopology t;
    static LagSampler sampler;
    static EmbeddedRouter eu;
    static EmbeddedRouter ap;
    static Connection admin;
    static KeyValue kv;

    @BeforeAll
    static void up(LocalTopology topology) throws Exception {
        t = topology;
        sampler = new LagSampler(t, 25);
        eu = EmbeddedRouter.start(t, "eu-west");
        ap = EmbeddedRouter.start(t, "ap-south");
        admin = t.connect(t.primaryRegion(), NatsRole.ADMIN);
        kv = admin.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
        for (EmbeddedRouter r : new EmbeddedRouter[] {eu, ap}) {
            Http h = r.http();
            await().atMost(Duration.ofSeconds(20)).until(() -> "OK".equals(h.get("/v1/route").body().path("reason").asText()));
        }
    }

    @AfterAll
    static void down() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {eu, ap, sampler, admin}) {
            if (c != null) {
                c.close();
            }
        }
        t.repair();
    }

    /** Compare-and-set of a new topology derived from the current one. */
    static ClusterTopology change(String primary, boolean bumpEpoch, ClusterTopology.Writes writes, String reason) throws Exception {
        KeyValueEntry e = kv.get(ClusterTopology.KEY);
        ClusterTopology cur = ClusterTopology.fromJson(e.getValue());
        Map<String, ClusterTopology.Member> members = new LinkedHashMap<>();
        for (String r : t.regions()) {
            members.put(r, new ClusterTopology.Member(r.equals(primary) ? "PRIMARY" : "REPLICA", null, 0));
        }
        ClusterTopology next = new ClusterTopology(ClusterTopology.SCHEMA_VERSION, cur.epoch() + (bumpEpoch ? 1 : 0), primary,
                writes, members, Instant.now().toString(), "FailoverFollowIT", reason);
        kv.update(ClusterTopology.KEY, next.toJson(), e.getRevision());
        return next;
    }

    static long millisUntil(Http h, String path, Predicate<JsonNode> done) {
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> done.test(h.get(path).body()));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void answersFollowAPrimaryChangeWithinOneSecond() throws Exception {
        Http euHttp = eu.http();
        Http apHttp = ap.http();
        try {
            ClusterTopology next = change("eu-west", true, ClusterTopology.Writes.open(), "test failover to eu-west");
            long euMs = millisUntil(euHttp, "/v1/route?user=u1", b -> b.path("epoch").asLong() == next.epoch());
            long apMs = millisUntil(apHttp, "/v1/route?user=u1", b -> b.path("epoch").asLong() == next.epoch());
            System.out.printf("followed primary change: eu-west %d ms, ap-south %d ms%n", euMs, apMs);
            assertTrue(euMs < 1000, "eu-west took " + euMs + " ms");
            assertTrue(apMs < 1000, "ap-south took " + apMs + " ms");
            JsonNode euAnswer = euHttp.get("/v1/route?user=u1").body();
            assertEquals("PRIMARY", euAnswer.path("target").asText());
            assertEquals("eu-west", euAnswer.path("region").asText());
            assertEquals("PRIMARY_IS_LOCAL", euAnswer.path("reason").asText());
            JsonNode apAnswer = apHttp.get("/v1/route?user=u1").body();
            assertEquals("eu-west", apAnswer.path("primary").asText());
            JsonNode check = apHttp.get("/v1/writes/check").body();
            assertEquals("PROCEED", check.path("action").asText());
            assertEquals("eu-west", check.path("primary").asText());

            // a migration pause in the same epoch: writes answer HOLD with the reason, within a second
            change("eu-west", false, new ClusterTopology.Writes(ClusterTopology.WritesState.PAUSED, "migration 0042", "sre:alice",
                    Instant.now().toString(), null), "migration pause");
            long pauseMs = millisUntil(apHttp, "/v1/writes/check", b -> "HOLD".equals(b.path("action").asText()));
            JsonNode held = apHttp.get("/v1/writes/check").body();
            System.out.println("GET /v1/writes/check (paused) -> " + held);
            assertTrue(pauseMs < 1000, "pause took " + pauseMs + " ms");
            assertEquals("WRITES_PAUSED", held.path("reason").asText());
            assertEquals(250, held.path("retryAfterMs").asLong());
            assertTrue(held.path("detail").asText().contains("migration 0042"));
        } finally {
            ClusterTopology back = change(t.primaryRegion(), true, ClusterTopology.Writes.open(), "test restores " + t.primaryRegion());
            millisUntil(euHttp, "/v1/route", b -> b.path("epoch").asLong() == back.epoch());
            millisUntil(apHttp, "/v1/route", b -> b.path("epoch").asLong() == back.epoch());
        }
        // the samples follow the new epoch too, and the replicas serve again
        await().atMost(Duration.ofSeconds(5)).until(() -> "OK".equals(euHttp.get("/v1/route").body().path("reason").asText()));
        assertEquals("PROCEED", apHttp.get("/v1/writes/check").body().path("action").asText());
    }

    /**
     * An announce is a hint, not the topology: sent with a real coordinator credential, epoch
     * 2^63-1 and another primary, it changes no router's answer (they read the KV, which says
     * otherwise), and the next real change in the KV is followed as before: nothing is pinned.
     */
    @Test
    void anAnnounceOfEpochMaxDoesNotPinTheRouters() throws Exception {
        Http euHttp = eu.http();
        Http apHttp = ap.http();
        ClusterTopology cur = ClusterTopology.fromJson(kv.get(ClusterTopology.KEY).getValue());
        Map<String, ClusterTopology.Member> members = new LinkedHashMap<>();
        for (String r : t.regions()) {
            members.put(r, new ClusterTopology.Member(r.equals("ap-south") ? "PRIMARY" : "REPLICA", null, 0));
        }
        ClusterTopology forged = new ClusterTopology(ClusterTopology.SCHEMA_VERSION, Long.MAX_VALUE, "ap-south",
                ClusterTopology.Writes.open(), members, Instant.now().toString(), "forger", "pin every router");
        try (Connection coordinator = t.connect("eu-west", NatsRole.FAILOVER_COORDINATOR)) {
            for (int i = 0; i < 50; i++) {
                coordinator.publish(Naming.TOPOLOGY_ANNOUNCE, forged.toJson());
            }
            coordinator.flush(Duration.ofSeconds(2));
        }
        long until = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < until) {
            for (Http h : new Http[] {euHttp, apHttp}) {
                JsonNode r = h.get("/v1/route?user=u1").body();
                assertEquals(cur.epoch(), r.path("epoch").asLong(), r.toString());
                assertEquals(cur.primary(), r.path("primary").asText(), r.toString());
            }
            Thread.sleep(50);
        }
        ClusterTopology next = change(t.primaryRegion(), true, ClusterTopology.Writes.open(), "a real change after the forged announce");
        assertTrue(next.epoch() < Long.MAX_VALUE);
        millisUntil(euHttp, "/v1/route?user=u1", b -> b.path("epoch").asLong() == next.epoch());
        millisUntil(apHttp, "/v1/route?user=u1", b -> b.path("epoch").asLong() == next.epoch());
    }

    /**
     * Cut off, ap-south's control node has no quorum: the KV cannot change there, and reads of it
     * may fail or return the last value the node holds. Either way the router keeps answering with
     * the last topology it saw (epochs never go back) and keeps routing by its local replica.
     */
    @Test
    void aRegionCutOffFromTheControlDomainKeepsTheLastTopologyItSaw() throws Exception {
        Http apHttp = ap.http();
        long epoch = apHttp.get("/v1/route").body().path("epoch").asLong();
        try {
            t.cut("ap-south");
            long until = System.nanoTime() + 3_000_000_000L;
            int answers = 0;
            while (System.nanoTime() < until) {
                JsonNode r = apHttp.get("/v1/route?user=cut-user").body();
                assertEquals(epoch, r.path("epoch").asLong());
                assertEquals(t.primaryRegion(), r.path("primary").asText());
                answers++;
                Thread.sleep(50);
            }
            assertTrue(answers > 10);
            assertEquals("PROCEED", apHttp.get("/v1/writes/check").body().path("action").asText());
            assertEquals("UP", apHttp.get("/health").body().path("details").path("router").path("details").path("markers").asText());
        } finally {
            t.heal("ap-south");
            t.repair();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "OK".equals(apHttp.get("/v1/route").body().path("reason").asText()));
    }
}

package olympus.revocation.it;

import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Empty a region's Redis (FLUSHALL, or a restart without persistence), or make it lose part of
 * what it acknowledged (a key deleted by hand, a restore of an older snapshot): the loss is
 * noticed and the denylist is rebuilt from the view stream.
 */
@ExtendWith(TopologyExtension.class)
class RebuildIT {
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
    void flushedRedisIsRebuiltAndNeverAnswersNotRevokedMeanwhile() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        Region south = cluster.region("ap-south");
        List<String> jtis = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add("rb-" + run + "-" + b + "-" + i);
            }
            assertEquals(200, east.revoke(Cluster.tokenBatch(batch, "rebuild test")).statusCode());
            jtis.addAll(batch);
        }
        assertEquals(200, east.revoke("{\"kind\":\"subject\",\"subject\":\"rb-user-" + run + "\"}").statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> south.enforcedJtis(jtis) == jtis.size());
        long iat = Instant.now().minusSeconds(3600).getEpochSecond();
        await().atMost(Duration.ofSeconds(10)).until(() -> south.check("subject=rb-user-" + run + "&iat=" + iat)
                .body().contains("\"REVOKED\""));

        south.redis.flushall();
        // From the flush until the rebuild completes, a revoked token is REVOKED or UNKNOWN (fail
        // closed), never NOT_REVOKED.
        int unknown = 0;
        int revoked = 0;
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            HttpResponse<String> r = south.check("jti=" + jtis.get(jtis.size() - 1) + "&subject=other&iat=" + iat);
            assertFalse(r.body().contains("NOT_REVOKED"), r.body());
            if (r.statusCode() == 503) {
                unknown++;
                assertTrue(r.body().contains("\"revoked\":true"), r.body());
            } else {
                revoked++;
                if (south.enforcedJtis(jtis) == jtis.size() && "ready".equals(south.redis.get("rv:state"))) {
                    break;
                }
            }
        }
        System.out.printf("rebuild: %d UNKNOWN then %d REVOKED answers during and after the rebuild%n", unknown, revoked);
        await().atMost(Duration.ofSeconds(30)).until(() -> south.enforcedJtis(jtis) == jtis.size()
                && "ready".equals(south.redis.get("rv:state")));
        assertTrue(south.check("subject=rb-user-" + run + "&iat=" + iat).body().contains("\"REVOKED\""));
        HttpResponse<String> unrelated = south.check("jti=never-revoked-" + run);
        assertEquals(200, unrelated.statusCode(), unrelated.body());
        assertTrue(unrelated.body().contains("NOT_REVOKED"));
    }

    @Test
    void restartedEmptyRedisIsRebuiltToo() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        Region west = cluster.region("eu-west");
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            jtis.add("rr-" + run + "-" + i);
        }
        assertEquals(200, east.revoke(Cluster.tokenBatch(jtis, "restart test")).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> west.enforcedJtis(jtis) == jtis.size());
        topology.kill("redis-eu-west");
        HttpResponse<String> down = west.check("jti=" + jtis.get(0));
        assertEquals(503, down.statusCode(), down.body());
        assertTrue(down.body().contains("UNKNOWN"), down.body());
        topology.restart("redis-eu-west");
        // A revocation issued while the region's Redis was down is applied once it is back.
        assertEquals(200, east.revoke("{\"kind\":\"token\",\"jti\":\"rr-" + run + "-late\"}").statusCode());
        jtis.add("rr-" + run + "-late");
        await().atMost(Duration.ofSeconds(40)).ignoreExceptions().until(() -> west.enforcedJtis(jtis) == jtis.size()
                && "ready".equals(west.redis.get("rv:state")));
        // The service's own connections come back on their own schedule (at most 1 s apart,
        // RedisReconnect); until then a check answers UNKNOWN (503, fail closed), never NOT_REVOKED.
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            HttpResponse<String> r = west.check("jti=" + jtis.get(0));
            assertTrue(!r.body().contains("NOT_REVOKED"), r.body());
            return r.body().contains("\"REVOKED\"");
        });
    }

    /** What one region answers for these jtis: REVOKED, UNKNOWN (503) or NOT_REVOKED, counted. */
    private static int[] answers(Region r, List<String> jtis) throws Exception {
        int[] n = new int[3];
        for (String j : jtis) {
            String b = r.check("jti=" + j).body();
            n[b.contains("NOT_REVOKED") ? 2 : b.contains("UNKNOWN") ? 1 : 0]++;
        }
        return n;
    }

    @Test
    void aDenylistKeyDeletedBehindTheServicesBackIsNoticedAndRebuilt() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        Region west = cluster.region("eu-west");
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            jtis.add("dk-" + run + "-" + i);
        }
        assertEquals(200, east.revoke(Cluster.tokenBatch(jtis, "deleted key test")).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> west.enforcedJtis(jtis) == jtis.size());
        String victim = jtis.get(77);
        assertEquals(1L, west.redis.del("rv:jti:" + victim));
        long t0 = System.nanoTime();
        // The keyspace notification reaches the service within milliseconds; the state key goes
        // (UNKNOWN) and the rebuild writes the entry again although its applied marker survived.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                west.check("jti=" + victim).body().contains("\"REVOKED\"") && "ready".equals(west.redis.get("rv:state")));
        System.out.printf("deleted key: rv:jti:%s deleted by hand, REVOKED again and denylist ready after %d ms%n", victim,
                (System.nanoTime() - t0) / 1_000_000);
        int[] n = answers(west, jtis);
        System.out.printf("deleted key: after the rebuild %d REVOKED, %d UNKNOWN, %d NOT_REVOKED of %d%n", n[0], n[1], n[2],
                jtis.size());
        assertEquals(jtis.size(), n[0]);
    }

    @Test
    void aRedisRestoredFromAnOlderSnapshotIsNoticedAndRebuilt() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.region("us-east");
        Region south = cluster.region("ap-south");
        List<String> before = new ArrayList<>();
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            before.add("sn-" + run + "-a" + i);
            after.add("sn-" + run + "-b" + i);
        }
        assertEquals(200, east.revoke(Cluster.tokenBatch(before, "snapshot test, before")).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> south.enforcedJtis(before) == before.size());
        // The operator's backup: an RDB snapshot taken now...
        java.nio.file.Path dir = java.nio.file.Path.of(south.redis.configGet("dir").get("dir"));
        assertEquals("OK", south.redis.save());
        java.nio.file.Path backup = dir.resolve("dump.rdb.backup");
        java.nio.file.Files.copy(dir.resolve("dump.rdb"), backup, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // ...then more revocations, acknowledged and applied...
        assertEquals(200, east.revoke(Cluster.tokenBatch(after, "snapshot test, after")).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> south.enforcedJtis(after) == after.size());
        // ...then Redis dies and comes back from the older snapshot, still saying "ready".
        topology.kill("redis-ap-south");
        java.nio.file.Files.copy(backup, dir.resolve("dump.rdb"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        topology.restart("redis-ap-south");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> south.redis.ping().equals("PONG"));
        long t0 = System.nanoTime();
        // From the restart on, the later revocations are REVOKED or UNKNOWN (fail closed), never NOT_REVOKED.
        int unknown = 0;
        int revoked = 0;
        int wrong = 0;
        long until = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        boolean done = false;
        while (System.nanoTime() < until && !done) {
            int[] n = answers(south, after.subList(0, 50));
            revoked += n[0];
            unknown += n[1];
            wrong += n[2];
            done = n[0] == 50 && south.enforcedJtis(after) == after.size() && "ready".equals(south.redis.get("rv:state"));
        }
        System.out.printf("restored snapshot: rebuilt in %d ms; meanwhile %d REVOKED, %d UNKNOWN, %d NOT_REVOKED answers%n",
                (System.nanoTime() - t0) / 1_000_000, revoked, unknown, wrong);
        assertTrue(done, "not rebuilt within 40 s");
        assertEquals(0, wrong, "a revocation lost with the restore was answered NOT_REVOKED");
        assertEquals(before.size(), south.enforcedJtis(before));
        assertEquals(after.size(), south.enforcedJtis(after));
        HttpResponse<String> unrelated = south.check("jti=never-revoked-" + run);
        assertEquals(200, unrelated.statusCode(), unrelated.body());
    }
}

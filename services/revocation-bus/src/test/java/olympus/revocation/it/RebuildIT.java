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

/** Empty a region's Redis (FLUSHALL, or a restart without persistence): the denylist is rebuilt from the view stream. */
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
}

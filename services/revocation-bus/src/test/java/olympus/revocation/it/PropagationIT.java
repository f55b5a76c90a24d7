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

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revoke in each region, every region enforces it, by every kind; idempotent re-ingest. */
@ExtendWith(TopologyExtension.class)
class PropagationIT {
    static Cluster cluster;

    @BeforeAll
    static void up(LocalTopology t) {
        cluster = Cluster.start(t);
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyKindRevokedInEachRegionIsEnforcedInEveryRegion() throws Exception {
        String run = Cluster.runId();
        long iat = Instant.now().minusSeconds(60).getEpochSecond();
        for (Region origin : cluster.regions) {
            String p = run + "-" + origin.name;
            String body = "{\"revocations\":["
                    + "{\"kind\":\"token\",\"jti\":\"jti-" + p + "\",\"reason\":\"stolen\"},"
                    + "{\"kind\":\"session\",\"sessionId\":\"sid-" + p + "\"},"
                    + "{\"kind\":\"subject\",\"subject\":\"user-" + p + "\"},"
                    + "{\"kind\":\"client\",\"clientId\":\"client-" + p + "\"}]}";
            HttpResponse<String> r = origin.revoke(body);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("REVOCATION_ORIGIN_"), r.body());
        }
        for (Region origin : cluster.regions) {
            String p = run + "-" + origin.name;
            for (Region where : cluster.regions) {
                for (String q : new String[] {"jti=jti-" + p, "sessionId=sid-" + p, "subject=user-" + p + "&iat=" + iat,
                        "clientId=client-" + p + "&iat=" + iat}) {
                    await().atMost(Duration.ofSeconds(15)).until(() -> where.check(q).body().contains("\"REVOKED\""));
                }
                // A token issued after the subject watermark is not hit by it.
                HttpResponse<String> later = where.check("subject=user-" + p + "&iat=" + (Instant.now().getEpochSecond() + 60));
                assertEquals(200, later.statusCode(), later.body());
                assertTrue(later.body().contains("NOT_REVOKED"), later.body());
            }
        }
    }

    @Test
    void retriedIngestIsStoredOnceAndAppliedOnce() throws Exception {
        String run = Cluster.runId();
        Region east = cluster.regions.get(0);
        String body = "{\"kind\":\"token\",\"eventId\":\"retry-" + run + "\",\"jti\":\"retry-" + run + "\"}";
        long[] before = cluster.regions.stream().mapToLong(Region::appliedCount).toArray();
        assertEquals(200, east.revoke(body).statusCode());
        HttpResponse<String> again = east.revoke(body);
        assertEquals(200, again.statusCode());
        assertTrue(again.body().contains("\"duplicate\":true"), again.body());
        for (int i = 0; i < cluster.regions.size(); i++) {
            Region r = cluster.regions.get(i);
            await().atMost(Duration.ofSeconds(15)).until(() -> r.check("jti=retry-" + run).body().contains("\"REVOKED\""));
        }
        Thread.sleep(500);
        for (int i = 0; i < cluster.regions.size(); i++) {
            assertEquals(before[i] + 1, cluster.regions.get(i).appliedCount(), cluster.regions.get(i).name);
        }
    }
}

package olympus.revocation.it;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import olympus.revocation.client.AppliedSubscriber;
import olympus.revocation.client.IntrospectionCache;
import olympus.revocation.client.RevocationClient;
import olympus.revocation.core.Keys;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The introspection race: an "active" result computed before a revocation is written to the cache
 * after the bus deleted it. The stale entry survives in Redis (shown), but the cache never serves
 * it, because every hit is checked against the denylist. Also exercises the client library.
 */
@ExtendWith(TopologyExtension.class)
class RaceIT {
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
    void activeResultCachedConcurrentlyWithARevocationDoesNotSurviveIt() throws Exception {
        String run = Cluster.runId();
        String jti = "race-" + run;
        Region west = cluster.region("eu-west");
        RedisClient rc = topology.redisClient("eu-west");
        try (StatefulRedisConnection<String, String> conn = rc.connect()) {
            IntrospectionCache cache = new IntrospectionCache(conn, Clock.systemUTC(), Duration.ofMinutes(5));
            Instant iat = Instant.now().minusSeconds(10);
            IntrospectionCache.Entry active = new IntrospectionCache.Entry(jti, "sid-" + run, "user-" + run, "client-" + run,
                    iat, Instant.now().plusSeconds(600), "{\"active\":true}");
            cache.put(jti, active);
            assertTrue(cache.get(jti).isPresent(), "cached and not revoked: served");

            // 1. An introspection starts: upstream (Hydra) says active. It is slow to write back.
            IntrospectionCache.Entry inFlight = active;
            // 2. Meanwhile the token is revoked in another region; eu-west applies it and deletes the cache entry.
            assertEquals(200, cluster.region("us-east").revoke("{\"kind\":\"token\",\"jti\":\"" + jti + "\"}").statusCode());
            await().atMost(Duration.ofSeconds(15)).until(() -> west.redis.get(Keys.jti(jti)) != null);
            assertEquals(null, west.redis.get(Keys.introspectionByJti(jti)), "the bus deleted the cached result");
            // 3. The slow introspection now writes its stale "active" back.
            cache.put(jti, inFlight);
            assertNotNull(west.redis.get(Keys.introspectionByJti(jti)), "the race happened: a stale active entry is in Redis");
            // 4. It is never served.
            IntrospectionCache.Lookup l = cache.lookup(jti);
            assertFalse(l.entry().isPresent());
            assertEquals(IntrospectionCache.Miss.REVOKED, l.miss(), l.reason());

            // Same for a subject-wide revocation, which deletes no cache key at all.
            String jti2 = "race2-" + run;
            IntrospectionCache.Entry other = new IntrospectionCache.Entry(jti2, null, "user-" + run, null, iat,
                    Instant.now().plusSeconds(600), "{\"active\":true}");
            cache.put(jti2, other);
            assertTrue(cache.get(jti2).isPresent());
            assertEquals(200, cluster.region("ap-south").revoke("{\"kind\":\"subject\",\"subject\":\"user-" + run + "\"}").statusCode());
            await().atMost(Duration.ofSeconds(15)).until(() -> cache.lookup(jti2).miss() == IntrospectionCache.Miss.REVOKED);
        } finally {
            rc.shutdown();
        }
    }

    @Test
    void clientLibraryChecksAndSubscribes() throws Exception {
        String run = Cluster.runId();
        Region south = cluster.region("ap-south");
        List<String> applied = new CopyOnWriteArrayList<>();
        CountDownLatch gap = new CountDownLatch(1);
        try (AppliedSubscriber sub = AppliedSubscriber.start(topology.redisClient("ap-south"),
                new AppliedSubscriber.Listener() {
                    @Override
                    public void applied(String kind, String eventId) {
                        applied.add(kind + " " + eventId);
                    }

                    @Override
                    public void gap() {
                        gap.countDown();
                    }
                })) {
            assertTrue(gap.await(5, TimeUnit.SECONDS), "a new subscription starts with a gap");
            RevocationClient client = new RevocationClient(URI.create("http://127.0.0.1:" + south.port), null,
                    Duration.ofSeconds(2));
            RevocationClient.Query q = RevocationClient.Query.token("lib-" + run).session("lib-sid-" + run)
                    .subject("lib-user-" + run).issuedAt(Instant.now().minusSeconds(5));
            assertFalse(client.check(q).revoked());
            assertEquals(200, cluster.region("us-east").revoke("{\"kind\":\"session\",\"eventId\":\"lib-ev-" + run
                    + "\",\"sessionId\":\"lib-sid-" + run + "\"}").statusCode());
            await().atMost(Duration.ofSeconds(15)).until(() -> applied.contains("session lib-ev-" + run));
            RevocationClient.Result r = client.check(q);
            assertTrue(r.revoked());
            assertEquals("REVOKED", r.status());
            // Fail closed: a bus that cannot be reached answers "revoked".
            RevocationClient dead = new RevocationClient(URI.create("http://127.0.0.1:1"), null, Duration.ofMillis(500));
            RevocationClient.Result u = dead.check(RevocationClient.Query.token("anything"));
            assertTrue(u.revoked());
            assertEquals("UNKNOWN", u.status());
            sub.client().shutdown();
        }
    }
}

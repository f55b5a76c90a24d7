package olympus.router.it;

import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.router.support.RwChecker;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The correctness checker on the real topology (see RwChecker): 10,000 write-then-read pairs
 * routed by the router while eu-west's replay is paused and resumed at random; not one read may
 * miss the user's own write. The SETEX scheme runs beside it for comparison (reported, not asserted
 * to fail: how often it fails depends on the pause schedule).
 */
@ExtendWith(TopologyExtension.class)
class ReadYourWritesCheckerIT {
    @Test
    void noReadMissesTheUsersOwnWrite(LocalTopology t) throws Exception {
        try (LagSampler sampler = new LagSampler(t, 25);
             EmbeddedRouter router = EmbeddedRouter.start(t, "eu-west")) {
            Http http = router.http();
            await().atMost(Duration.ofSeconds(20)).until(() -> "OK".equals(http.get("/v1/route").body().path("reason").asText()));
            RwChecker c = new RwChecker(t, "eu-west", router.uri(), 400, Integer.getInteger("rw.workers", 6), System.out::println);
            c.run(Long.getLong("rw.pairs", 10_000), 180_000);
            System.out.println("router: " + c.router + " reasons " + c.router.reasons + "; " + c.router.steps());
            System.out.println("setex:  " + c.setex + "; " + c.setex.steps());
            System.out.printf("pauses %d, longest %d ms%n", c.pauses.get(), c.longestPauseMs.get());
            assertTrue(c.router.pairs.get() >= 10_000, "pairs: " + c.router.pairs.get());
            assertEquals(0, c.router.stale.get(), "reads that missed the user's own write (router)");
            assertTrue(c.router.replicaShare() > 0, "the router sent some reads to the replica");
        } finally {
            t.repair();
        }
    }
}

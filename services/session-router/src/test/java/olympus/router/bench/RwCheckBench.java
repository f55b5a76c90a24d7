package olympus.router.bench;

import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.router.support.RwChecker;
import olympus.topology.LocalTopology;

import java.nio.file.Path;

/**
 * bench/run rwcheck: the read-your-writes checker (RwChecker) at a larger scale than the
 * integration test, on the operator's local topology. Replay on eu-west's replica is paused and
 * resumed at random during the run, and resumed at the end.
 */
public final class RwCheckBench {
    public static void main(String[] args) throws Exception {
        long pairs = Long.getLong("rw.pairs", 30_000);
        int users = Integer.getInteger("rw.users", 2000);
        int workers = Integer.getInteger("rw.workers", 8);
        LocalTopology t = LocalTopology.load(Path.of(System.getenv().getOrDefault("OLYMPUS_TOPOLOGY_DIR", "/tmp/olympus-local")), System.err::println);
        int code = 0;
        try (LagSampler sampler = new LagSampler(t, 25);
             EmbeddedRouter router = EmbeddedRouter.start(t, "eu-west")) {
            Http http = router.http();
            long t0 = System.nanoTime();
            while (!"OK".equals(http.get("/v1/route").body().path("reason").asText())) {
                if (System.nanoTime() - t0 > 30_000_000_000L) {
                    throw new IllegalStateException("router never saw a healthy replica: " + http.get("/v1/route").body());
                }
                Thread.sleep(100);
            }
            RwChecker c = new RwChecker(t, "eu-west", router.uri(), users, workers, System.out::println);
            long start = System.nanoTime();
            c.run(pairs, 900_000);
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("%.0f s, %d replay pauses (longest %d ms)%n", secs, c.pauses.get(), c.longestPauseMs.get());
            System.out.println("router (LSN tokens): " + c.router + "; reasons " + c.router.reasons + "; " + c.router.steps());
            System.out.println("setex (5 s window):  " + c.setex + "; " + c.setex.steps());
            System.out.printf("RESULT rwcheck pairs=%d stale_reads=%d replica_share=%.3f setex_stale_reads=%d setex_replica_share=%.3f%n",
                    c.router.pairs.get(), c.router.stale.get(), c.router.replicaShare(), c.setex.stale.get(), c.setex.replicaShare());
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        } finally {
            try {
                t.resumeReplay("eu-west");
            } catch (RuntimeException ignored) {
                // nothing to resume
            }
        }
        System.exit(code);
    }
}

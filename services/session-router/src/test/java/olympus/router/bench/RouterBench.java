package olympus.router.bench;

import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.router.support.RawHttp;
import olympus.topology.LocalTopology;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * bench/run router: read decisions per second and latency over HTTP keep-alive, against a bare
 * Micronaut endpoint on the same server, load generator in the same JVM (this machine has 2 cores:
 * the generator, the router, Redis and NATS share them).
 *
 * <p>Workload: the router in eu-west (a replica region, so every keyed decision reads Redis),
 * 100,000 users of which 10% have a write marker (half already replayed, half at a position far
 * ahead, so they answer PRIMARY/RECENT_WRITE), lag samples every 50 ms. Rounds alternate bare and
 * router so both see the same machine conditions; figures are summed over the measured rounds.
 */
public final class RouterBench {
    static final int USERS = 100_000;

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 8);
        int rounds = Integer.getInteger("bench.rounds", 3);
        long roundMs = Long.getLong("bench.roundMs", 8000);
        LocalTopology t = LocalTopology.load(Path.of(System.getenv().getOrDefault("OLYMPUS_TOPOLOGY_DIR", "/tmp/olympus-local")), System.err::println);
        int code = 0;
        try (LagSampler sampler = new LagSampler(t, 50);
             EmbeddedRouter router = EmbeddedRouter.start(t, "eu-west", serverProps())) {
            URI uri = router.uri();
            Http http = new Http(uri);
            long t0 = System.nanoTime();
            while (!"OK".equals(http.get("/v1/route").body().path("reason").asText())) {
                if (System.nanoTime() - t0 > 30_000_000_000L) {
                    throw new IllegalStateException("router never saw a healthy replica: " + http.get("/v1/route").body());
                }
                Thread.sleep(100);
            }
            // 10% of users have a marker: 5% caught up (replica), 5% far ahead (primary, RECENT_WRITE)
            try (RawHttp c = new RawHttp(uri.getHost(), uri.getPort())) {
                for (int u = 0; u < USERS; u += 10) {
                    c.post("/v1/writes", "{\"userId\":\"b" + u + "\",\"lsn\":\"" + (u % 20 == 0 ? "0/1" : "FFFF/0") + "\"}");
                }
            }
            System.out.printf("router in eu-west at %s, %d connections, %d rounds of %d ms each (after warm-up)%n",
                    uri, connections, rounds, roundMs);
            IntFunction<String> routePath = u -> "/v1/route?user=b" + u + "&op=profile";
            IntFunction<String> barePath = u -> "/bare";
            // Warm-up rounds: on a busy 2-core machine the JIT needs them (measured: with one
            // round each, throughput still rose by half from the first measured round to the
            // third), and a cold round would be measured as the router's cost.
            int warmupRounds = Integer.getInteger("bench.warmupRounds", 2);
            for (int w = 0; w < warmupRounds; w++) {
                run(uri, connections, roundMs, barePath);
                run(uri, connections, roundMs, routePath);
            }
            Histogram bareH = new Histogram(3_600_000_000L, 3);
            Histogram routeH = new Histogram(3_600_000_000L, 3);
            long bareN = 0;
            long routeN = 0;
            long bareNs = 0;
            long routeNs = 0;
            for (int r = 0; r < rounds; r++) {
                Result b = run(uri, connections, roundMs, barePath);
                Result d = run(uri, connections, roundMs, routePath);
                System.out.printf("round %d: bare %,.0f/s p50 %.3f p99 %.3f ms | route %,.0f/s p50 %.3f p99 %.3f ms%n", r + 1,
                        b.perSecond(), b.h.getValueAtPercentile(50) / 1e6, b.h.getValueAtPercentile(99) / 1e6,
                        d.perSecond(), d.h.getValueAtPercentile(50) / 1e6, d.h.getValueAtPercentile(99) / 1e6);
                bareH.add(b.h);
                routeH.add(d.h);
                bareN += b.count;
                routeN += d.count;
                bareNs += b.nanos;
                routeNs += d.nanos;
            }
            double bare = bareN / (bareNs / 1e9);
            double dec = routeN / (routeNs / 1e9);
            String prom = http.getText("/prometheus");
            for (String line : prom.split("\n")) {
                if (line.startsWith("router_decisions_total{kind=\"read\"") && !line.endsWith(" 0.0")) {
                    System.out.println("  " + line);
                }
            }
            System.out.printf("bare endpoint: %,.0f req/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms%n", bare,
                    bareH.getValueAtPercentile(50) / 1e6, bareH.getValueAtPercentile(99) / 1e6, bareH.getValueAtPercentile(99.9) / 1e6);
            System.out.printf("read decision: %,.0f decisions/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms%n", dec,
                    routeH.getValueAtPercentile(50) / 1e6, routeH.getValueAtPercentile(99) / 1e6, routeH.getValueAtPercentile(99.9) / 1e6);
            System.out.printf("ratio decisions/bare: %.2f; targets: >= 20,000/s, p99 <= 2 ms, ratio >= 0.60%n", dec / bare);
            System.out.printf("RESULT router decisions_per_s=%.0f p50_ms=%.3f p99_ms=%.3f bare_per_s=%.0f ratio_vs_bare=%.2f%n",
                    dec, routeH.getValueAtPercentile(50) / 1e6, routeH.getValueAtPercentile(99) / 1e6, bare, dec / bare);
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static Map<String, Object> serverProps() {
        Map<String, Object> p = new java.util.HashMap<>();
        p.put("router.bench.bare-endpoint", "true");
        String threads = System.getProperty("bench.serverThreads");
        if (threads != null) {
            p.put("micronaut.netty.event-loops.default.num-threads", threads);
        }
        return p;
    }

    record Result(long count, long nanos, Histogram h) {
        double perSecond() {
            return count / (nanos / 1e9);
        }
    }

    static Result run(URI uri, int connections, long ms, IntFunction<String> path) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Histogram> hs = new ArrayList<>();
        long[] counts = new long[connections];
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < connections; i++) {
            Histogram h = new Histogram(3_600_000_000L, 3);
            hs.add(h);
            int idx = i;
            threads.add(new Thread(() -> {
                try (RawHttp c = new RawHttp(uri.getHost(), uri.getPort())) {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        String p = path.apply(rnd.nextInt(USERS));
                        long s = System.nanoTime();
                        RawHttp.Response r = c.get(p);
                        h.recordValue(System.nanoTime() - s);
                        if (r.status() != 200) {
                            throw new IllegalStateException(p + " -> " + r.status() + " " + r.body());
                        }
                        counts[idx]++;
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            }, "load-" + i));
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(ms);
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        long nanos = System.nanoTime() - start;
        if (!errors.isEmpty()) {
            throw new IllegalStateException("load generator failed", errors.get(0));
        }
        Histogram all = new Histogram(3_600_000_000L, 3);
        hs.forEach(all::add);
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return new Result(n, nanos, all);
    }
}

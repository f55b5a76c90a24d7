package olympus.router.bench;

import olympus.topology.ServiceProcess;
import olympus.bench.RatedLoad;
import olympus.bench.Wrk;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.router.support.RawHttp;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * bench/run router: read decisions per second and latency over HTTP keep-alive, against a bare
 * Micronaut endpoint returning a constant, side by side in one run.
 *
 * <p>Set-up, as deployed: the eu-west router (a replica region, so every keyed decision reads
 * Redis) runs as its own JVM with deploy/local/services' flags; the baseline is a second JVM of
 * the same application with only the benchmark's {@code /bare} controller switched on, so each
 * JVM's JIT sees only its own traffic (in one JVM, alternating rounds flipped the compiled type
 * profiles: ~100 deoptimisations per 5 s and a third of the CPU in the compiler). The load
 * generator is wrk beside them (one thread); lag samples every 50 ms come from this JVM.
 *
 * <p>Workload: 100,000 users, 10% with a write marker (half already replayed, half at a position
 * far ahead, so they answer PRIMARY/RECENT_WRITE), a random user per request. Rounds alternate
 * bare and router so both see the same machine conditions; throughput is summed over the
 * measured rounds, p50 is the median of the rounds' and p99 the worst round's.
 */
public final class RouterBench {
    static final int USERS = 100_000;
    static final String REGION = "eu-west";
    /** deploy/local/services' flags for the session-router. */
    static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx1536m", "-Xmn1200m",
            "-Dmicronaut.netty.event-loops.default.num-threads=1");

    public static void main(String[] args) throws Exception {
        // 16 keep-alive connections: with 8, the router (a Redis round trip inside each request)
        // left the machine 12% idle (/proc/stat, 2026-11-28), so its throughput was bounded by
        // latency rather than by what a decision costs; the ratio is about the latter.
        int connections = Integer.getInteger("bench.connections", 16);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int roundS = Integer.getInteger("bench.roundS", 8);
        int warmupRounds = Integer.getInteger("bench.warmupRounds", 4);
        LocalTopology t = LocalTopology.load(Path.of(System.getenv().getOrDefault("OLYMPUS_TOPOLOGY_DIR", "/tmp/olympus-local")), System.err::println);
        int code = 0;
        List<String> jvm = new ArrayList<>(JVM);
        String threads = System.getProperty("bench.serverThreads");
        if (threads != null) {
            jvm.removeIf(f -> f.startsWith("-Dmicronaut.netty.event-loops.default.num-threads="));
            jvm.add("-Dmicronaut.netty.event-loops.default.num-threads=" + threads);
        }
        // Extra JVM flags for both servers, separated by '|' (bench/run splits BENCH_JAVA_OPTS at
        // spaces): BENCH_JAVA_OPTS=-Dbench.jvm=-Xmn320m|-Xlog:gc:file=/tmp/gc-%p.log
        String extra = System.getProperty("bench.jvm", "").trim();
        if (!extra.isEmpty()) {
            List<String> flags = List.of(extra.split("[|\\s]+"));
            if (flags.stream().anyMatch(f -> f.matches("-XX:\\+Use\\w+GC"))) {
                jvm.removeIf(f -> f.matches("-XX:\\+Use\\w+GC")); // one collector only
            }
            jvm.addAll(flags);
        }
        // As deployed (LocalTopology.env), the router reaches its Redis over the Unix socket;
        // -Dbench.redisTcp=true measures it over TCP loopback instead.
        if (Boolean.getBoolean("bench.redisTcp")) {
            jvm.add("-Drouter.redis.uri=" + t.redisUri(REGION));
        }
        List<String> bareJvm = new ArrayList<>(jvm);
        bareJvm.add("-Drouter.bench.bare-endpoint=true");
        // The router requires its API token (ROUTER_API_TOKENS in the topology's environment), so
        // every request carries it; the bare endpoint's and the C server's too, which ignore it,
        // so all three parse requests of the same size.
        String token = t.credentials().token(olympus.render.Secrets.ROUTER_API);
        String authHeader = "Authorization: Bearer " + token;
        String luaHeaders = "{[\"Authorization\"] = \"Bearer " + token + "\"}";
        try (LagSampler sampler = new LagSampler(t, 50);
             ServiceProcess router = start(t, jvm);
             ServiceProcess bare = start(t, bareJvm)) {
            awaitRoutingOk(router, token);
            awaitRoutingOk(bare, token);
            // 10% of users have a marker: 5% caught up (replica), 5% far ahead (primary, RECENT_WRITE)
            // The far-ahead markers go straight into the region's Redis: the API refuses a position
            // ahead of the primary's WAL (no commit has one), and a real unreplayed one would not
            // stay unreplayed for the rounds.
            try (RawHttp c = new RawHttp("127.0.0.1", router.port(), token);
                 io.lettuce.core.RedisClient rc = t.redisClient(REGION);
                 io.lettuce.core.api.StatefulRedisConnection<String, String> redis = rc.connect()) {
                long epoch = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.get("/v1/route").body()).path("epoch").asLong();
                String far = new olympus.router.core.Marker(olympus.router.core.Marker.Kind.WRITE, epoch,
                        olympus.wire.Lsn.parse("FFFF/0"), null, REGION).encode();
                for (int u = 0; u < USERS; u += 10) {
                    if (u % 20 == 0) {
                        c.post("/v1/writes", "{\"userId\":\"b" + u + "\",\"lsn\":\"0/1\"}");
                    } else {
                        redis.sync().psetex("olympus:router:w:u:b" + u, 600_000, far);
                    }
                }
            }
            System.out.printf("router in %s as its own JVM (%s) at %s, bare endpoint in a second JVM at %s; wrk 1 thread, %d connections, "
                    + "%d warm-up and %d measured rounds of %d s each%n", REGION, String.join(" ", jvm), router.baseUrl(), bare.baseUrl(),
                    connections, warmupRounds, rounds, roundS);
            String routeLua = "return wrk.format(\"GET\", \"/v1/route?user=b\" .. math.random(0, " + (USERS - 1) + ") .. \"&op=profile\", "
                    + luaHeaders + ")";
            String bareLua = "return wrk.format(\"GET\", \"/bare\", " + luaHeaders + ")";
            // Warm-up rounds: the JIT needs them (with one round each, throughput still rose by
            // half from the first measured round to the third), and a cold round would be
            // measured as the router's cost. Four: with two, the router still rose from round
            // to round (24,300 -> 32,400 -> 30,300 -> 33,400/s over warm-ups 2-4 and round 1 of
            // one run, 2026-11-28); a router left running reaches 37,000-47,000/s.
            for (int w = 0; w < warmupRounds; w++) {
                Wrk.Result b = check(Wrk.run(bare.baseUrl() + "/", 1, connections, roundS, bareLua));
                Wrk.Result d = check(Wrk.run(router.baseUrl() + "/", 1, connections, roundS, routeLua));
                System.out.printf("warm-up %d: bare %s | route %s%n", w + 1, b.line(), d.line());
            }
            List<Wrk.Result> bareRuns = new ArrayList<>();
            List<Wrk.Result> routeRuns = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Wrk.Result b = check(Wrk.run(bare.baseUrl() + "/", 1, connections, roundS, bareLua));
                Wrk.Result d = check(Wrk.run(router.baseUrl() + "/", 1, connections, roundS, routeLua));
                System.out.printf("round %d: bare %s | route %s%n", r + 1, b.line(), d.line());
                bareRuns.add(b);
                routeRuns.add(d);
            }
            fixedRates(router, bare, connections, authHeader);
            if (Boolean.getBoolean("bench.unkeyed")) {
                unkeyed(router, connections, rounds, roundS, luaHeaders);
            }
            Http http = new Http(URI.create(router.baseUrl()), token);
            for (String line : http.getText("/prometheus").split("\n")) {
                if (line.startsWith("olympus_router_decisions_total{kind=\"read\"") && !line.endsWith(" 0.0")) {
                    System.out.println("  " + line);
                }
            }
            double barePerS = rate(bareRuns);
            double dec = rate(routeRuns);
            double p50 = median(routeRuns.stream().mapToDouble(Wrk.Result::p50Ms).toArray());
            double p99 = routeRuns.stream().mapToDouble(Wrk.Result::p99Ms).max().orElse(Double.NaN);
            System.out.printf("bare endpoint: %,.0f req/s, p50 %.3f ms, p99 %.3f ms (worst round)%n", barePerS,
                    median(bareRuns.stream().mapToDouble(Wrk.Result::p50Ms).toArray()),
                    bareRuns.stream().mapToDouble(Wrk.Result::p99Ms).max().orElse(Double.NaN));
            System.out.printf("read decision: %,.0f decisions/s, p50 %.3f ms, p99 %.3f ms (worst round)%n", dec, p50, p99);
            System.out.printf("ratio decisions/bare: %.2f; targets: >= 20,000/s, p99 <= 2 ms, ratio >= 0.60%n", dec / barePerS);
            System.out.printf(Locale.ROOT, "RESULT router decisions_per_s=%.0f p50_ms=%.3f p99_ms=%.3f bare_per_s=%.0f ratio_vs_bare=%.2f%n",
                    dec, p50, p99, barePerS, dec / barePerS);
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Latency at fixed rates (open loop, see RatedLoad), side by side: the C constant server (this
     * machine's floor), the bare endpoint and the read decision. wrk's p99 above is that of a
     * saturated server; these say what a caller sees at a given load, stalls included.
     */
    static void fixedRates(ServiceProcess router, ServiceProcess bare, int connections, String header) throws Exception {
        String rates = System.getProperty("bench.fixedRates", "5000,20000");
        if (rates.isBlank()) {
            return;
        }
        try (RatedLoad.ConstServer constServer = RatedLoad.startConstServer()) {
            System.out.printf("latency at fixed rates (ratedload: open loop, each request timed from when it was due; %d connections; "
                    + "8 s measured after 2 s):%n", connections);
            String route = "/v1/route?user=b%d&op=profile";
            for (String r : rates.split(",")) {
                int rate = Integer.parseInt(r.strip());
                RatedLoad.Result c = checked(RatedLoad.run(constServer.port(), rate, connections, 2, 8, "/", 0, header));
                RatedLoad.Result b = checked(RatedLoad.run(bare.port(), rate, connections, 2, 8, "/bare", 0, header));
                RatedLoad.Result d = checked(RatedLoad.run(router.port(), rate, connections, 2, 8, route, USERS, header));
                System.out.printf("  %,6d/s  C constant server: %s%n", rate, c.line());
                System.out.printf("  %,6d/s  bare endpoint:     %s%n", rate, b.line());
                System.out.printf("  %,6d/s  read decision:     %s%n", rate, d.line());
            }
        }
    }

    /**
     * -Dbench.unkeyed=true: the same endpoint without a user or session, so the decision is made
     * from memory alone (no Redis lookup). Compared with the keyed rounds, it splits the router's
     * cost into the decision and the lookup. Run last: alternating it with the keyed rounds would
     * give the JIT two profiles of one method (see the class comment).
     */
    static void unkeyed(ServiceProcess router, int connections, int rounds, int roundS, String luaHeaders) throws Exception {
        String lua = "return wrk.format(\"GET\", \"/v1/route?op=profile\", " + luaHeaders + ")";
        List<Wrk.Result> runs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Wrk.Result u = check(Wrk.run(router.baseUrl() + "/", 1, connections, roundS, lua));
            System.out.printf("unkeyed round %d: route without user or session (no Redis lookup) %s%n", r + 1, u.line());
            runs.add(u);
        }
        System.out.printf("route without a lookup: %,.0f decisions/s, p50 %.3f ms, p99 %.3f ms (worst round)%n", rate(runs),
                median(runs.stream().mapToDouble(Wrk.Result::p50Ms).toArray()),
                runs.stream().mapToDouble(Wrk.Result::p99Ms).max().orElse(Double.NaN));
    }

    static RatedLoad.Result checked(RatedLoad.Result r) {
        if (r.non2xx() > 0 || r.errors() > 0 || r.recorded() == 0) {
            throw new IllegalStateException("ratedload run had errors: " + r);
        }
        return r;
    }

    static ServiceProcess start(LocalTopology t, List<String> jvm) throws java.io.IOException {
        return ServiceProcess.start(t, REGION, NatsRole.SESSION_ROUTER, "olympus.router.Application", "HTTP_PORT_SESSION_ROUTER", jvm, Map.of());
    }

    /** Waits until the process answers and has seen a healthy replica (the lag feed has reached it). */
    static void awaitRoutingOk(ServiceProcess p, String token) throws InterruptedException {
        Http http = new Http(URI.create(p.baseUrl()), token);
        long t0 = System.nanoTime();
        String last = "(no answer)";
        while (System.nanoTime() - t0 < 90_000_000_000L) {
            if (!p.process().isAlive()) {
                throw new IllegalStateException("router process exited:\n" + p.logTail());
            }
            try {
                Http.Response r = http.get("/v1/route");
                last = r.body().toString();
                if ("OK".equals(r.body().path("reason").asText())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("router never saw a healthy replica: " + last + "\n" + p.logTail());
    }

    /** A run with errors or non-200 answers is not a measurement. */
    static Wrk.Result check(Wrk.Result r) {
        if (r.non2xx() > 0 || r.errors() != null || r.requests() == 0) {
            throw new IllegalStateException("wrk run had errors (" + r.non2xx() + " non-2xx, " + r.errors() + "):\n" + r.output());
        }
        return r;
    }

    /** Mean of the rounds' rates (wrk's Requests/sec: requests over its own measured time). */
    static double rate(List<Wrk.Result> runs) {
        return runs.stream().mapToDouble(Wrk.Result::perSecond).average().orElse(Double.NaN);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

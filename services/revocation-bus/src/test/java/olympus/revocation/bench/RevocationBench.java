package olympus.revocation.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.PublishOptions;
import olympus.revocation.client.AppliedSubscriber;
import olympus.revocation.core.Keys;
import olympus.revocation.nats.IngestListener;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.TokenRevoked;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * bench/run revocation: on the local topology, with one revocation-bus per region in this JVM.
 *
 * <ol>
 * <li>Propagation: events ingested over NATS request/reply, round-robin over the regions, at a
 *     steady rate; latency from the ingest request to "applied in every region's Redis" (the
 *     service's applied announcement, sent after the keys are written).</li>
 * <li>Baselines at the same rate: plain Redis pub/sub (publish into each region's Redis) and core
 *     NATS publish (subscribers on each region's server), neither durable.</li>
 * <li>Apply rate: a region's service is stopped, a backlog is published, the service restarted;
 *     applied events per second while it drains.</li>
 * <li>HTTP check: wrk against one region's check endpoint.</li>
 * </ol>
 * Ends with the RESULT line.
 */
public final class RevocationBench {
    static final int RATE = Integer.getInteger("rate", 2000);
    static final int SECONDS = Integer.getInteger("seconds", 15);
    static final int BACKLOG = Integer.getInteger("backlog", 30000);
    /** Least seconds of unmeasured load first (then until the JIT settles, see warmUp). */
    // 30 s: the three services share this JVM with the load generator, and with 10 s the JIT
    // compiler was 39% of the JVM's CPU over the run (async-profiler), on a host that was already
    // saturated; a deployed service spends nearly all its life compiled.
    static final int WARMUP = Integer.getInteger("warmup", 30);
    /** Longest warm-up, and the JIT time per 5 s below which it counts as settled (see warmUp). */
    static final int WARMUP_MAX = Integer.getInteger("warmupMax", 150);
    static final int JIT_QUIET_MS = Integer.getInteger("jitQuietMs", 100);
    /**
     * The baselines warm up the same way (ramp, then until the JIT settles), shorter: they were
     * given 2 s, and on 12-07 the C2 compiler took 4.3 s of CPU in the 12 s the same-work baseline
     * was measured (jstack), so it was compared as cold code. Warming it up did not remove its
     * lag on that machine (p99 still 2.7-6.9 s with the JIT quiet; see the README): that lag is
     * in its SET round trip, which the baseline now prints per region.
     */
    static final int BASELINE_WARMUP = Integer.getInteger("baselineWarmup", 5);
    static final int BASELINE_WARMUP_MAX = Integer.getInteger("baselineWarmupMax", 60);
    static final int CHECK_WARMUP = Integer.getInteger("checkWarmup", 15);
    static final int CHECK_CONNECTIONS = Integer.getInteger("checkConnections", 16);
    static final String TOKEN = "bench-token";
    /** Comma-separated phases to run (propagation, baselines, apply, check; samework: that baseline alone); all by default. For profiling one. */
    static final List<String> PHASES = List.of(System.getProperty("phases", "propagation,baselines,apply,check").split(","));

    public static void main(String[] args) throws Exception {
        LocalTopology t = LocalTopology.load(Path.of(System.getenv().getOrDefault("OLYMPUS_TOPOLOGY_DIR", "/tmp/olympus-local")),
                System.err::println);
        List<String> regions = t.regions();
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, EmbeddedServer> servers = new HashMap<>();
        for (String r : regions) {
            servers.put(r, startService(t, r));
        }
        System.out.printf("revocation bench: %d regions %s, %d events/s for %d s per mode%n", regions.size(), regions, RATE, SECONDS);

        Histogram bus = PHASES.contains("propagation") ? propagation(t, run) : new Histogram(3);
        if (PHASES.contains("propagation")) {
            stages(regions, servers);
        }
        Histogram redis = PHASES.contains("baselines") ? redisPubSub(t, run) : new Histogram(3);
        Histogram nats = PHASES.contains("baselines") ? coreNats(t, run) : new Histogram(3);
        Histogram same = PHASES.contains("baselines") || PHASES.contains("samework") ? sameWork(t, run) : new Histogram(3);
        System.out.println();
        row("revocation-bus (durable)", bus);
        row("Redis pub/sub (baseline)", redis);
        row("core NATS (baseline)", nats);
        row("same work (baseline)", same);
        double sameRatio = same.getTotalCount() == 0 ? 0
                : ms(bus.getValueAtPercentile(99)) / Math.max(0.001, ms(same.getValueAtPercentile(99)));
        System.out.printf("p99 ratio vs the same work without the service (core NATS fan-out + one Redis write per region): %.2f%n",
                sameRatio);
        // No baseline run (phases without "baselines"): no ratio, 0 rather than a division by ~0.
        double ratio = nats.getTotalCount() == 0 ? 0 : ms(bus.getValueAtPercentile(99)) / Math.max(0.001, ms(nats.getValueAtPercentile(99)));
        System.out.printf("p99 ratio vs core NATS: %.2f   vs Redis pub/sub: %.2f%n", ratio,
                ms(bus.getValueAtPercentile(99)) / Math.max(0.001, ms(redis.getValueAtPercentile(99))));

        double minApply = PHASES.contains("apply") ? Double.MAX_VALUE : 0;
        if (PHASES.contains("apply")) {
            // One unmeasured drain first: the propagation phase never pulled a backlog in bulk,
            // so the first region drained ran that path cold. With TLS its rate was half the other
            // regions' (23,655 against 50,644 and 56,916 events/s, bench/compare-tls on 12-07),
            // without TLS it was level with them: the JIT compiling the TLS bulk-read path.
            double w = applyRate(t, regions.get(0), servers, run + "w");
            System.out.printf("apply rate %-9s %,10.0f events/s (warm-up drain, not counted)%n", regions.get(0), w);
        }
        for (String r : PHASES.contains("apply") ? regions : List.<String>of()) {
            double rate = applyRate(t, r, servers, run);
            System.out.printf("apply rate %-9s %,10.0f events/s (backlog of %,d)%n", r, rate, BACKLOG);
            minApply = Math.min(minApply, rate);
        }

        double[] check = PHASES.contains("check") ? wrk(t, regions.get(1)) : new double[2];
        System.out.printf("HTTP check (%s, wrk 2 threads, %d connections, 10 s after %d s of warm-up): %,.0f checks/s, p99 %.2f ms%n",
                regions.get(1), CHECK_CONNECTIONS, CHECK_WARMUP, check[0], check[1]);

        servers.values().forEach(s -> s.getApplicationContext().close());
        System.out.printf(java.util.Locale.ROOT,
                "RESULT revocation p50_ms=%.2f p99_ms=%.2f max_ms=%.2f apply_per_s=%.0f redis_pubsub_p99_ms=%.2f "
                        + "core_nats_p99_ms=%.2f ratio_p99_vs_core_nats=%.2f same_work_p99_ms=%.2f ratio_p99_vs_same_work=%.2f "
                        + "apply_min_region_per_s=%.0f check_per_s=%.0f check_p99_ms=%.2f cpu_pct_machine_propagation=%.1f%n",
                ms(bus.getValueAtPercentile(50)), ms(bus.getValueAtPercentile(99)), ms(bus.getMaxValue()), minApply,
                ms(redis.getValueAtPercentile(99)), ms(nats.getValueAtPercentile(99)), ratio, ms(same.getValueAtPercentile(99)),
                sameRatio, minApply, check[0], check[1], busyPropagation);
        System.exit(0);
    }

    static EmbeddedServer startService(LocalTopology t, String region) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", t.ports().revocationBusHttp(t.regions().indexOf(region)));
        p.putAll(t.tlsProperties(region));
        p.put("revocation.region", region);
        p.put("revocation.regions", t.regions());
        p.put("revocation.nats-url", t.natsUrl(region));
        p.put("revocation.nats-user", NatsRole.REVOCATION_BUS.user(region));
        p.put("revocation.nats-password", t.credentials().natsPassword(NatsRole.REVOCATION_BUS, region));
        // As deployed (LocalTopology.env): the service reaches its region's Redis over the socket.
        p.put("revocation.redis-uri", Boolean.getBoolean("redisTcp") ? t.redisUri(region) : t.redisSocketUri(region));
        p.put("revocation.redis-user", NatsRole.REVOCATION_BUS.user(region));
        p.put("revocation.redis-password", t.credentials().redisPassword(NatsRole.REVOCATION_BUS.user(region)));
        p.put("revocation.ingest-tokens", List.of(TOKEN));
        p.put("revocation.consumer-name", "revocation-bus");
        return ApplicationContext.run(EmbeddedServer.class, p);
    }

    /**
     * Where the time went, from each service's own meters (cumulative since it started, so the
     * warm-up is in them): group-commit wait and origin ack per region, and origin -> applied
     * per pair of regions (approximate percentiles, from the histogram buckets).
     */
    static void stages(List<String> regions, Map<String, EmbeddedServer> servers) {
        for (String r : regions) {
            io.micrometer.core.instrument.MeterRegistry reg = servers.get(r).getApplicationContext()
                    .getBean(io.micrometer.core.instrument.MeterRegistry.class);
            io.micrometer.core.instrument.Timer q = reg.find("olympus.revocation.origin.queued").timer();
            io.micrometer.core.instrument.Timer a = reg.find("olympus.revocation.origin.ack").timer();
            io.micrometer.core.instrument.DistributionSummary n = reg.find("olympus.revocation.origin.message.events").summary();
            if (q == null || a == null || n == null) {
                continue;
            }
            System.out.printf("  %-9s since start: origin messages %,d (%.1f events each): queued p50 %.2f p99 %.2f max %.2f ms; ack p50 %.2f p99 %.2f max %.2f ms%n",
                    r, a.count(), n.mean(), bucketPercentile(q, 0.5), bucketPercentile(q, 0.99), q.max(java.util.concurrent.TimeUnit.MILLISECONDS),
                    bucketPercentile(a, 0.5), bucketPercentile(a, 0.99), a.max(java.util.concurrent.TimeUnit.MILLISECONDS));
            io.micrometer.core.instrument.Timer in = reg.find("olympus.revocation.ingest.served").timer();
            if (in != null) {
                System.out.printf("  %-9s ingest requests served (delivered -> replied) p50 %.2f p99 %.2f max %.2f ms (n=%,d)%n", r,
                        bucketPercentile(in, 0.5), bucketPercentile(in, 0.99), in.max(java.util.concurrent.TimeUnit.MILLISECONDS), in.count());
            }
            for (io.micrometer.core.instrument.Timer p : reg.find("olympus.revocation.propagation").timers()) {
                System.out.printf("  %-9s applied from %-9s p50 %.1f p99 %.1f max %.1f ms (n=%,d, since start: warm-up included)%n", r, p.getId().getTag("origin"),
                        bucketPercentile(p, 0.5), bucketPercentile(p, 0.99), p.max(java.util.concurrent.TimeUnit.MILLISECONDS), p.count());
            }
        }
    }

    /** Upper bound (ms) of the histogram bucket holding the q-th quantile. */
    static double bucketPercentile(io.micrometer.core.instrument.Timer t, double q) {
        io.micrometer.core.instrument.distribution.HistogramSnapshot s = t.takeSnapshot();
        double want = q * s.count();
        for (io.micrometer.core.instrument.distribution.CountAtBucket b : s.histogramCounts()) {
            if (b.count() >= want) {
                return b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        return t.max(java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    static void row(String name, Histogram h) {
        System.out.printf("%-26s n=%,7d  p50 %7.2f ms  p99 %7.2f ms  max %8.2f ms%n", name, h.getTotalCount(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    /** Tracks, per event id, when it was sent and how many regions have yet to see it. */
    static final class Tracker {
        final Map<String, long[]> pending = new ConcurrentHashMap<>();
        final ConcurrentHistogram h = new ConcurrentHistogram(3);
        /** Until the first region has it (in practice the origin: no leaf-node hop). */
        final ConcurrentHistogram first = new ConcurrentHistogram(3);
        final int fanout;
        final boolean measure;
        /** Per second of sending, the slowest event's propagation (ns): shows whether the tail is steady or a few stalls. */
        final java.util.concurrent.atomic.AtomicLongArray slowestBySecond = new java.util.concurrent.atomic.AtomicLongArray(3600);
        volatile long startedAt = Long.MIN_VALUE;

        Tracker(int fanout, boolean measure) {
            this.fanout = fanout;
            this.measure = measure;
        }

        /** "12 15 530 ..." : the slowest propagation, in ms, of the events sent in each second. */
        String slowestBySecond(int seconds) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(seconds, slowestBySecond.length()); i++) {
                sb.append(i == 0 ? "" : " ").append(Math.round(ms(slowestBySecond.get(i))));
            }
            return sb.toString();
        }

        void sent(String id, long nanos) {
            if (startedAt == Long.MIN_VALUE) {
                startedAt = nanos;
            }
            pending.put(id, new long[] {nanos, fanout});
        }

        void arrived(String id) {
            long now = System.nanoTime();
            long[] p = pending.get(id);
            if (p == null) {
                return;
            }
            boolean last;
            boolean isFirst;
            synchronized (p) {
                isFirst = p[1] == fanout;
                last = --p[1] == 0;
            }
            if (isFirst && measure) {
                first.recordValue(Math.max(0, now - p[0]));
            }
            if (last) {
                pending.remove(id);
                if (measure) {
                    long took = Math.max(0, now - p[0]);
                    h.recordValue(took);
                    int sec = (int) Math.min(slowestBySecond.length() - 1, Math.max(0, (p[0] - startedAt) / 1_000_000_000L));
                    slowestBySecond.accumulateAndGet(sec, took, Math::max);
                }
            }
        }

        void await(Duration d) throws InterruptedException {
            long until = System.nanoTime() + d.toNanos();
            while (!pending.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            if (!pending.isEmpty()) {
                System.out.printf("  (%d events not seen in every region within %s)%n", pending.size(), d);
            }
        }
    }

    /** The machine's CPU busy share in the propagation phase's measured window (RESULT's cpu_pct_machine_propagation). */
    static double busyPropagation;

    /**
     * The measured window of a mode: RATE * SECONDS events, and how busy the whole machine was
     * meanwhile (every process: the NATS servers, Redis and the services alike), printed and
     * returned in percent. Why: on two cores this benchmark's own topology can use all of the
     * machine (12-07, KVM: 0-2 % idle at 2,000 events/s, vmstat), and then every latency here is
     * time spent queued for a core, the baselines' included; a figure read without this one
     * cannot say whether the service or the host set it.
     */
    static double measured(Tracker tracker, String prefix, BiConsumer<Integer, String> send) {
        long[] before = MachineCpu.ticks();
        paced(RATE * SECONDS, tracker, prefix, send);
        long[] after = MachineCpu.ticks();
        double busy = MachineCpu.busyPercent(before, after);
        System.out.printf(java.util.Locale.ROOT, "  machine CPU while sending (/proc/stat, %d cores): %.1f %% busy (user %.1f, system %.1f)%n",
                Runtime.getRuntime().availableProcessors(), busy, MachineCpu.share(before, after, 0), MachineCpu.share(before, after, 2));
        return busy;
    }

    /** The aggregate "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal. */
    static final class MachineCpu {
        static long[] ticks() {
            try {
                String line = java.nio.file.Files.readAllLines(Path.of("/proc/stat")).get(0);
                String[] f = line.trim().split("\\s+");
                long[] t = new long[8];
                for (int i = 0; i < 8; i++) {
                    t[i] = Long.parseLong(f[i + 1]);
                }
                return t;
            } catch (Exception e) {
                return new long[8]; // not Linux: 0 % busy is printed, nothing else depends on it
            }
        }

        static double share(long[] a, long[] b, int field) {
            long total = 0;
            for (int i = 0; i < 8; i++) {
                total += b[i] - a[i];
            }
            return total == 0 ? 0 : 100.0 * (b[field] - a[field]) / total;
        }

        /** Everything but idle and iowait. */
        static double busyPercent(long[] a, long[] b) {
            return 100 - share(a, b, 3) - share(a, b, 4);
        }
    }

    /** Sends {@code n} events at RATE/s, calling send(i, id) at each slot. Warm-up is the first second. */
    static void paced(int n, Tracker tracker, String prefix, BiConsumer<Integer, String> send) {
        paced(RATE, n, tracker, prefix, send);
    }

    static void paced(int rate, int n, Tracker tracker, String prefix, BiConsumer<Integer, String> send) {
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long at = start + i * interval;
            long wait;
            // One park per event: capped at 200 us, the generator woke 2-3 times per event and
            // spent 5% of this JVM's CPU samples parking (async-profiler), CPU the services under
            // test then lacked. Linux wakes a parked thread within ~50-100 us of its deadline, well
            // inside the 500 us between events at 2,000/s; each event is timed from its send.
            while ((wait = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            String id = prefix + i;
            tracker.sent(id, System.nanoTime());
            send.accept(i, id);
        }
    }

    /**
     * Load until the JIT has settled: at least {@link #WARMUP} s, then 5 s steps until the JIT
     * compiled for less than {@link #JIT_QUIET_MS} ms in a step (at most {@link #WARMUP_MAX} s).
     * A deployed service runs for days with its hot paths compiled; after a fixed 30 s the
     * compiler threads still took a fifth of this JVM's CPU (async-profiler), on a machine the
     * load already saturates, and 60 s instead of 30 s took propagation p99 from 312-553 ms to
     * 126 ms on one machine. Settling is measured, not guessed, because machines differ.
     */
    static void warmUp(Tracker warm, String prefix, BiConsumer<Integer, String> send) {
        warmUp(warm, prefix, send, WARMUP, WARMUP_MAX);
    }

    /** As above, with at least {@code minSeconds} at the full rate after the ramp, and at most {@code maxSeconds} in all. */
    static void warmUp(Tracker warm, String prefix, BiConsumer<Integer, String> send, int minSeconds, int maxSeconds) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long t0 = System.nanoTime();
        // Ramp up over the first 10 s: at the full rate at once, the cold services (interpreted
        // code, the JIT compiling on the same two cores) fell behind within 5 s, Redis calls timed
        // out, naks and timed-out ingests added work, and on 12-07 the JIT was still compiling
        // 5 s of every 5 s when the warm-up gave up at 150 s. A deployed bus warms up under a
        // load that grows; the measured phase below runs at the full rate as before.
        for (int step = 1; step <= 10; step++) {
            paced(RATE * step / 10, RATE * step / 10, warm, prefix + "r" + step + "-", send);
        }
        paced(RATE * minSeconds, warm, prefix + "a", send);
        long before = jit.getTotalCompilationTime();
        int step = 0;
        while ((System.nanoTime() - t0) / 1_000_000_000L < maxSeconds) {
            paced(RATE * 5, warm, prefix + step++ + "-", send);
            long now = jit.getTotalCompilationTime();
            long compiled = now - before;
            before = now;
            System.out.printf("  warm-up %3d s: JIT compiled for %,d ms in the last 5 s%n", (System.nanoTime() - t0) / 1_000_000_000L, compiled);
            if (compiled < JIT_QUIET_MS) {
                return;
            }
        }
        System.out.printf("  warm-up stopped at %d s with the JIT still busy: the figures below include compilation%n", maxSeconds);
    }

    static Histogram propagation(LocalTopology t, String run) throws Exception {
        List<String> regions = t.regions();
        List<AppliedSubscriber> subs = new ArrayList<>();
        Tracker warm = new Tracker(regions.size(), false);
        Tracker tracker = new Tracker(regions.size(), true);
        Tracker[] current = {warm};
        for (String r : regions) {
            subs.add(AppliedSubscriber.start(t.redisClient(r), new AppliedSubscriber.Listener() {
                @Override
                public void applied(String kind, String eventId) {
                    current[0].arrived(eventId);
                }

                @Override
                public void gap() {
                }
            }));
        }
        List<Connection> conns = new ArrayList<>();
        for (String r : regions) {
            conns.add(t.connect(r, NatsRole.REVOCATION_CLIENT));
        }
        AtomicInteger failed = new AtomicInteger();
        ConcurrentHistogram stored = new ConcurrentHistogram(3);
        BiConsumer<Integer, String> send = (i, id) -> {
            long t0 = System.nanoTime();
            int k = i % regions.size();
            byte[] body = ("{\"kind\":\"token\",\"eventId\":\"" + id + "\",\"jti\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
            conns.get(k).requestWithTimeout(IngestListener.subject(regions.get(k)), body, Duration.ofSeconds(5))
                    .whenComplete((m, e) -> {
                        if (e != null || !"200".equals(m.getHeaders() == null ? null : m.getHeaders().getFirst("Status"))) {
                            failed.incrementAndGet();
                        } else if (current[0] == tracker) {
                            stored.recordValue(System.nanoTime() - t0);
                        }
                    });
        };
        warmUp(warm, "bw-" + run + "-", send);
        warm.await(Duration.ofSeconds(10));
        current[0] = tracker;
        busyPropagation = measured(tracker, "b-" + run + "-", send);
        tracker.await(Duration.ofSeconds(30));
        if (failed.get() > 0) {
            System.out.printf("  (%d ingest requests failed or timed out)%n", failed.get());
        }
        row("  of which: ingest reply", stored);
        row("  of which: first region", tracker.first);
        System.out.println("  slowest propagation of the events sent in each second, ms: " + tracker.slowestBySecond(SECONDS));
        for (AppliedSubscriber s : subs) {
            s.close();
            s.client().shutdown();
        }
        for (Connection c : conns) {
            c.close();
        }
        return tracker.h;
    }

    static Histogram redisPubSub(LocalTopology t, String run) throws Exception {
        String channel = "bench:revocation:fanout";
        List<RedisClient> clients = new ArrayList<>();
        List<StatefulRedisConnection<String, String>> pubs = new ArrayList<>();
        Tracker warm = new Tracker(t.regions().size(), false);
        Tracker tracker = new Tracker(t.regions().size(), true);
        Tracker[] current = {warm};
        for (String r : t.regions()) {
            RedisClient c = t.redisClient(r);
            clients.add(c);
            StatefulRedisPubSubConnection<String, String> sub = c.connectPubSub();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    current[0].arrived(message);
                }
            });
            sub.sync().subscribe(channel);
            pubs.add(c.connect());
        }
        BiConsumer<Integer, String> send = (i, id) -> pubs.forEach(p -> p.async().publish(channel, id));
        warmUp(warm, "rw-" + run + "-", send, BASELINE_WARMUP, BASELINE_WARMUP_MAX);
        warm.await(Duration.ofSeconds(5));
        current[0] = tracker;
        measured(tracker, "r-" + run + "-", send);
        tracker.await(Duration.ofSeconds(10));
        clients.forEach(RedisClient::shutdown);
        return tracker.h;
    }

    static Histogram coreNats(LocalTopology t, String run) throws Exception {
        return fanOut(t, run, "bench.revocation.fanout", "n", region -> (id, arrived) -> arrived.run());
    }

    /**
     * The same-work baseline: what propagation costs without the service. Each event goes
     * out once as a core NATS message that every region receives, and each region writes it to
     * its own Redis (one SET); an event counts as arrived in a region when that write is
     * acknowledged. No durability, no batching, no idempotence: the floor the service is compared to.
     */
    static Histogram sameWork(LocalTopology t, String run) throws Exception {
        List<RedisClient> clients = new ArrayList<>();
        Map<String, ConcurrentHistogram> rtts = new java.util.TreeMap<>();
        try {
            return fanOut(t, run, "bench.revocation.samework", "s", region -> {
                RedisClient rc = t.redisClient(region);
                clients.add(rc);
                StatefulRedisConnection<String, String> redis = rc.connect();
                ConcurrentHistogram setRtt = new ConcurrentHistogram(3);
                rtts.put(region, setRtt);
                return (id, arrived) -> {
                    long t0 = System.nanoTime();
                    redis.async().set("bench:samework:" + id, "1", io.lettuce.core.SetArgs.Builder.ex(60))
                            .thenRun(() -> {
                                setRtt.recordValue(System.nanoTime() - t0);
                                arrived.run();
                            });
                };
            });
        } finally {
            // Where the same-work time goes: the SET's own round trip, per region (warm-up included).
            rtts.forEach((r, h) -> row("  same work: SET round trip in " + r, h));
            clients.forEach(RedisClient::shutdown);
        }
    }

    /** What a region does with a fanned-out event id before it counts as arrived (runs {@code arrived} when done). */
    interface OnArrival {
        void handle(String id, Runnable arrived);
    }

    /** Core NATS fan-out of event ids to every region, each region handling each id as {@code perRegion} says. */
    static Histogram fanOut(LocalTopology t, String run, String subject, String prefix,
                            java.util.function.Function<String, OnArrival> perRegion) throws Exception {
        Tracker warm = new Tracker(t.regions().size(), false);
        Tracker tracker = new Tracker(t.regions().size(), true);
        Tracker[] current = {warm};
        List<Connection> conns = new ArrayList<>();
        for (String r : t.regions()) {
            Connection c = t.connect(r, NatsRole.ADMIN);
            conns.add(c);
            OnArrival on = perRegion.apply(r);
            Dispatcher d = c.createDispatcher(m -> {
                String id = new String(m.getData(), StandardCharsets.UTF_8);
                Tracker now = current[0];
                on.handle(id, () -> now.arrived(id));
            });
            d.subscribe(subject);
            c.flush(Duration.ofSeconds(2));
        }
        Thread.sleep(1000); // interest propagates over the leaf nodes
        BiConsumer<Integer, String> send = (i, id) -> conns.get(i % conns.size())
                .publish(subject, id.getBytes(StandardCharsets.UTF_8));
        warmUp(warm, prefix + "w-" + run + "-", send, BASELINE_WARMUP, BASELINE_WARMUP_MAX);
        warm.await(Duration.ofSeconds(5));
        current[0] = tracker;
        measured(tracker, prefix + "-" + run + "-", send);
        tracker.await(Duration.ofSeconds(10));
        for (Connection c : conns) {
            c.close();
        }
        return tracker.h;
    }

    /** Stop the region's service, build a backlog in its view stream, restart it and time the drain. */
    static double applyRate(LocalTopology t, String region, Map<String, EmbeddedServer> servers, String run) throws Exception {
        servers.get(region).getApplicationContext().close();
        RedisClient rc = t.redisClient(region);
        try (StatefulRedisConnection<String, String> redis = rc.connect();
             Connection bus = t.connect(region, NatsRole.REVOCATION_BUS)) {
            JetStream js = bus.jetStream();
            EventCodec codec = new EventCodec();
            String subject = Naming.subject(Naming.Family.REVOCATION, region, "token");
            Instant now = Instant.now();
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                String id = "a-" + run + "-" + region + "-" + i;
                TokenRevoked e = new TokenRevoked(id, 1, region, now, id, null, now, now.plusSeconds(3600), null);
                acks.add(js.publishAsync(subject, null, codec.encode(e), PublishOptions.builder().messageId(id).build()));
                if (acks.size() >= 2000) {
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
                    acks.clear();
                }
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            long base = count(redis);
            servers.put(region, startService(t, region));
            long target = base + BACKLOG;
            long first = 0;
            long firstCount = 0;
            long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            long c;
            while ((c = count(redis)) < target && System.nanoTime() < until) {
                if (first == 0 && c > base) {
                    first = System.nanoTime();
                    firstCount = c;
                }
                Thread.sleep(5);
            }
            long end = System.nanoTime();
            if (first == 0) {
                return 0;
            }
            return (c - firstCount) / ((end - first) / 1e9);
        } finally {
            rc.shutdown();
        }
    }

    static long count(StatefulRedisConnection<String, String> redis) {
        String v = redis.sync().get(Keys.APPLIED_COUNT);
        return v == null ? 0 : Long.parseLong(v);
    }

    /** Runs wrk; returns {requests/s, p99 ms}. */
    static double[] wrk(LocalTopology t, String region) throws Exception {
        int port = t.ports().revocationBusHttp(t.regions().indexOf(region));
        String url = "http://127.0.0.1:" + port + "/v1/revocations/check?jti=a-bench-1&sessionId=s-bench&subject=u-bench&iat="
                + Instant.now().getEpochSecond();
        // Warm-up (JIT: measured standalone, the check path reached full speed only after ~15 s
        // of load, 6k/s in the first seconds, 15k/s later), then the measured run.
        olympus.bench.Wrk.run(url, 2, CHECK_CONNECTIONS, CHECK_WARMUP, null);
        olympus.bench.Wrk.Result w = olympus.bench.Wrk.run(url, 2, CHECK_CONNECTIONS, 10, null);
        System.out.print(w.output().lines().filter(l -> l.contains("Latency") || l.contains("99%") || l.contains("Requests/sec")
                || l.contains("Non-2xx")).map(l -> "  wrk: " + l.strip() + "\n").reduce("", String::concat));
        fixedRateChecks(port, url.substring(url.indexOf("/v1/")));
        return new double[] {w.perSecond(), w.p99Ms()};
    }

    /**
     * The check target read as "serves 15,000 checks/s with p99 <= 5 ms": checks sent at that
     * fixed rate (open loop, see olympus.bench.RatedLoad), beside a C server answering a constant
     * at the same rate (this machine's floor). wrk above measures saturation instead.
     */
    static void fixedRateChecks(int port, String path) throws Exception {
        int rate = Integer.getInteger("checkFixedRate", 15000);
        if (rate <= 0) {
            return;
        }
        try (olympus.bench.RatedLoad.ConstServer c = olympus.bench.RatedLoad.startConstServer()) {
            olympus.bench.RatedLoad.Result floor = olympus.bench.RatedLoad.run(c.port(), rate, CHECK_CONNECTIONS, 2, 10, "/", 0);
            olympus.bench.RatedLoad.Result check = olympus.bench.RatedLoad.run(port, rate, CHECK_CONNECTIONS, 2, 10, path, 0);
            if (check.non2xx() > 0 || check.errors() > 0) {
                throw new IllegalStateException("fixed-rate checks had errors: " + check);
            }
            System.out.printf("checks at a fixed %,d/s (ratedload, open loop, %d connections, 10 s after 2 s):%n", rate, CHECK_CONNECTIONS);
            System.out.printf("  C constant server: %s%n  check endpoint:    %s%n", floor.line(), check.line());
        }
    }


}

package olympus.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * bench/run nats: cross-region latency on the local topology, publisher in the first region,
 * receiver in the second, both in this JVM so one clock times both ends.
 * <ul>
 *   <li>core: plain NATS publish, delivered over leaf node and control-cluster routes;</li>
 *   <li>js: JetStream publish into the origin stream, delivered from the other region's view
 *       stream (the revocation-bus path), at a paced rate; then the same path flat out for
 *       throughput.</li>
 * </ul>
 */
public final class NatsBench {
    /**
     * Unmeasured messages before each latency run. 500 (a quarter second) left the TLS code of
     * both the client (JSSE) and the JIT-compiled paths cold: the side-by-side with and without
     * TLS (bench/compare-tls nats) then compared interpreters. 10 s at the paced rate by default.
     */
    static final int WARMUP = Integer.getInteger("warmupMessages", 20_000);
    /** Unmeasured messages published flat out before the throughput burst, for the same reason. */
    static final int BURST_WARMUP = Integer.getInteger("burstWarmupMessages", 20_000);

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int burst = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        LocalTopology t = LocalTopology.load(Path.of(env("OLYMPUS_TOPOLOGY_DIR", "/tmp/olympus-local")), System.err::println);
        String from = t.regions().get(0);
        String to = t.regions().get(1);
        System.out.printf("nats: %s -> %s, %d messages at %d/s after %d warm-up, burst of %d after %d warm-up%n", from, to, n, rate, WARMUP,
                burst, BURST_WARMUP);
        try (Connection pub = t.connect(from, NatsRole.ADMIN); Connection sub = t.connect(to, NatsRole.ADMIN)) {
            Histogram core = core(pub, sub, from, n, rate);
            report("core", core);
            Histogram js = jetStream(pub, sub, from, n, rate);
            report("js", js);
            throughput(pub, sub, from, BURST_WARMUP);
            double perS = throughput(pub, sub, from, burst);
            System.out.printf("js throughput: %d messages origin(%s) -> view(%s) at %.0f msgs/s%n", burst, from, to, perS);
            System.out.printf("RESULT nats core_p50_ms=%.3f core_p99_ms=%.3f js_p50_ms=%.3f js_p99_ms=%.3f js_max_ms=%.3f js_msgs_per_s=%.0f%n",
                    ms(core.getValueAtPercentile(50)), ms(core.getValueAtPercentile(99)),
                    ms(js.getValueAtPercentile(50)), ms(js.getValueAtPercentile(99)), ms(js.getMaxValue()), perS);
        }
    }

    private static Histogram core(Connection pub, Connection sub, String from, int n, int rate) throws Exception {
        String subject = Naming.subject(Family.BENCH, from, "core-" + shortId());
        Histogram h = new Histogram(3);
        CountDownLatch done = new CountDownLatch(WARMUP + n);
        AtomicInteger seen = new AtomicInteger();
        Dispatcher d = sub.createDispatcher(m -> {
            long sent = ByteBuffer.wrap(m.getData()).getLong();
            if (seen.incrementAndGet() > WARMUP) {
                h.recordValue(System.nanoTime() - sent);
            }
            done.countDown();
        });
        d.subscribe(subject);
        sub.flush(Duration.ofSeconds(2));
        awaitInterest(pub);
        paced(WARMUP + n, rate, i -> pub.publish(subject, stamp()));
        if (!done.await(30, TimeUnit.SECONDS)) {
            System.out.println("core: only " + seen.get() + " of " + (WARMUP + n) + " arrived");
        }
        sub.closeDispatcher(d);
        return h;
    }

    /** Interest crosses the leaf node and routes asynchronously: give it time before timing anything. */
    private static void awaitInterest(Connection pub) throws Exception {
        Thread.sleep(500);
        pub.flush(Duration.ofSeconds(2));
    }

    private static Histogram jetStream(Connection pub, Connection sub, String from, int n, int rate) throws Exception {
        String subject = Naming.subject(Family.BENCH, from, "js-" + shortId());
        Histogram h = new Histogram(3);
        CountDownLatch done = new CountDownLatch(WARMUP + n);
        AtomicInteger seen = new AtomicInteger();
        Dispatcher s = viewSubscription(sub, subject, m -> {
            long sent = ByteBuffer.wrap(m.getData()).getLong();
            if (seen.incrementAndGet() > WARMUP) {
                h.recordValue(System.nanoTime() - sent);
            }
            done.countDown();
        });
        JetStream js = pub.jetStream();
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        paced(WARMUP + n, rate, i -> acks.add(js.publishAsync(subject, stamp())));
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        if (!done.await(60, TimeUnit.SECONDS)) {
            System.out.println("js: only " + seen.get() + " of " + (WARMUP + n) + " arrived");
        }
        sub.closeDispatcher(s);
        return h;
    }

    private static double throughput(Connection pub, Connection sub, String from, int burst) throws Exception {
        String subject = Naming.subject(Family.BENCH, from, "burst-" + shortId());
        CountDownLatch done = new CountDownLatch(burst);
        Dispatcher s = viewSubscription(sub, subject, m -> done.countDown());
        JetStream js = pub.jetStream();
        long t0 = System.nanoTime();
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            window.add(js.publishAsync(subject, stamp()));
            if (window.size() == 1_000) {
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        boolean all = done.await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        sub.closeDispatcher(s);
        if (!all) {
            System.out.println("burst: " + done.getCount() + " never arrived");
        }
        return (burst - done.getCount()) / seconds;
    }

    /** A push subscription on the receiving region's view, new messages of one subject only. */
    private static Dispatcher viewSubscription(Connection sub, String subject, io.nats.client.MessageHandler handler)
            throws Exception {
        Dispatcher d = sub.createDispatcher();
        ConsumerConfiguration cc = ConsumerConfiguration.builder().filterSubject(subject)
                .deliverPolicy(DeliverPolicy.New).ackPolicy(io.nats.client.api.AckPolicy.None)
                .flowControl(Duration.ofSeconds(1)).build();
        PushSubscribeOptions o = PushSubscribeOptions.builder().stream(Naming.viewStream(Family.BENCH)).configuration(cc).build();
        sub.jetStream().subscribe(subject, d, handler, false, o);
        return d;
    }

    interface Step {
        void run(int i) throws Exception;
    }

    private static void paced(int count, int perSecond, Step step) throws Exception {
        long interval = 1_000_000_000L / perSecond;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 200_000) {
                    Thread.sleep(0, 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            step.run(i);
        }
    }

    private static byte[] stamp() {
        return ByteBuffer.allocate(64).putLong(System.nanoTime()).array();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static void report(String name, Histogram h) {
        System.out.printf("%-5s n=%d p50=%.3f ms p90=%.3f ms p99=%.3f ms max=%.3f ms%n", name, h.getTotalCount(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String env(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? d : v;
    }
}

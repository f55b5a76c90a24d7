package olympus.failover.app;

import io.micrometer.core.instrument.MeterRegistry;
import olympus.failover.core.Lease;
import olympus.failover.core.LeaseDecision;
import olympus.failover.core.StaleTopologyException;
import olympus.failover.nats.ControlKv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds or follows the leader lease. One thread runs the loop: read the lease, {@link LeaseDecision#decide},
 * write with compare-and-set. {@link #mayAct()} turns false before the lease could expire in any
 * follower's eyes, whether or not this process noticed it lost the lease.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final ControlKv kv;
    private final String me;
    private final String region;
    private final long ttlMs;
    private final long safetyMs;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease");
        t.setDaemon(true);
        return t;
    });

    private volatile long lastRenewStartNanos = Long.MIN_VALUE;
    private volatile long term;
    private volatile String leader;
    private long seenRevision = -1;
    private long seenSinceNanos;

    public Leadership(ControlKv kv, String me, String region, long ttlMs, long safetyMs, Clock clock, MeterRegistry metrics) {
        this.kv = kv;
        this.me = me;
        this.region = region;
        this.ttlMs = ttlMs;
        this.safetyMs = safetyMs;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void start() {
        loop.scheduleWithFixedDelay(this::round, 0, renewEveryMs(), TimeUnit.MILLISECONDS);
    }

    /** How often the lease is renewed (the loop's delay between rounds). */
    public long renewEveryMs() {
        return Math.max(100, ttlMs / 4);
    }

    /** A fresh lease: how long {@link #mayAct()} stays true after a renewal began. */
    public long windowMs() {
        return ttlMs - safetyMs;
    }

    /** How much longer this process may act without another renewal (0: not leader). */
    public long remainingMs() {
        return LeaseDecision.remainingMs(System.nanoTime(), lastRenewStartNanos, ttlMs, safetyMs);
    }

    public String id() {
        return me;
    }

    /** True while this process holds a lease no follower can yet consider expired. */
    public boolean mayAct() {
        return LeaseDecision.mayAct(System.nanoTime(), lastRenewStartNanos, ttlMs, safetyMs);
    }

    public long term() {
        return term;
    }

    /** Current leader as last seen ("holder (region)"), null when unknown. */
    public String leader() {
        return mayAct() ? me : leader;
    }

    /** Gives the lease up (tests, shutdown): stops renewing and acting at once. */
    public void resign() {
        lastRenewStartNanos = Long.MIN_VALUE;
        leader = null; // not itself any more; who is next is unknown until the lease is taken
        loop.shutdownNow();
    }

    void round() {
        long start = System.nanoTime();
        try {
            ControlKv.Versioned<Lease> v = kv.leaseFromLeader();
            Lease current = v == null ? null : v.value();
            long rev = v == null ? 0 : v.revision();
            if (rev != seenRevision) {
                seenRevision = rev;
                seenSinceNanos = start;
            }
            long unchangedMs = (start - seenSinceNanos) / 1_000_000;
            LeaseDecision d = LeaseDecision.decide(current, me, unchangedMs, ttlMs);
            Lease next = new Lease(me, region, d.term(), ttlMs, clock.instant().toString());
            switch (d.action()) {
                case ACQUIRE -> {
                    if (v != null && current == null) {
                        kv.updateLease(next, rev);
                    } else {
                        kv.createLease(next);
                    }
                    won(start, d);
                }
                case RENEW -> {
                    kv.updateLease(next, rev);
                    lastRenewStartNanos = start;
                    term = d.term();
                }
                case TAKE_OVER -> {
                    kv.updateLease(next, rev);
                    won(start, d);
                }
                case FOLLOW -> {
                    leader = current.holder() + " (" + current.region() + ")";
                    if (lastRenewStartNanos != Long.MIN_VALUE) {
                        LOG.warn("lost the lease: {}", d.reason());
                        metrics.counter("olympus_failover_lease_decisions", "action", "lost").increment();
                    }
                    lastRenewStartNanos = Long.MIN_VALUE;
                }
            }
            metrics.counter("olympus_failover_lease_decisions", "action", d.action().name().toLowerCase()).increment();
        } catch (StaleTopologyException e) {
            // The compare-and-set was refused: someone else wrote first (we see them next round
            // and FOLLOW), or a stream leader elected a moment ago refused a correct CAS (after a
            // heal, nats-server#4162/#4710; it cost PartitionIT a rejoin "lost the leadership
            // mid-command" with the lease still ours). Either way this is a renewal that did not
            // happen, like an unreachable control plane: keep acting only until mayAct() runs
            // out. That is safe: nobody may take over before the lease has been unchanged for a
            // whole TTL in their eyes, and mayAct() ends a safety margin earlier.
            metrics.counter("olympus_failover_lease_decisions", "action", "lost_race").increment();
            if (mayAct()) {
                LOG.warn("lease renewal refused ({}); acting for at most {} ms more unless a renewal succeeds", e.getMessage(),
                        LeaseDecision.remainingMs(System.nanoTime(), lastRenewStartNanos, ttlMs, safetyMs));
            }
        } catch (Exception e) {
            // Control plane unreachable: keep acting only until mayAct() runs out.
            metrics.counter("olympus_failover_lease_decisions", "action", "error").increment();
            LOG.debug("lease round failed: {}", e.toString());
        }
    }

    private void won(long start, LeaseDecision d) {
        lastRenewStartNanos = start;
        term = d.term();
        leader = me + " (" + region + ")";
        LOG.info("leader now: {} ({})", me, d.reason());
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }
}

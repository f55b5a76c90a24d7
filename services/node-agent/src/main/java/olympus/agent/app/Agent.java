package olympus.agent.app;

import io.micrometer.core.instrument.MeterRegistry;
import olympus.agent.core.Bootstrap;
import olympus.agent.core.FencingGate;
import olympus.agent.core.HostRole;
import olympus.agent.core.SelfFence;
import olympus.agent.host.PostgresHost;
import olympus.agent.host.TokenStore;
import olympus.agent.nats.ControlWatch;
import olympus.wire.AgentCall;
import olympus.wire.AgentReply;
import olympus.wire.FencingToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one host: the coordinator's requests, admitted by their fencing token and done one at a
 * time, and the self-fence loop, which needs no coordinator at all.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /** The self-fence settings (F, I, A) and whether it is on. */
    public record Timing(boolean selfFence, Duration fenceAfter, Duration heartbeatEvery, Duration fenceAction) {}

    /** What to do with an empty data directory ({@link Bootstrap}): clone it from the primary, and how long that may take. */
    public record Bootstrapping(boolean cloneEmpty, Duration timeout) {}

    private final String id;
    private final PostgresHost host;
    private final TokenStore tokens;
    private final ControlWatch watch;
    private final Timing timing;
    private final Bootstrapping bootstrapping;
    private final MeterRegistry metrics;
    private final Object actionLock = new Object();
    private final ScheduledExecutorService loop = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "self-fence");
        t.setDaemon(true);
        return t;
    });

    private volatile FencingToken highest;
    /** Start of the last heartbeat the quorum committed (monotonic); the agent's start before the first. */
    private volatile long lastQuorumNanos = System.nanoTime();
    private volatile boolean selfFenced;
    private volatile SelfFence.Decision lastDecision = new SelfFence.Decision(SelfFence.Action.NONE, "starting");
    private volatile HostRole lastRole = HostRole.DOWN;
    /** When the fence check first saw the local server writable (this time); a topology read before it may predate the promotion. */
    private long writableSinceNanos = Long.MIN_VALUE;
    private final AtomicLong quorumAgeMs = new AtomicLong();


    public Agent(String id, PostgresHost host, TokenStore tokens, ControlWatch watch, Timing timing, Bootstrapping bootstrapping,
                 MeterRegistry metrics) {
        this.id = id;
        this.host = host;
        this.tokens = tokens;
        this.watch = watch;
        this.timing = timing;
        this.bootstrapping = bootstrapping;
        this.metrics = metrics;
        this.highest = tokens.load();
        this.selfFenced = tokens.selfFenced();
        metrics.gauge("olympus.agent.quorum.age.ms", quorumAgeMs);
    }

    public void start() {
        long every = timing.heartbeatEvery().toMillis();
        loop.scheduleWithFixedDelay(this::heartbeatRound, 0, every, TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(this::checkRound, every, every, TimeUnit.MILLISECONDS);
        if (!host.initialized()) {
            cloning = true; // before the listener starts: no request may act on a host that has no cluster yet
            bootstrapLoop.scheduleWithFixedDelay(this::bootstrapRound, every, BOOTSTRAP_RETRY_MS, TimeUnit.MILLISECONDS);
        }
        LOG.info("node agent {} for {} started: self-fence {} (fence after {} ms, check every {} ms, fence within {} ms); highest token {}",
                id, host.region(), timing.selfFence() ? "on" : "OFF", timing.fenceAfter().toMillis(), timing.heartbeatEvery().toMillis(),
                timing.fenceAction().toMillis(), highest);
    }

    // ---------------------------------------------------------------- requests

    /** A request from a coordinator; never throws: every failure is a reply. */
    public AgentReply handle(AgentCall c) {
        AgentCall.Op op = c.operation();
        AgentReply r;
        try {
            r = op.mutating() ? mutate(c, op) : read(op);
        } catch (RuntimeException e) {
            LOG.warn("{} from {} failed: {}", op, c.token(), e.getMessage());
            r = AgentReply.failed(op + " on " + host.region() + " failed: " + e.getMessage());
        }
        metrics.counter("olympus.agent.requests", "op", op.name().toLowerCase(), "outcome", r.outcome().toLowerCase()).increment();
        return r;
    }

    private AgentReply read(AgentCall.Op op) {
        if (op == AgentCall.Op.CURRENT_WAL_LSN) {
            return AgentReply.ok("current WAL position", host.currentWalLsn());
        }
        PostgresHost.State s = host.state();
        boolean up = s.role() != HostRole.DOWN;
        return new AgentReply(AgentReply.OK, null, up ? s.role().name() : s.error(), null, up, s.role() == HostRole.REPLICA,
                s.role() == HostRole.FENCED_PRIMARY, s.walLsn(), s.replayLsn(), selfFenced, highest, s.upstream(), s.upstreamAgeMs());
    }

    private AgentReply mutate(AgentCall c, AgentCall.Op op) {
        if (cloning) {
            return AgentReply.failed(op + " on " + host.region() + " not done: the host has no cluster yet (" + lastBootstrap.action()
                    + ": " + lastBootstrap.reason() + ")");
        }
        synchronized (actionLock) {
            FencingGate.Admission a = FencingGate.admit(highest, c.token());
            if (!a.admitted()) {
                LOG.warn("refused {}: {}", op, a.reason());
                return AgentReply.refused(AgentReply.STALE_TOKEN, a.reason(), highest);
            }
            if (!a.highest().equals(highest)) {
                tokens.save(a.highest()); // before acting: a restart must not forget a token it acted on
                highest = a.highest();
            }
            Duration timeout = Duration.ofMillis(c.timeoutMs() == null ? 30_000 : c.timeoutMs());
            String detail;
            Long lsn = null;
            switch (op) {
                case PAUSE_POOL -> detail = host.pausePool(timeout);
                case RESUME_POOL -> detail = host.resumePool();
                case REPOINT_POOL -> detail = host.repointPool(c.primary(), false);
                case REPOINT_AND_RESUME -> detail = host.repointPool(c.primary(), true);
                case FENCE -> detail = host.fence(timing.fenceAction());
                case SHUT_DOWN -> {
                    lsn = host.shutDown(timeout);
                    detail = "stopped cleanly";
                }
                case RESTART -> detail = host.restart();
                case PROMOTE -> {
                    detail = host.promote(timeout);
                    selfFenced(false);
                }
                case UNFENCE -> {
                    detail = host.unfence();
                    selfFenced(false);
                }
                case FOLLOW -> detail = host.follow(c.primary(), timeout);
                case REJOIN -> {
                    detail = host.rejoin(c.primary(), Boolean.TRUE.equals(c.cleanStop()), timeout);
                    selfFenced(false);
                }
                case APPLY -> {
                    lsn = host.apply(c.sql(), timeout);
                    detail = "applied in one transaction";
                }
                default -> throw new IllegalStateException("not a mutating op: " + op);
            }
            LOG.info("{} done for {}: {}", op, c.token(), detail);
            return AgentReply.ok(detail, lsn);
        }
    }

    // ---------------------------------------------------------------- bootstrap

    private static final long BOOTSTRAP_RETRY_MS = 2_000;
    private final ScheduledExecutorService bootstrapLoop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bootstrap");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean cloning;
    private volatile Bootstrap lastBootstrap = new Bootstrap(Bootstrap.Action.NONE, "not checked yet");

    /**
     * An empty data directory at start: decide from the topology the heartbeat thread read
     * (from the quorum, so a cut-off host never clones a stale primary), act, and ask again
     * every 2 s until there is a cluster. Its own thread: a base backup can take hours, and the
     * heartbeat must go on (the coordinators see the host as alive and empty, not as dead).
     */
    void bootstrapRound() {
        Sighting sight = latestSeen;
        ControlWatch.Seen seen = sight == null ? null : sight.seen();
        Bootstrap b = Bootstrap.decide(host.region(), host.initialized(), bootstrapping.cloneEmpty(), seen == null ? null : seen.primary(),
                seen != null && seen.operation());
        if (!b.reason().equals(lastBootstrap.reason())) {
            if (b.action() == Bootstrap.Action.REFUSE) {
                LOG.error("bootstrap {}: {}", b.action(), b.reason());
            } else {
                LOG.info("bootstrap {}: {}", b.action(), b.reason());
            }
        }
        lastBootstrap = b;
        switch (b.action()) {
            case NONE -> done();
            case CLONE -> {
                synchronized (actionLock) {
                    long t0 = System.nanoTime();
                    try {
                        String did = host.cloneAsReplica(seen.primary(), bootstrapping.timeout());
                        metrics.counter("olympus.agent.bootstrap", "outcome", "cloned").increment();
                        LOG.info("bootstrap done in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, did);
                        lastBootstrap = new Bootstrap(Bootstrap.Action.NONE, "cloned from " + seen.primary());
                        done();
                    } catch (RuntimeException e) {
                        metrics.counter("olympus.agent.bootstrap", "outcome", "failed").increment();
                        lastBootstrap = new Bootstrap(Bootstrap.Action.WAIT, "the clone from " + seen.primary() + " failed, retrying: "
                                + e.getMessage());
                        LOG.error("bootstrap: cloning {} from {} failed (retrying in {} ms): {}", host.region(), seen.primary(),
                                BOOTSTRAP_RETRY_MS, e.getMessage());
                    }
                }
            }
            case WAIT, REFUSE -> { }
        }
    }

    private void done() {
        cloning = false;
        bootstrapLoop.shutdown();
    }

    // ---------------------------------------------------------------- self-fence

    /**
     * Heartbeat thread: prove the quorum (a committed KV write), then read the topology and the
     * operation from the stream leader. Slow when the quorum is out of reach (request timeouts),
     * which is why the fence check runs on its own thread.
     */
    void heartbeatRound() {
        long start = System.nanoTime();
        try {
            watch.heartbeat(heartbeat());
            lastQuorumNanos = start;
        } catch (Exception e) {
            LOG.debug("heartbeat not committed: {}", e.toString());
            return;
        }
        ControlWatch.Seen seen = watch.read();
        if (seen != null) {
            latestSeen = new Sighting(seen, start);
            FencingToken raised = FencingGate.seenEpoch(highest, seen.epoch());
            if (raised != highest) {
                synchronized (actionLock) {
                    tokens.save(raised);
                    highest = raised;
                }
            }
        }
    }

    private record Sighting(ControlWatch.Seen seen, long atNanos) {}

    private volatile Sighting latestSeen;

    /** Fence-check thread, every I: local state, the pure decision, the action. */
    void checkRound() {
        long sinceMs = (System.nanoTime() - lastQuorumNanos) / 1_000_000;
        quorumAgeMs.set(sinceMs);
        if (!timing.selfFence()) {
            return;
        }
        try {
            long observed = System.nanoTime();
            PostgresHost.State s = host.state(timing.fenceAction());
            if (s.role() == HostRole.WRITABLE_PRIMARY && lastRole != HostRole.WRITABLE_PRIMARY) {
                writableSinceNanos = observed;
            }
            lastRole = s.role();
            Sighting sight = latestSeen;
            // Only a sighting from the current quorum contact counts (not one from before a cut).
            ControlWatch.Seen seen = sight != null && sight.atNanos() >= lastQuorumNanos ? sight.seen() : null;
            boolean stale = sight != null && sight.atNanos() < writableSinceNanos;
            SelfFence.Decision d = SelfFence.decide(new SelfFence.Input(host.region(), s.role(),
                    (System.nanoTime() - lastQuorumNanos) / 1_000_000, timing.fenceAfter().toMillis(), selfFenced,
                    seen == null ? null : seen.primary(), seen != null && seen.operation(), seen == null ? null : seen.operationTo(), stale));
            if (!d.reason().equals(lastDecision.reason())) {
                LOG.debug("self-fence: {} {}", d.action(), d.reason());
            }
            lastDecision = d;
            switch (d.action()) {
                case FENCE -> fenceSelf(d);
                case LIFT -> lift(d);
                case NONE -> { }
            }
        } catch (RuntimeException e) {
            LOG.warn("self-fence round failed: {}", e.getMessage());
        }
    }

    /**
     * Not under the action lock: the fence only ever makes the host safer, and it must not wait
     * behind a long request (a rejoin, a migration) while the host may be cut off. A fence not
     * confirmed within A stops the server at once: the bound F + I + 2A must hold even when the
     * local server is slow to answer.
     */
    private void fenceSelf(SelfFence.Decision d) {
        long t0 = System.nanoTime();
        // Remembered before the fence, so an agent that dies mid-way still knows the fence is its own.
        selfFenced(true);
        String did;
        try {
            did = java.util.concurrent.CompletableFuture.supplyAsync(() -> host.fence(timing.fenceAction()))
                    .get(timing.fenceAction().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            String why = e instanceof java.util.concurrent.TimeoutException ? "not confirmed within " + timing.fenceAction().toMillis() + " ms"
                    : String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            did = "fence failed (" + why + "): " + host.stopImmediately();
        }
        String pool;
        try {
            pool = host.pausePool(timing.fenceAction());
        } catch (RuntimeException e) {
            pool = "PgBouncer not paused (" + e.getMessage() + "); the database refuses writes anyway";
        }
        metrics.counter("olympus.agent.self.fence", "action", "fenced").increment();
        LOG.warn("SELF-FENCE {}: {}; {}; {} ({} ms)", host.region(), d.reason(), did, pool, (System.nanoTime() - t0) / 1_000_000);
    }

    private void lift(SelfFence.Decision d) {
        synchronized (actionLock) {
            String did = host.unfence();
            String pool = host.resumePool();
            selfFenced(false);
            metrics.counter("olympus.agent.self.fence", "action", "lifted").increment();
            LOG.warn("self-fence lifted on {}: {}; {}; {}", host.region(), d.reason(), did, pool);
        }
    }

    /**
     * Sets and keeps on disk whether the fence is this agent's own (TokenStore). A disk that
     * cannot be written never holds a fence back: it is logged, and the flag holds in memory.
     */
    private void selfFenced(boolean fenced) {
        selfFenced = fenced;
        try {
            tokens.selfFenced(fenced);
        } catch (RuntimeException e) {
            LOG.error("could not record self-fenced={} on disk ({}): a restarted agent would not know the fence is its own", fenced,
                    e.getMessage());
        }
    }

    private Map<String, Object> heartbeat() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("region", host.region());
        m.put("agent", id);
        m.put("at", Instant.now().toString());
        m.put("role", lastRole.name());
        m.put("selfFenced", selfFenced);
        m.put("fenceAfterMs", timing.selfFence() ? timing.fenceAfter().toMillis() : -1);
        // What a failover's preflight needs: this primary is fenced at most this long after the
        // quorum committed this heartbeat, if it commits no later one.
        m.put("fencedWithinMs", timing.selfFence()
                ? olympus.agent.core.FenceTiming.fencedWithin(timing.fenceAfter(), timing.heartbeatEvery(), timing.fenceAction()).toMillis() : -1);
        if (highest != null) {
            m.put("highestTerm", highest.term());
            m.put("highestEpoch", highest.epoch());
        }
        return m;
    }

    /** For the HTTP status endpoint and health. */
    public Map<String, Object> describe() {
        Map<String, Object> m = heartbeat();
        m.put("quorumAgeMs", (System.nanoTime() - lastQuorumNanos) / 1_000_000);
        m.put("lastDecision", lastDecision.action() + ": " + lastDecision.reason());
        m.put("highest", highest == null ? null : highest.toString());
        m.put("bootstrap", lastBootstrap.action() + ": " + lastBootstrap.reason());
        return m;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        bootstrapLoop.shutdownNow();
        host.close();
    }
}

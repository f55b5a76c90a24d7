package olympus.failover.app;


import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import olympus.failover.core.AutoFailover;
import olympus.failover.core.ClusterView;
import olympus.failover.core.FailoverPlan;
import olympus.failover.core.Flow;
import olympus.failover.core.RejoinPlan;
import olympus.failover.core.WritesPlan;
import olympus.failover.core.RecoveryPlan;
import olympus.failover.core.SwitchoverPlan;
import olympus.failover.core.CommandRefusedException;
import olympus.failover.core.CommandRequest;
import olympus.failover.core.CommandResult;
import olympus.failover.core.NodeAgent;
import olympus.failover.core.NodeStatus;
import olympus.failover.core.NotLeaderException;
import olympus.failover.core.Observation;
import olympus.failover.core.Operation;
import olympus.failover.core.PauseExpiry;
import olympus.failover.core.Preflight;
import olympus.failover.core.Recovery;
import olympus.failover.core.Verb;
import olympus.failover.core.Verdict;
import olympus.failover.nats.ControlKv;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs commands. Mutating commands run only on the leader, one at a time, on one thread; every
 * topology change is one compare-and-set, and the leader re-checks it may still act before each
 * step that changes a database. A command interrupted by the leader's death is finished or
 * rolled back by the next leader ({@link Recovery}), found through the "operation" key.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    /** Settings the command flows need (a view of FailoverConfiguration). */
    public record Settings(String region, List<String> regions, Preflight.Limits limits, Duration pauseTimeout,
                           Duration catchUpTimeout, Duration promoteTimeout, Duration observeInterval,
                           boolean autoFailover, Duration autoFailoverAfter) {}

    private final Settings settings;
    private final ControlKv kv;
    private final NodeAgent agent;
    private final Leadership leadership;
    private final AuditSink audit;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "coordinator"));
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(2, r -> daemon(r, "coordinator-bg"));
    private final ExecutorService fanout = Executors.newCachedThreadPool(r -> daemon(r, "coordinator-fanout"));
    private final AtomicReference<String> running = new AtomicReference<>();
    private final TopologyWriter writer;
    private final FlowRunner runner;

    public Coordinator(Settings settings, ControlKv kv, NodeAgent agent, Leadership leadership, AuditSink audit,
                       Connection nc, Clock clock, MeterRegistry metrics) {
        this.settings = settings;
        this.kv = kv;
        this.agent = agent;
        this.leadership = leadership;
        this.audit = audit;
        this.clock = clock;
        this.metrics = metrics;
        this.writer = new TopologyWriter(kv, nc, leadership, clock);
        this.runner = new FlowRunner(leadership, writer);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void start() {
        long every = settings.observeInterval().toMillis();
        background.scheduleWithFixedDelay(this::observe, 0, every, TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(this::maintain, every, 500, TimeUnit.MILLISECONDS);
    }

    public Leadership leadership() {
        return leadership;
    }

    // ---------------------------------------------------------------- entry point

    /**
     * Accepts a command: read-only ones are answered at once; a mutating one is refused here
     * (not leader, busy, its audit record not written) or queued, and its result completes the future.
     */
    public CompletableFuture<CommandResult> submit(CommandRequest req) {
        if (!req.verb().mutating()) {
            return CompletableFuture.completedFuture(readOnly(req));
        }
        if (!leadership.mayAct()) {
            throw new NotLeaderException(leadership.leader());
        }
        String busy = running.get();
        if (busy != null || !running.compareAndSet(null, req.verb().token() + " " + req.id())) {
            throw new CommandRefusedException("another command is running on the leader: " + running.get() + "; one at a time");
        }
        // The record first, before "accepted" is answered: a command refused here gets its
        // reason in the reply (the result would go to the same audit stream that refused).
        Run run = new Run(req, audit, clock.instant().toString());
        try {
            recordIntent(run);
        } catch (RuntimeException e) {
            running.set(null);
            throw e;
        }
        return CompletableFuture.supplyAsync(() -> {
            CommandResult r;
            // Every line the command's run logs (JSON logs: the "mdc" object) carries its id and verb.
            MDC.put("command", req.id());
            MDC.put("verb", req.verb().token());
            try {
                r = execute(run);
            } catch (NotLeaderException e) {
                r = finish(run, CommandResult.FAILED, "lost the leadership mid-command (" + e.getMessage()
                        + "); the next leader finishes or rolls it back");
            } catch (CommandRefusedException e) {
                r = finish(run, CommandResult.REFUSED, e.getMessage());
            } catch (Exception e) {
                LOG.warn("{} {} failed", req.verb().token(), req.id(), e);
                r = finish(run, CommandResult.FAILED, String.valueOf(e.getMessage()));
            } finally {
                running.set(null);
                MDC.clear();
            }
            publishFinished(run);
            return r;
        }, worker);
    }

    /** Records a refusal that never reached execution (bad input, wrong principal, not leader, busy). */
    public CommandResult refused(CommandRequest req, Verb verb, String principal, String reason) {
        CommandRequest r = req != null ? req : new CommandRequest(UUID.randomUUID().toString(), verb, null, false, null, null, null, 0, principal, null);
        CommandResult res = new Run(r, audit, clock.instant().toString()).result(CommandResult.REFUSED, reason, leadership.leader(), null, null, null);
        metrics.counter("olympus_failover_commands", "verb", r.verb().token(), "outcome", CommandResult.REFUSED).increment();
        LOG.info("refused {} from {}: {}", r.verb().token(), principal, reason);
        publish(res);
        return res;
    }

    private CommandResult execute(Run run) throws Exception {
        return switch (run.req.verb()) {
            case SWITCHOVER -> switchover(run);
            case FAILOVER -> failover(run);
            case PAUSE -> pause(run);
            case RESUME -> resume(run, "resumed by " + run.req.principal());
            case MIGRATE -> migrate(run);
            case REJOIN -> rejoin(run);
            case ACK -> ack(run);
            default -> throw new CommandRefusedException("verb", "not a mutating command: " + run.req.verb().token());
        };
    }

    /**
     * Writes the command's audit record and waits for JetStream's ack before anything is changed;
     * refuses the command, having done nothing, when it cannot. An SRE action nobody can later
     * find is worse than one that waits for the audit stream (a forced failover included: the
     * record is what tells the team who promoted which region).
     */
    private void recordIntent(Run run) {
        try {
            audit.step(run.intent(leadership.id()));
        } catch (RuntimeException e) {
            metrics.counter("olympus_failover_audit_refusals").increment();
            throw new CommandRefusedException("audit", "the audit record could not be written before acting ("
                    + e.getMessage() + "); nothing was done. Check this region's NATS JetStream and its AUDIT stream "
                    + "(nats stream info " + Naming.originStream(Naming.Family.AUDIT, settings.region()) + "), then retry");
        }
    }

    private CommandResult finish(Run run, String outcome, String reason) {
        ClusterTopology t = null;
        try {
            t = kv.topology().value();
        } catch (Exception ignored) {
            // the result still stands without the topology
        }
        CommandResult r = run.result(outcome, reason, leadership.leader(), t == null ? null : t.primary(), t == null ? null : t.epoch(), null);
        metrics.counter("olympus_failover_commands", "verb", run.req.verb().token(), "outcome", outcome).increment();
        if (t != null) {
            MDC.put("epoch", Long.toString(t.epoch()));
        }
        LOG.info("{} {} {}: {} ({} ms)", run.req.verb().token(), run.req.id(), outcome, reason, r.totalMillis());
        run.finished = r;
        lastStatus = null;
        return r;
    }

    /**
     * Publishes a command's result once {@link #running} is clear, never before: a client that sees
     * the result may send its next command at once, and the leader must take it (CI saw "another
     * command is running on the leader" for a switchover sent right after the previous one's DONE).
     */
    private void publishFinished(Run run) {
        if (run != null && run.finished != null) {
            publish(run.finished);
        }
    }

    private void publish(CommandResult r) {
        try {
            audit.result(r);
        } catch (RuntimeException e) {
            LOG.warn("could not record the result of {}: {}", r.id(), e.toString());
        }
    }

    // ---------------------------------------------------------------- snapshot

    /**
     * The probes, the observations and the agents' heartbeats are read at once: a cut region's
     * probe waits the whole agent timeout, and the control KV reads may be retried after a cut
     * (ControlKv.get); one after the other they made a failover's preflight take 3.5 s.
     */
    ClusterView view() throws Exception {
        ClusterTopology t = kv.topology().value();
        java.util.Set<String> members = t.members().keySet();
        Map<String, CompletableFuture<Observation>> observed = new LinkedHashMap<>();
        Map<String, CompletableFuture<olympus.failover.core.AgentHeartbeat>> beats = new LinkedHashMap<>();
        Map<String, CompletableFuture<NodeStatus>> probes = new LinkedHashMap<>();
        for (String r : members) {
            observed.put(r, CompletableFuture.supplyAsync(() -> {
                try {
                    return kv.observation(r);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, fanout));
            CompletableFuture<olympus.failover.core.AgentHeartbeat> beat = CompletableFuture.supplyAsync(() -> {
                try {
                    return kv.agentHeartbeat(r);
                } catch (Exception e) {
                    LOG.debug("no heartbeat of {}'s agent: {}", r, e.toString());
                    return null;
                }
            }, fanout);
            beats.put(r, beat);
            // Every probe starts at once with the normal timeout; one whose agent's heartbeat turns
            // out stale (cut off, or gone) is given up after the short wait from its start, so a
            // slow KV read after a cut does not add to it.
            long started = System.nanoTime();
            CompletableFuture<NodeStatus> probe = CompletableFuture.supplyAsync(() -> agent.status(r), fanout);
            probes.put(r, beat.thenCompose(hb -> {
                Duration wait = olympus.failover.core.AgentHeartbeat.probeWait(hb, clock.millis());
                if (wait == null) {
                    return probe;
                }
                long left = Math.max(0, wait.toNanos() - (System.nanoTime() - started));
                return probe.completeOnTimeout(NodeStatus.unreachable(r, r + "'s node agent did not answer STATUS within " + wait.toMillis()
                        + " ms, and its last heartbeat is " + (clock.millis() - hb.atMs()) / 1000 + " s old (cut off, or not running)"),
                        left, java.util.concurrent.TimeUnit.NANOSECONDS);
            }));
        }
        List<Observation> obs = new ArrayList<>();
        Long last = null;
        for (String r : members) {
            Observation o;
            try {
                o = observed.get(r).join();
            } catch (java.util.concurrent.CompletionException e) {
                throw unwrap(e);
            }
            if (o != null) {
                obs.add(o);
                if (o.primaryLsn() != null && o.primary().equals(t.primary()) && o.epoch() == t.epoch()) {
                    last = last == null ? o.primaryLsn() : Math.max(last, o.primaryLsn());
                }
            }
        }
        Map<String, NodeStatus> nodes = new LinkedHashMap<>();
        probes.forEach((r, f) -> nodes.put(r, f.join()));
        NodeStatus p = nodes.get(t.primary());
        if (p != null && p.reachable() && !p.inRecovery() && p.walLsn() != null) {
            last = last == null ? p.walLsn() : Math.max(last, p.walLsn());
        }
        Map<String, olympus.failover.core.AgentHeartbeat> agents = new LinkedHashMap<>();
        beats.forEach((r, f) -> {
            olympus.failover.core.AgentHeartbeat hb = f.join();
            if (hb != null) {
                agents.put(r, hb);
            }
        });
        return new ClusterView(t, nodes, obs, last, clock.millis(), agents);
    }

    static RuntimeException unwrap(Exception e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof RuntimeException re ? re : new IllegalStateException(c);
    }

    // ---------------------------------------------------------------- switchover, failover

    private CommandResult switchover(Run run) throws Exception {
        String to = run.req.to();
        ClusterView view = run.step("preflight", () -> {
            ClusterView v = view();
            Verdict verdict = Preflight.switchover(v, to, clock.millis(), settings.limits());
            if (!verdict.ok()) {
                throw new CommandRefusedException(verdict.reason());
            }
            return v;
        });
        String from = view.primary();
        Operation op = run.step("claim the operation (one at a time, across coordinators)", () -> writer.claim(run, view.topology(), from, to));
        SwitchoverPlan plan = new SwitchoverPlan(from, to, List.copyOf(view.topology().members().keySet()), FlowSteps.timeouts(settings));
        return drive(run, plan, op, from, to, "switchover " + from + " -> " + to, view);
    }

    private CommandResult failover(Run run) throws Exception {
        ClusterView view = run.step("preflight", () -> view());
        Verdict verdict = run.step("lag guard and observer quorum", () -> {
            Verdict v = Preflight.failover(view, run.req.to(), run.req.force(), clock.millis(), settings.limits());
            if (!v.ok()) {
                throw new CommandRefusedException(v.reason());
            }
            return v;
        });
        String to = verdict.candidate();
        String from = view.primary();
        List<String> regions = List.copyOf(view.topology().members().keySet());
        Operation op = run.step("claim the operation", () -> writer.claim(run, view.topology(), from, to));
        // An unreachable region's agent cannot be asked: waiting for it would only delay the failover.
        List<String> reachable = regions.stream().filter(r -> view.node(r).hostReachable()).toList();
        FailoverPlan plan = new FailoverPlan(from, to, regions, reachable, view.node(from).hostReachable(), verdict.reason(),
                FlowSteps.timeouts(settings));
        return drive(run, plan, op, from, to, "failover " + from + " -> " + to, view);
    }

    private CommandResult drive(Run run, Flow.Plan plan, Operation op, String from, String to, String pausedReason, ClusterView view)
            throws Exception {
        FlowSteps steps = new FlowSteps(FlowSteps.Context.of(run.req, run.req.verb().token() + " " + run.req.id(), from, to, pausedReason, view),
                agent, writer, kv, fanout, settings, metrics);
        return runner.drive(run, plan, op, steps, (outcome, reason) -> finish(run, outcome, reason));
    }

    private CommandResult rejoin(Run run) throws Exception {
        String region = run.req.to();
        ClusterTopology t0 = kv.topologyFromLeader().value();
        if (region.equals(t0.primary())) {
            throw new CommandRefusedException("to", region + " is the primary; rejoin takes a former primary");
        }
        return drive(run, new RejoinPlan(region, t0.primary(), FlowSteps.timeouts(settings)), null, region, t0.primary(), null, null);
    }

    // ---------------------------------------------------------------- pause, resume, migrate

    private CommandResult pause(Run run) throws Exception {
        // A command's precondition is read from the stream leader, as its CAS is: a direct get may
        // be answered by a replica a commit behind, and CI saw a pause sent right after a resume
        // refused with "writes are already paused" by the pause that resume had just ended.
        ClusterTopology t0 = kv.topologyFromLeader().value();
        if (t0.writes().paused(clock.instant())) {
            throw new CommandRefusedException("writes are already paused (" + t0.writes().reason() + ", by " + t0.writes().by() + ")");
        }
        WritesPlan plan = new WritesPlan(Verb.PAUSE, t0.primary(), List.copyOf(t0.members().keySet()),
                "until " + run.req.deadline() + " (" + run.req.reason() + ")", FlowSteps.timeouts(settings));
        return drive(run, plan, null, t0.primary(), t0.primary(), run.req.reason(), null);
    }

    private CommandResult resume(Run run, String why) throws Exception {
        ClusterTopology t0 = kv.topologyFromLeader().value();
        WritesPlan plan = new WritesPlan(Verb.RESUME, t0.primary(), List.copyOf(t0.members().keySet()), why, FlowSteps.timeouts(settings));
        return drive(run, plan, null, t0.primary(), t0.primary(), null, null);
    }

    private CommandResult migrate(Run run) throws Exception {
        ClusterTopology t0 = kv.topologyFromLeader().value();
        if (t0.writes().paused(clock.instant())) {
            throw new CommandRefusedException("writes are already paused (" + t0.writes().reason() + ", by " + t0.writes().by() + ")");
        }
        String primary = t0.primary();
        WritesPlan plan = new WritesPlan(Verb.MIGRATE, primary, List.copyOf(t0.members().keySet()), null, FlowSteps.timeouts(settings));
        ClusterView v = run.step("preflight: every replica reachable", () -> {
            ClusterView cv = view();
            List<String> down = plan.replicas().stream().filter(r -> !cv.node(r).reachable()).toList();
            if (down.isEmpty() && cv.node(primary).writable()) {
                return cv;
            }
            throw new CommandRefusedException("migrate needs the primary writable and every replica reachable; not: "
                    + (down.isEmpty() ? primary : down));
        });
        Operation op = run.step("claim the operation", () -> writer.claim(run, v.topology(), primary, primary));
        return drive(run, plan, op, primary, primary, "migration " + run.req.id() + (run.req.reason() == null ? "" : ": " + run.req.reason()), v);
    }

    // ---------------------------------------------------------------- read-only

    private CommandResult readOnly(CommandRequest req) {
        Run run = new Run(req, new AuditSink() {
            public void step(olympus.failover.core.Step s) { }

            public void result(CommandResult r) { }

            public List<CommandResult> history(int limit) {
                return List.of();
            }
        }, clock.instant().toString());
        if (req.verb() == Verb.HISTORY) {
            try {
                return run.result(CommandResult.DONE, "history", leadership.leader(), null, null, audit.history(req.limit()));
            } catch (RuntimeException e) {
                return run.result(CommandResult.FAILED, "history unavailable: " + e.getMessage(), leadership.leader(), null, null, null);
            }
        }
        return status(run);
    }

    /** The last status, when it was computed (System.nanoTime), and the topology revision it shows. */
    private record Snapshot(long atNanos, long revision, String outcome, String reason, String primary, Long epoch,
                            Map<String, Object> data) {}

    /**
     * Status answers from a snapshot at most {@link #STATUS_MAX_AGE} old and of the topology's
     * current revision (one KV read per call), computed by one caller while the others wait for
     * it: however many ask (an anonymous flood once opened a PostgreSQL connection per region per
     * call), the agents are probed at most once a second, and a change (a pause just made) shows
     * at once. A command's end also drops it (the operation key is not in the revision).
     */
    static final Duration STATUS_MAX_AGE = Duration.ofSeconds(1);
    private final Object statusLock = new Object();
    private volatile Snapshot lastStatus;

    private CommandResult status(Run run) {
        Snapshot s;
        synchronized (statusLock) {
            long revision;
            try {
                revision = kv.topology().revision();
            } catch (Exception e) {
                revision = -1;
            }
            s = lastStatus;
            if (s == null || revision < 0 || s.revision() != revision || System.nanoTime() - s.atNanos() > STATUS_MAX_AGE.toNanos()) {
                s = freshStatus(revision);
                lastStatus = s;
            }
        }
        return run.result(s.outcome(), s.reason(), leadership.leader(), s.primary(), s.epoch(), s.data());
    }

    private Snapshot freshStatus(long revision) {
        long at = System.nanoTime();
        try {
            ClusterView v = view();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("topology", v.topology());
            data.put("leader", leadership.leader());
            List<Map<String, Object>> nodes = new ArrayList<>();
            Long ref = v.lastKnownPrimaryLsn();
            for (NodeStatus n : v.nodes().values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("region", n.region());
                m.put("state", n.describe());
                m.put("reachable", n.reachable());
                m.put("inRecovery", n.inRecovery());
                m.put("readOnly", n.readOnly());
                if (n.inRecovery() && n.replayLsn() != null && ref != null) {
                    m.put("lagBytes", Math.max(0, ref - n.replayLsn()));
                }
                nodes.add(m);
            }
            data.put("nodes", nodes);
            data.put("observations", v.observations());
            data.put("agents", v.agents());
            try {
                ControlKv.Versioned<Operation> op = kv.operation();
                data.put("operation", op == null ? null : op.value());
            } catch (Exception ignored) {
                // shown as absent
            }
            return new Snapshot(at, revision, CommandResult.DONE, "status", v.primary(), v.topology().epoch(), data);
        } catch (Exception e) {
            return new Snapshot(at, revision, CommandResult.FAILED, "status unavailable: " + e.getMessage(), null, null, null);
        }
    }

    // ---------------------------------------------------------------- background

    private String lastSeenKey;
    private Long lastSeenLsn;

    /** Every coordinator: probe the primary from this region and record it for the failover quorum. */
    void observe() {
        try {
            ClusterTopology t = kv.topology().value();
            NodeStatus p = agent.status(t.primary());
            boolean up = p.reachable();
            String key = t.primary() + "@" + t.epoch();
            if (!key.equals(lastSeenKey)) {
                lastSeenKey = key;
                lastSeenLsn = null;
            }
            if (up && !p.inRecovery() && p.walLsn() != null) {
                lastSeenLsn = p.walLsn();
            }
            if (up) {
                downSince = null;
            } else if (downSince == null) {
                downSince = clock.millis();
            }
            // When the primary is gone, keep reporting the last position seen: it is what the lag guard needs.
            kv.putObservation(new Observation(settings.region(), t.primary(), t.epoch(), up, lastSeenLsn,
                    clock.millis(), up ? null : downSince, up ? p.describe() : p.error()));
        } catch (Exception e) {
            LOG.debug("observation failed: {}", e.toString());
        }
    }

    private volatile Long downSince;
    /** Leader only: reopen writes at a pause's deadline; recover an operation a dead leader left behind. */
    void maintain() {
        if (!leadership.mayAct() || running.get() != null) {
            return;
        }
        try {
            ClusterTopology t = kv.topology().value();
            ControlKv.Versioned<Operation> op = kv.operation();
            // An operation another leader left, or one this leader's own command left when it
            // failed mid-way (a failover whose last step failed after the promotion would
            // otherwise keep writes PAUSED until the leadership changed): no command of ours
            // runs, so nobody else will finish it.
            if (op != null && op.value() != null && (!op.value().leader().equals(leadership.id()) || running.get() == null)) {
                recover(op.value(), t);
                return;
            }
            if (settings.autoFailover() && (op == null || op.value() == null) && downSince != null) {
                autoFailover();
                return;
            }
            if ((op == null || op.value() == null) && PauseExpiry.due(t, clock.instant())) {
                CommandRequest req = new CommandRequest(UUID.randomUUID().toString(), Verb.RESUME, null, false,
                        "deadline " + t.writes().deadline() + " reached", null, null, 0, "coordinator:" + settings.region(), null);
                if (running.compareAndSet(null, "resume (deadline)")) {
                    try {
                        Run run = new Run(req, audit, clock.instant().toString());
                        recordIntent(run);
                        resume(run, "pause deadline " + t.writes().deadline() + " reached");
                    } finally {
                        running.set(null);
                    }
                }
            }
        } catch (Exception e) {
            LOG.debug("maintenance failed: {}", e.toString());
        }
    }

    private void autoFailover() throws Exception {
        ClusterView v = view();
        long now = clock.millis();
        long downFor = Long.MAX_VALUE;
        int seen = 0;
        for (Observation o : v.observations()) {
            if (o.primary().equals(v.primary()) && !o.primaryReachable() && o.fresh(now, settings.limits().observationMaxAgeMs())) {
                downFor = Math.min(downFor, o.downForMs(now));
                seen++;
            }
        }
        ControlKv.Versioned<AutoFailover.State> last = kv.autoFailover();
        Verdict verdict = Preflight.failover(v, null, false, now, settings.limits());
        AutoFailover.Decision d = AutoFailover.decide(true, last == null ? null : last.value(), verdict, seen == 0 ? 0 : downFor,
                settings.autoFailoverAfter().toMillis());
        if (!d.go()) {
            LOG.debug("automatic failover: no ({})", d.reason());
            return;
        }
        LOG.warn("automatic failover: {}", d.reason());
        metrics.counter("olympus_failover_automatic", "decision", "go").increment();
        CommandRequest req = new CommandRequest(UUID.randomUUID().toString(), Verb.FAILOVER, null, false, d.reason(), null, null, 0,
                "coordinator:" + settings.region() + " (automatic)", null);
        if (!running.compareAndSet(null, "automatic failover " + req.id())) {
            return;
        }
        Run run = new Run(req, audit, clock.instant().toString());
        try {
            try {
                recordIntent(run);
            } catch (CommandRefusedException e) {
                LOG.error("automatic failover not started: {}", e.getMessage());
                return;
            }
            // Record the damping state first: should this leader die mid-way, no successor starts a second one.
            kv.putAutoFailover(new AutoFailover.State(req.id(), clock.instant().toString(), false, null));
            try {
                failover(run);
            } catch (CommandRefusedException e) {
                finish(run, CommandResult.REFUSED, e.getMessage());
            } catch (Exception e) {
                finish(run, CommandResult.FAILED, String.valueOf(e.getMessage()));
            }
        } finally {
            running.set(null);
        }
        publishFinished(run);
    }

    private CommandResult ack(Run run) throws Exception {
        ControlKv.Versioned<AutoFailover.State> last = kv.autoFailover();
        if (last == null || last.value() == null || last.value().acknowledged()) {
            return finish(run, CommandResult.DONE, "no automatic failover awaits an acknowledgement");
        }
        AutoFailover.State s = last.value();
        run.run("acknowledge automatic failover " + s.commandId(), () -> {
            kv.putAutoFailover(new AutoFailover.State(s.commandId(), s.at(), true, run.req.principal()));
            return null;
        });
        return finish(run, CommandResult.DONE, "automatic failover " + s.commandId() + " acknowledged; automatic failover re-armed");
    }

    private void recover(Operation op, ClusterTopology t) throws Exception {
        if (!running.compareAndSet(null, "recovery of " + op.id())) {
            return;
        }
        Run run = null;
        try {
            // Read again under the one-command guard: the command that held it may have just
            // finished and released it.
            ControlKv.Versioned<Operation> now = kv.operation();
            if (now == null || now.value() == null || !now.value().id().equals(op.id())) {
                return;
            }
            boolean own = op.leader().equals(leadership.id());
            NodeStatus from = op.from() == null ? null : agent.status(op.from());
            NodeStatus to = op.to() == null ? null : agent.status(op.to());
            Recovery.Decision d = Recovery.decide(op, from, to);
            LOG.warn("recovering {} {} left {}at stage {}: {}", op.verb(), op.id(),
                    own ? "unfinished by this leader's own failed command " : "by " + op.leader() + " ", op.stage(), d.reason());
            metrics.counter("olympus_failover_recoveries", "action", d.action().name().toLowerCase()).increment();
            CommandRequest req = new CommandRequest(op.id() + "-recovery", Verb.parse(op.verb()), op.to(), false, d.reason(), null, null, 0,
                    "coordinator:" + settings.region() + " (recovery)", null);
            run = new Run(req, audit, clock.instant().toString());
            try {
                recordIntent(run);
            } catch (CommandRefusedException e) {
                LOG.error("recovery of {} not started: {}", op.id(), e.getMessage());
                run = null;
                return;
            }
            recover(run, op, t, d, from);
        } finally {
            running.set(null);
            publishFinished(run);
        }
    }

    private void recover(Run run, Operation op, ClusterTopology t, Recovery.Decision d, NodeStatus from) throws Exception {
        boolean fromIsPrimary = from != null && from.reachable() && !from.inRecovery();
        RecoveryPlan plan = new RecoveryPlan(op, d, t.primary(), fromIsPrimary, List.copyOf(t.members().keySet()), FlowSteps.timeouts(settings));
        FlowSteps steps = new FlowSteps(FlowSteps.Context.of(run.req, "recovery of " + op.id(), op.from(), op.to(), null, null),
                agent, writer, kv, fanout, settings, metrics);
        runner.drive(run, plan, null, steps, (outcome, reason) -> finish(run, outcome, reason));
    }

    @Override
    public void close() {
        background.shutdownNow();
        worker.shutdownNow();
        fanout.shutdownNow();
    }
}

package olympus.failover.app;

import olympus.wire.Lsn;

import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import olympus.failover.core.AutoFailover;
import olympus.failover.core.ClusterView;
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
import olympus.failover.core.StaleTopologyException;
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
import java.time.Instant;
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
    private final Connection nc;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "coordinator"));
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(2, r -> daemon(r, "coordinator-bg"));
    private final ExecutorService fanout = Executors.newCachedThreadPool(r -> daemon(r, "coordinator-fanout"));
    private final AtomicReference<String> running = new AtomicReference<>();

    public Coordinator(Settings settings, ControlKv kv, NodeAgent agent, Leadership leadership, AuditSink audit,
                       Connection nc, Clock clock, MeterRegistry metrics) {
        this.settings = settings;
        this.kv = kv;
        this.agent = agent;
        this.leadership = leadership;
        this.audit = audit;
        this.nc = nc;
        this.clock = clock;
        this.metrics = metrics;
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

    private void requireLeader() {
        if (!leadership.mayAct()) {
            throw new NotLeaderException(leadership.leader());
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
        CompletableFuture<Map<String, NodeStatus>> probes = CompletableFuture.supplyAsync(() -> probeAll(members), fanout);
        Map<String, CompletableFuture<Observation>> observed = new LinkedHashMap<>();
        Map<String, CompletableFuture<olympus.failover.core.AgentHeartbeat>> beats = new LinkedHashMap<>();
        for (String r : members) {
            observed.put(r, CompletableFuture.supplyAsync(() -> {
                try {
                    return kv.observation(r);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, fanout));
            beats.put(r, CompletableFuture.supplyAsync(() -> {
                try {
                    return kv.agentHeartbeat(r);
                } catch (Exception e) {
                    LOG.debug("no heartbeat of {}'s agent: {}", r, e.toString());
                    return null;
                }
            }, fanout));
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
        Map<String, NodeStatus> nodes = probes.join();
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

    private Map<String, NodeStatus> probeAll(java.util.Collection<String> regions) {
        Map<String, CompletableFuture<NodeStatus>> f = new LinkedHashMap<>();
        for (String r : regions) {
            f.put(r, CompletableFuture.supplyAsync(() -> agent.status(r), fanout));
        }
        Map<String, NodeStatus> out = new LinkedHashMap<>();
        f.forEach((r, v) -> out.put(r, v.join()));
        return out;
    }

    private void forEachRegion(List<String> regions, java.util.function.Consumer<String> action) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String r : regions) {
            all.add(CompletableFuture.runAsync(() -> action.accept(r), fanout));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    private static RuntimeException unwrap(Exception e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof RuntimeException re ? re : new IllegalStateException(c);
    }

    // ---------------------------------------------------------------- topology writes

    private interface Change {
        ClusterTopology apply(ClusterTopology t);
    }

    /**
     * One compare-and-set on the topology, then the announcement with its epoch.
     *
     * <p>NATS 2.9 serves KV reads from any replica (direct get), so the topology is read from
     * the stream leader here. A leader elected a moment ago may still not have applied the last
     * committed writes, and around a leader change (a heal, a restart) a CAS can be refused
     * although nobody else wrote (nats-server#4162, #4710; seen in PartitionIT's rejoin:
     * "changed since revision 452: wrong last sequence: 451"). So a refused CAS is retried, but
     * only while the topology read again still holds the same content: then the change computed
     * from it is still the right one. A real concurrent change still fails the command.
     */
    private ClusterTopology cas(Change change) throws Exception {
        // Read from the stream leader, not a KV (direct) get: a replica still catching up after a
        // heal answered PartitionIT's rejoin with revision 1 when the leader was at 44, and the
        // change would have been computed from that (the CAS refused it, failing the command).
        ControlKv.Versioned<ClusterTopology> v = kv.topologyFromLeader();
        ClusterTopology next = change.apply(v.value());
        for (int attempt = 1; ; attempt++) {
            requireLeader();
            try {
                kv.updateTopology(next, v.revision());
                break;
            } catch (StaleTopologyException e) {
                if (attempt >= CAS_ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(CAS_RETRY_PAUSE.toMillis());
                ControlKv.Versioned<ClusterTopology> now = kv.topologyFromLeader();
                if (!java.util.Objects.equals(now.value(), v.value())) {
                    throw e;
                }
                LOG.info("topology CAS refused at revision {} but the topology is unchanged (now read at revision {}): "
                        + "retrying, attempt {} of {} (reason: a stream leader elected a moment ago refuses a correct CAS until "
                        + "it has applied the last commits: {})",
                        v.revision(), now.revision(), attempt + 1, CAS_ATTEMPTS, e.getMessage());
                v = now;
            }
        }
        nc.publish(Naming.TOPOLOGY_ANNOUNCE, next.toJson());
        return next;
    }

    /**
     * A failover's PAUSE only makes clients wait instead of failing; it must not hold the new
     * primary back. A pooler whose server connections hang on a cut-off primary cannot finish a
     * PAUSE (seen in HostsIT: 2 s, the whole timeout, in both surviving regions), so it gets
     * half a second and the failover goes on without it.
     */
    private static final Duration FAILOVER_PAUSE = Duration.ofMillis(500);

    private static final int CAS_ATTEMPTS = 10;
    private static final Duration CAS_RETRY_PAUSE = Duration.ofMillis(200);

    private ClusterTopology with(ClusterTopology t, long epoch, String primary, ClusterTopology.Writes writes,
                                 Map<String, ClusterTopology.Member> members, String reason) {
        return new ClusterTopology(ClusterTopology.SCHEMA_VERSION, epoch, primary, writes, members, clock.instant().toString(),
                leadership.id(), reason);
    }

    private ClusterTopology.Writes paused(String reason, String by, Instant deadline) {
        return new ClusterTopology.Writes(ClusterTopology.WritesState.PAUSED, reason, by, clock.instant().toString(),
                deadline == null ? null : deadline.toString());
    }

    private Operation claim(Run run, ClusterTopology t, String from, String to) throws Exception {
        Operation op = new Operation(run.req.id(), run.req.verb().token(), from, to, "claimed", leadership.id(), leadership.term(),
                t.epoch(), run.startedAt, run.req.principal());
        for (int attempt = 1; ; attempt++) {
            try {
                kv.startOperation(op);
                return op;
            } catch (StaleTopologyException e) {
                ControlKv.Versioned<Operation> other = kv.operation();
                if (other != null && other.value() != null) {
                    throw new CommandRefusedException("another operation is in progress: " + other.value().verb() + " "
                            + other.value().id() + " since " + other.value().startedAt());
                }
                // Refused, yet no operation to be seen: the key's last entry is the previous
                // operation's delete marker, and the create-after-delete was checked against a
                // replica that had not caught up (the same NATS 2.9 direct-get lag as in cas();
                // seen in PartitionIT right after a heal as "another operation is in progress: ?").
                if (attempt >= CAS_ATTEMPTS) {
                    throw new CommandRefusedException("could not claim the operation key (refused " + attempt
                            + " times although no operation is recorded; the control bucket's replicas disagree): " + e.getMessage());
                }
                LOG.info("claiming the operation key was refused but no operation is recorded: retrying, attempt {} of {} ({})",
                        attempt + 1, CAS_ATTEMPTS, e.getMessage());
                Thread.sleep(CAS_RETRY_PAUSE.toMillis());
                requireLeader();
            }
        }
    }

    private void stage(Operation op, String stage) {
        try {
            ControlKv.Versioned<Operation> v = kv.operation();
            if (v != null && v.value() != null && v.value().id().equals(op.id())) {
                kv.updateOperation(v.value().at(stage), v.revision());
            }
        } catch (Exception e) {
            LOG.debug("could not record stage {}: {}", stage, e.toString());
        }
    }

    private void endOperation() {
        try {
            kv.endOperation();
        } catch (Exception e) {
            LOG.warn("could not clear the operation key: {}", e.toString());
        }
    }

    // ---------------------------------------------------------------- switchover

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
        List<String> regions = List.copyOf(view.topology().members().keySet());
        Operation op = run.step("claim the operation (one at a time, across coordinators)", () -> claim(run, view.topology(), from, to));
        boolean promoted = false;
        try {
            run.run("writes PAUSED in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(),
                    paused("switchover " + from + " -> " + to, run.req.principal(), null), t.members(), "switchover " + run.req.id() + ": pausing writes")));
            stage(op, "pause");
            run.step("PgBouncer PAUSE in every region", () -> {
                forEachRegion(regions, r -> agent.pausePool(r, settings.pauseTimeout()));
                return "clients wait instead of failing";
            });
            requireLeader();
            stage(op, "fence");
            run.step("fence old primary " + from, () -> agent.fence(from));
            long finalLsn = run.step("stop " + from + " cleanly (its shutdown checkpoint is its last record)",
                    () -> agent.shutDown(from, Duration.ofSeconds(20)));
            run.step("candidate " + to + " replays past final LSN " + Lsn.format(finalLsn), () -> awaitReplay(List.of(to), finalLsn + 1));
            requireLeader();
            stage(op, "promote");
            run.step("promote " + to, () -> {
                agent.promote(to, settings.promoteTimeout());
                return null;
            });
            promoted = true;
            ClusterTopology next = run.step("epoch++ and new primary in the control KV", () -> cas(t -> with(t, t.epoch() + 1, to, t.writes(),
                    Preflight.members(t, to, from), "switchover " + run.req.id() + ": " + from + " -> " + to)));
            stage(op, "repoint");
            List<String> others = regions.stream().filter(r -> !r.equals(to) && !r.equals(from)).toList();
            CompletableFuture<Void> following = CompletableFuture.runAsync(() -> forEachRegion(others, r -> agent.follow(r, to)), fanout);
            run.step("repoint PgBouncer in every region to " + to + " and RESUME", () -> {
                forEachRegion(regions, r -> agent.repointAndResume(r, to));
                return "clients continue on " + to;
            });
            run.step("repoint replicas " + others, () -> {
                following.join();
                return null;
            });
            run.run("writes OPEN in the control KV (epoch " + next.epoch() + ")", () -> cas(t -> with(t, t.epoch(), t.primary(),
                    ClusterTopology.Writes.open(), t.members(), "switchover " + run.req.id() + ": writes open")));
            stage(op, "rejoin");
            String rejoined = run.step("rejoin " + from + " as a replica of " + to, () -> agent.rejoin(from, to, true, Duration.ofSeconds(60)));
            run.run("members updated", () -> cas(t -> with(t, t.epoch(), t.primary(), t.writes(), Preflight.members(t, t.primary(), null),
                    "switchover " + run.req.id() + ": " + from + " rejoined")));
            endOperation();
            String followers = following(run, to, regions.stream().filter(r -> !r.equals(to)).toList());
            return finish(run, CommandResult.DONE, "primary is " + to + " (epoch " + next.epoch() + "); " + from + ": " + rejoined + followers);
        } catch (NotLeaderException e) {
            throw e;
        } catch (Exception e) {
            if (promoted) {
                endOperation();
                throw e;
            }
            rollBackSwitchover(run, from, regions);
            endOperation();
            return finish(run, CommandResult.ROLLED_BACK, "switchover failed before promotion (" + unwrap(e).getMessage()
                    + "); rolled back: " + from + " stays primary, writes reopened");
        }
    }

    /**
     * After the primary changed: do the replicas replay what the new primary writes? The change
     * stands either way (writes are open), so a replica that does not follow is a warning in the
     * result, not a failure. Seen in PartitionIT: after a failover, a rejoin by re-cloning and a
     * switchover back, a repointed replica looped on "requested WAL segment ... has already been
     * removed" while the switchover said only DONE.
     */
    private String following(Run run, String primary, List<String> replicas) throws Exception {
        if (replicas.isEmpty()) {
            return "";
        }
        return run.step("replicas " + replicas + " replay what " + primary + " writes", () -> {
            NodeStatus p = agent.status(primary);
            if (p.walLsn() == null) {
                return "; not checked whether " + replicas + " follow " + primary + ": its position is unknown (" + p.describe() + ")";
            }
            try {
                awaitReplay(replicas, p.walLsn());
                return "";
            } catch (IllegalStateException e) {
                metrics.counter("olympus_failover_replicas_not_following").increment();
                LOG.warn("replicas not following {} after the primary change: {}", primary, e.getMessage());
                return "; WARNING replicas do not follow " + primary + " (" + e.getMessage()
                        + "): read each one's PostgreSQL log; one that needs WAL " + primary
                        + " no longer has (\"requested WAL segment ... has already been removed\") must be cloned again from " + primary + " with pg_basebackup";
            }
        });
    }

    private String awaitReplay(List<String> regions, long lsn) {
        long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
        while (true) {
            List<String> behind = new ArrayList<>();
            for (String r : regions) {
                NodeStatus s = agent.status(r);
                if (!s.reachable() || s.replayLsn() == null || s.replayLsn() < lsn) {
                    behind.add(r + " at " + (s.replayLsn() == null ? s.describe() : Lsn.format(s.replayLsn())));
                }
            }
            if (behind.isEmpty()) {
                return "replayed " + Lsn.format(lsn);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not caught up to " + Lsn.format(lsn) + " within " + settings.catchUpTimeout().toSeconds()
                        + " s: " + behind);
            }
            sleep(20);
        }
    }

    private void rollBackSwitchover(Run run, String from, List<String> regions) {
        try {
            run.run("roll back: start " + from + " again if stopped", () -> agent.restart(from));
        } catch (Exception e) {
            LOG.warn("rollback restart failed: {}", e.toString());
        }
        try {
            run.run("roll back: unfence " + from, () -> {
                agent.unfence(from);
                return null;
            });
        } catch (Exception e) {
            LOG.warn("rollback unfence failed: {}", e.toString());
        }
        try {
            run.run("roll back: PgBouncer RESUME", () -> {
                forEachRegion(regions, agent::resumePool);
                return null;
            });
        } catch (Exception e) {
            LOG.warn("rollback resume failed: {}", e.toString());
        }
        try {
            run.run("roll back: writes OPEN", () -> cas(t -> with(t, t.epoch(), t.primary(), ClusterTopology.Writes.open(), t.members(),
                    "rolled back " + run.req.id())));
        } catch (Exception e) {
            LOG.warn("rollback KV failed: {}", e.toString());
        }
    }

    // ---------------------------------------------------------------- failover

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
        Operation op = run.step("claim the operation", () -> claim(run, view.topology(), from, to));
        run.run("writes PAUSED in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(),
                paused("failover " + from + " -> " + to, run.req.principal(), null), t.members(), "failover " + run.req.id())));
        stage(op, "fence");
        // An unreachable region's agent cannot be asked: waiting for it would only delay the failover.
        List<String> reachable = regions.stream().filter(r -> view.node(r).hostReachable()).toList();
        // Fencing and pausing the poolers are independent: do them at once, the clock is running.
        // With the old primary's host unreachable, the poolers' connections to it hang and a PAUSE
        // cannot finish (it waits for them): skip it, the new primary is reachable sooner.
        boolean pause = view.node(from).hostReachable();
        CompletableFuture<String> pausing = !pause ? CompletableFuture.completedFuture("skipped: " + from
                + "'s host is unreachable, so the poolers' connections to it hang and no PAUSE could finish")
                : CompletableFuture.supplyAsync(() -> {
            List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
            forEachRegion(reachable, r -> {
                try {
                    agent.pausePool(r, FAILOVER_PAUSE);
                } catch (RuntimeException e) {
                    failed.add(r);
                }
            });
            return failed.isEmpty() ? "paused " + reachable : "not paused: " + failed;
        }, fanout);
        run.step("fence old primary " + from, () -> fenceIfReachable(view, from));
        run.step("PgBouncer PAUSE where reachable", pausing::join);
        requireLeader();
        stage(op, "promote");
        run.step("promote " + to, () -> {
            agent.promote(to, settings.promoteTimeout());
            return verdict.reason();
        });
        ClusterTopology next = run.step("epoch++ and new primary in the control KV", () -> cas(t -> with(t, t.epoch() + 1, to, t.writes(),
                Preflight.members(t, to, from), "failover " + run.req.id() + ": " + from + " -> " + to + (run.req.force() ? " (FORCED)" : ""))));
        stage(op, "repoint");
        List<String> others = regions.stream().filter(r -> !r.equals(to) && !r.equals(from) && reachable.contains(r)).toList();
        CompletableFuture<Void> following = CompletableFuture.runAsync(() -> forEachRegion(others, r -> agent.follow(r, to)), fanout);
        run.step("repoint PgBouncer to " + to + " and RESUME where reachable", () -> {
            List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
            // A region that did not answer the preflight would only hold the new primary's writes
            // back for a request timeout; its pooler is repointed when it is rejoined.
            forEachRegion(reachable, r -> {
                try {
                    agent.repointAndResume(r, to);
                } catch (RuntimeException e) {
                    failed.add(r + ": " + e.getMessage());
                }
            });
            return failed.isEmpty() ? null : "failed: " + failed;
        });
        run.step("repoint replicas " + others, () -> {
            following.join();
            return null;
        });
        run.run("writes OPEN in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(), ClusterTopology.Writes.open(), t.members(),
                "failover " + run.req.id() + ": writes open")));
        endOperation();
        String followers = following(run, to, others);
        return finish(run, CommandResult.DONE, "primary is " + to + " (epoch " + next.epoch() + "); " + verdict.reason()
                + "; " + from + " stays FENCED until rejoined (olympusctl rejoin --to " + from + ")" + followers);
    }

    /**
     * A failover asks the old primary's agent to fence it when it can be reached. When it cannot,
     * the agent on that host fences it by itself once it has lost the control quorum for its fence
     * time, which every agent checks at start-up is shorter than the grace before an unforced
     * failover may promote; a forced failover takes that risk on the SRE's word.
     */
    private String fenceIfReachable(ClusterView view, String from) {
        if (!view.node(from).hostReachable()) {
            return "not asked: " + from + "'s host is unreachable (" + view.node(from).error() + "); its node agent fences it on "
                    + "losing the control quorum";
        }
        try {
            return agent.fence(from);
        } catch (RuntimeException e) {
            return "NOT fenced by request (" + e.getMessage() + "); its node agent fences it on losing the control quorum";
        }
    }

    private CommandResult rejoin(Run run) throws Exception {
        String region = run.req.to();
        ClusterTopology t0 = kv.topologyFromLeader().value();
        if (region.equals(t0.primary())) {
            throw new CommandRefusedException("to", region + " is the primary; rejoin takes a former primary");
        }
        String did = run.step("rejoin " + region + " as a replica of " + t0.primary(), () -> agent.rejoin(region, t0.primary(), false, Duration.ofSeconds(90)));
        // Its pooler may still point at itself (it was unreachable when the failover repointed the others).
        run.step("repoint " + region + "'s PgBouncer to " + t0.primary() + " and RESUME", () -> {
            agent.repointAndResume(region, t0.primary());
            return null;
        });
        run.run("members updated", () -> cas(t -> with(t, t.epoch(), t.primary(), t.writes(), Preflight.members(t, t.primary(), null),
                region + " rejoined")));
        return finish(run, CommandResult.DONE, region + ": " + did);
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
        List<String> regions = List.copyOf(t0.members().keySet());
        run.run("writes PAUSED in the control KV until " + run.req.deadline(), () -> cas(t -> with(t, t.epoch(), t.primary(),
                paused(run.req.reason(), run.req.principal(), run.req.deadline()), t.members(), "pause " + run.req.id())));
        try {
            run.step("PgBouncer PAUSE in every region", () -> {
                forEachRegion(regions, r -> agent.pausePool(r, settings.pauseTimeout()));
                return null;
            });
        } catch (Exception e) {
            resume(run, "pause failed: " + unwrap(e).getMessage());
            return finish(run, CommandResult.ROLLED_BACK, "could not pause every pooler (" + unwrap(e).getMessage() + "); writes reopened");
        }
        return finish(run, CommandResult.DONE, "writes paused until " + run.req.deadline() + " (" + run.req.reason() + ")");
    }

    private CommandResult resume(Run run, String why) throws Exception {
        ClusterTopology t0 = kv.topologyFromLeader().value();
        run.step("PgBouncer RESUME in every region", () -> {
            forEachRegion(List.copyOf(t0.members().keySet()), agent::resumePool);
            return null;
        });
        run.run("writes OPEN in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(), ClusterTopology.Writes.open(), t.members(), why)));
        return finish(run, CommandResult.DONE, "writes open: " + why);
    }

    private CommandResult migrate(Run run) throws Exception {
        ClusterTopology t0 = kv.topologyFromLeader().value();
        if (t0.writes().paused(clock.instant())) {
            throw new CommandRefusedException("writes are already paused (" + t0.writes().reason() + ", by " + t0.writes().by() + ")");
        }
        List<String> regions = List.copyOf(t0.members().keySet());
        String primary = t0.primary();
        List<String> replicas = regions.stream().filter(r -> !r.equals(primary)).toList();
        ClusterView v = run.step("preflight: every replica reachable", () -> {
            ClusterView cv = view();
            List<String> down = replicas.stream().filter(r -> !cv.node(r).reachable()).toList();
            if (down.isEmpty() && cv.node(primary).writable()) {
                return cv;
            }
            throw new CommandRefusedException("migrate needs the primary writable and every replica reachable; not: "
                    + (down.isEmpty() ? primary : down));
        });
        Operation op = run.step("claim the operation", () -> claim(run, v.topology(), primary, primary));
        try {
            run.run("writes PAUSED in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(),
                    paused("migration " + run.req.id() + (run.req.reason() == null ? "" : ": " + run.req.reason()), run.req.principal(),
                            run.req.deadline()), t.members(), "migrate " + run.req.id())));
            run.step("PgBouncer PAUSE in every region", () -> {
                forEachRegion(regions, r -> agent.pausePool(r, settings.pauseTimeout()));
                return null;
            });
            stage(op, "apply");
            long lsn = run.step("apply the migration on " + primary, () -> agent.apply(primary, run.req.sql(), Duration.ofMinutes(5)));
            run.step("every replica replays past " + Lsn.format(lsn), () -> awaitReplay(replicas, lsn));
        } finally {
            try {
                run.step("PgBouncer RESUME in every region", () -> {
                    forEachRegion(regions, agent::resumePool);
                    return null;
                });
            } finally {
                run.run("writes OPEN in the control KV", () -> cas(t -> with(t, t.epoch(), t.primary(), ClusterTopology.Writes.open(),
                        t.members(), "migrate " + run.req.id() + " done")));
                endOperation();
            }
        }
        return finish(run, CommandResult.DONE, "migration applied on " + primary + " and replayed by " + replicas);
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
            return run.result(CommandResult.DONE, "status", leadership.leader(), v.primary(), v.topology().epoch(), data);
        } catch (Exception e) {
            return run.result(CommandResult.FAILED, "status unavailable: " + e.getMessage(), leadership.leader(), null, null, null);
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
        List<String> regions = List.copyOf(t.members().keySet());
        switch (d.action()) {
            case FINISH -> {
                if (!t.primary().equals(op.to())) {
                    run.run("epoch++ and new primary in the control KV", () -> cas(x -> with(x, x.epoch() + 1, op.to(), x.writes(),
                            Preflight.members(x, op.to(), op.from()), "recovery of " + op.id())));
                }
                run.run("repoint PgBouncer in every region", () -> {
                    forEachRegion(regions, r -> agent.repointPool(r, op.to()));
                    return null;
                });
                List<String> others = regions.stream().filter(r -> !r.equals(op.to()) && !r.equals(op.from())).toList();
                run.run("repoint replicas", () -> {
                    forEachRegion(others, r -> agent.follow(r, op.to()));
                    return null;
                });
                run.run("PgBouncer RESUME", () -> {
                    forEachRegion(regions, agent::resumePool);
                    return null;
                });
                run.run("writes OPEN", () -> cas(x -> with(x, x.epoch(), x.primary(), ClusterTopology.Writes.open(), x.members(),
                        "recovery of " + op.id())));
                if (op.verb().equals("switchover")) {
                    // A switchover promotes only after the old primary stopped cleanly and the
                    // candidate replayed its shutdown checkpoint: it can follow without a rewind.
                    run.step("rejoin " + op.from(), () -> agent.rejoin(op.from(), op.to(), true, Duration.ofSeconds(60)));
                    run.run("members updated", () -> cas(x -> with(x, x.epoch(), x.primary(), x.writes(),
                            Preflight.members(x, x.primary(), null), "recovery of " + op.id())));
                }
                kv.endOperation();
                finish(run, CommandResult.DONE, d.reason());
            }
            case ROLL_BACK -> {
                if (op.verb().equals("switchover")) {
                    // The predecessor may have stopped the old primary already: it is intact (writes were
                    // paused and nothing was promoted), so it simply starts again as the primary.
                    run.run("start " + op.from() + " if stopped", () -> agent.restart(op.from()));
                    run.run("unfence " + op.from(), () -> {
                        agent.unfence(op.from());
                        return null;
                    });
                } else if (from != null && from.reachable() && !from.inRecovery()) {
                    run.run("unfence " + op.from(), () -> {
                        agent.unfence(op.from());
                        return null;
                    });
                }
                run.run("PgBouncer RESUME", () -> {
                    forEachRegion(regions, r -> {
                        try {
                            agent.resumePool(r);
                        } catch (RuntimeException ignored) {
                            // an unreachable pooler resumes when repaired
                        }
                    });
                    return null;
                });
                run.run("writes OPEN", () -> cas(x -> with(x, x.epoch(), x.primary(), ClusterTopology.Writes.open(), x.members(),
                        "rolled back " + op.id())));
                kv.endOperation();
                finish(run, CommandResult.ROLLED_BACK, d.reason());
            }
            case RESUME_WRITES -> {
                resume(run, d.reason());
                kv.endOperation();
            }
            case NONE -> { }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        worker.shutdownNow();
        fanout.shutdownNow();
    }
}

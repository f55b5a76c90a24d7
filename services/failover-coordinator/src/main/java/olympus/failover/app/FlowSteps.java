package olympus.failover.app;

import io.micrometer.core.instrument.MeterRegistry;
import olympus.failover.core.ClusterView;
import olympus.failover.core.Flow.Action;
import olympus.failover.core.Flow.Done;
import olympus.failover.core.Flow.FlowStep;
import olympus.failover.core.Flow.Progress;
import olympus.failover.core.Flow.Timeouts;
import olympus.failover.core.NodeAgent;
import olympus.failover.core.NodeStatus;
import olympus.failover.core.Preflight;
import olympus.failover.nats.ControlKv;
import olympus.wire.ClusterTopology;
import olympus.wire.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * What each {@link Action} does, for one command: the agent and control-KV calls behind a plan's
 * steps. It decides nothing about order or rollback (the plan does); it holds the command's
 * background work (a failover's PAUSE, the replicas' repointing) between the step that starts it
 * and the step that waits for it.
 */
final class FlowSteps implements FlowRunner.Steps {
    private static final Logger LOG = LoggerFactory.getLogger(FlowSteps.class);

    /**
     * A failover's PAUSE only makes clients wait instead of failing; it must not hold the new
     * primary back. A pooler whose server connections hang on a cut-off primary cannot finish a
     * PAUSE (seen in HostsIT: 2 s, the whole timeout, in both surviving regions), so it gets
     * half a second and the failover goes on without it.
     */
    static final Duration FAILOVER_PAUSE = Duration.ofMillis(500);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(60);
    static final Duration REJOIN_AFTER_FAILOVER_TIMEOUT = Duration.ofSeconds(90);
    static final Duration APPLY_TIMEOUT = Duration.ofMinutes(5);
    /**
     * A follow is a reload, unless the replica holds WAL past the new primary's fork point (a
     * failover to a less advanced replica): then its agent rewinds it, as long as a rejoin.
     */
    static final Duration FOLLOW_TIMEOUT = REJOIN_AFTER_FAILOVER_TIMEOUT;

    /**
     * What the command is, for the reasons written with the topology.
     *
     * @param verb         the verb's token ("switchover", "rejoin", ...)
     * @param label        the topology changes' reason ("switchover ID", "recovery of ID")
     * @param from         the old primary (rejoin: the region rejoining)
     * @param to           the new primary (rejoin: the primary it follows)
     * @param pausedReason the reason shown with writes PAUSED
     * @param deadline     when paused writes reopen by themselves (null: not by themselves)
     * @param view         what the preflight saw (a failover's fence names why the old primary was not asked)
     */
    record Context(String verb, String label, String principal, String from, String to, boolean forced, String pausedReason,
                   java.time.Instant deadline, String sql, ClusterView view) {
        static Context of(olympus.failover.core.CommandRequest req, String label, String from, String to, String pausedReason, ClusterView view) {
            return new Context(req.verb().token(), label, req.principal(), from, to, req.force(), pausedReason, req.deadline(), req.sql(), view);
        }
    }

    private final Context c;
    private final NodeAgent agent;
    private final TopologyWriter writer;
    private final ControlKv kv;
    private final ExecutorService fanout;
    private final Coordinator.Settings settings;
    private final MeterRegistry metrics;
    private CompletableFuture<String> pausing;
    private CompletableFuture<String> following;

    FlowSteps(Context c, NodeAgent agent, TopologyWriter writer, ControlKv kv, ExecutorService fanout, Coordinator.Settings settings,
              MeterRegistry metrics) {
        this.c = c;
        this.agent = agent;
        this.writer = writer;
        this.kv = kv;
        this.fanout = fanout;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** The worst cases the plans give their steps: the timeouts the steps below use. */
    static Timeouts timeouts(Coordinator.Settings s) {
        long margin = 5_000; // RemoteNodeAgent's round trip and queue margin
        return new Timeouts(10_000 + margin, s.pauseTimeout().toMillis() + margin, STOP_TIMEOUT.toMillis() + margin,
                s.catchUpTimeout().toMillis(), s.promoteTimeout().toMillis() + margin, REJOIN_AFTER_FAILOVER_TIMEOUT.toMillis() + margin, 2_000,
                APPLY_TIMEOUT.toMillis() + margin);
    }

    @Override
    public Done run(FlowStep s, Progress p) throws Exception {
        Action a = s.action();
        List<String> rs = s.regions();
        return switch (a) {
            case PAUSE_WRITES -> {
                writer.cas(t -> writer.with(t, t.epoch(), t.primary(), writer.paused(c.pausedReason(), c.principal(), c.deadline()),
                        t.members(), c.label() + ": pausing writes"));
                yield Done.ok(a, null);
            }
            case PAUSE_POOLS -> Done.ok(a, each(s, r -> agent.pausePool(r, settings.pauseTimeout())));
            case START_PAUSE_POOLS -> {
                if (rs.isEmpty()) {
                    yield Done.ok(a, null); // nothing to pause: the waiting step reports the plan's note
                }
                pausing = CompletableFuture.supplyAsync(() -> {
                    String failed = each(s, r -> agent.pausePool(r, FAILOVER_PAUSE));
                    return failed == null ? "paused " + rs : failed;
                }, fanout);
                yield Done.ok(a, null);
            }
            case AWAIT_PAUSE_POOLS -> Done.ok(a, pausing == null ? null : join(pausing));
            case FENCE -> Done.ok(a, agent.fence(c.from()));
            case FENCE_IF_REACHABLE -> Done.ok(a, fenceIfReachable(rs));
            case STOP -> Done.ok(a, Lsn.format(agent.shutDown(c.from(), STOP_TIMEOUT)));
            // past the old primary's shutdown checkpoint (switchover), or to the migration's commit
            case AWAIT_REPLAY -> Done.ok(a, p.ran(Action.STOP) ? awaitReplay(rs, Lsn.parse(p.detail(Action.STOP)) + 1)
                    : awaitReplay(rs, Lsn.parse(p.detail(Action.APPLY))));
            case APPLY -> Done.ok(a, Lsn.format(agent.apply(c.from(), c.sql(), APPLY_TIMEOUT)));
            case PROMOTE -> {
                agent.promote(c.to(), settings.promoteTimeout());
                yield Done.ok(a, null);
            }
            case PUBLISH_PRIMARY -> {
                ClusterTopology next = writer.cas(t -> writer.with(t, t.epoch() + 1, c.to(), t.writes(), Preflight.members(t, c.to(), c.from()),
                        c.label() + ": " + c.from() + " -> " + c.to() + (c.forced() ? " (FORCED)" : "")));
                yield Done.ok(a, "epoch " + next.epoch());
            }
            case START_FOLLOW -> {
                following = CompletableFuture.supplyAsync(() -> follow(s, c.to()), fanout);
                yield Done.ok(a, null);
            }
            case AWAIT_FOLLOW -> Done.ok(a, following == null ? null : join(following));
            case REPOINT_POOLS -> Done.ok(a, each(s, r -> agent.repointAndResume(r, c.to())));
            case REPOINT_POOLS_ONLY -> Done.ok(a, each(s, r -> agent.repointPool(r, c.to())));
            case FOLLOW -> Done.ok(a, follow(s, c.to()));
            case RESUME_POOLS -> Done.ok(a, each(s, agent::resumePool));
            case OPEN_WRITES -> {
                writer.open(p.failure() != null ? c.label() + ": writes reopened after a failure" : c.label() + ": writes open");
                yield Done.ok(a, null);
            }
            // After a switchover the old primary stopped cleanly and the new one replayed its
            // shutdown checkpoint: it follows without a rewind. A failover's old primary may need one.
            case REJOIN -> Done.ok(a, c.verb().equals("rejoin") ? agent.rejoin(c.from(), c.to(), false, REJOIN_AFTER_FAILOVER_TIMEOUT)
                    : agent.rejoin(c.from(), c.to(), true, REJOIN_TIMEOUT));
            case UPDATE_MEMBERS -> {
                writer.cas(t -> writer.with(t, t.epoch(), t.primary(), t.writes(), Preflight.members(t, t.primary(), null),
                        c.label() + ": " + c.from() + " rejoined"));
                yield Done.ok(a, null);
            }
            case END_OPERATION -> {
                kv.endOperation();
                yield Done.ok(a, null);
            }
            case CHECK_FOLLOWERS -> Done.ok(a, checkFollowers(rs));
            case RESTART -> Done.ok(a, agent.restart(c.from()));
            case UNFENCE -> {
                agent.unfence(c.from());
                yield Done.ok(a, null);
            }
            case RECHECK_CANDIDATE -> {
                // A PAUSE, not a RESUME: the old primary is still fenced, and a resumed pooler would
                // send its waiting clients there (LeaderIT: "cannot execute INSERT in a read-only
                // transaction"). The agent stores the token before acting, so even a PAUSE it cannot
                // do (already paused) makes it refuse the predecessor's late requests.
                try {
                    agent.pausePool(c.to(), FAILOVER_PAUSE);
                } catch (RuntimeException e) {
                    LOG.info("the candidate {}'s PgBouncer PAUSE (sent for this leader's token) failed ({}); asking its state anyway",
                            c.to(), e.getMessage());
                }
                NodeStatus now = agent.status(c.to());
                yield Done.observed(a, now.describe(), now.reachable() && !now.inRecovery());
            }
        };
    }

    /** Each region's replica follows {@code primary}; the detail names the ones that had to be rewound first. */
    private String follow(FlowStep s, String primary) {
        List<String> rewound = new CopyOnWriteArrayList<>();
        String failed = each(s, r -> {
            String d = agent.follow(r, primary, FOLLOW_TIMEOUT);
            if (d != null && d.contains("rewinding")) {
                rewound.add(r + ": " + d);
            }
        });
        String out = rewound.isEmpty() ? null : "rewound before following: " + rewound;
        return failed == null ? out : out == null ? failed : out + "; " + failed;
    }

    /**
     * The action in every region of the step at once. A step whose regions may fail names the
     * ones that did in its detail (null: none did); otherwise the first failure fails the step.
     */
    private String each(FlowStep s, Consumer<String> action) {
        List<String> failed = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String r : s.regions()) {
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    action.accept(r);
                } catch (RuntimeException e) {
                    if (!s.regionsMayFail()) {
                        throw e;
                    }
                    failed.add(r + ": " + e.getMessage());
                }
            }, fanout));
        }
        join(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
        return failed.isEmpty() ? null : "failed: " + failed;
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw Coordinator.unwrap(e);
        }
    }

    /**
     * A failover asks the old primary's agent to fence it when it can be reached. When it cannot,
     * the agent on that host fences it by itself once it has lost the control quorum for its fence
     * time, which every agent checks at start-up is shorter than the grace before an unforced
     * failover may promote; a forced failover takes that risk on the SRE's word.
     */
    private String fenceIfReachable(List<String> regions) {
        if (regions.isEmpty()) {
            return "not asked: " + c.from() + "'s host is unreachable (" + c.view().node(c.from()).error() + "); its node agent fences it on "
                    + "losing the control quorum";
        }
        try {
            return agent.fence(c.from());
        } catch (RuntimeException e) {
            return "NOT fenced by request (" + e.getMessage() + "); its node agent fences it on losing the control quorum";
        }
    }

    private String awaitReplay(List<String> regions, long lsn) {
        return awaitReplay(agent, settings.catchUpTimeout(), regions, lsn);
    }

    /** Until every region replayed past {@code lsn}, or the timeout (an exception naming who is behind). */
    static String awaitReplay(NodeAgent agent, Duration timeout, List<String> regions, long lsn) {
        long deadline = System.nanoTime() + timeout.toNanos();
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
                throw new IllegalStateException("not caught up to " + Lsn.format(lsn) + " within " + timeout.toSeconds()
                        + " s: " + behind);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }

    /**
     * After the primary changed: do the replicas replay what the new primary writes? The change
     * stands either way (writes are open), so a replica that does not follow is a warning in the
     * result, not a failure. Seen in PartitionIT: after a failover, a rejoin by re-cloning and a
     * switchover back, a repointed replica looped on "requested WAL segment ... has already been
     * removed" while the switchover said only DONE.
     */
    private String checkFollowers(List<String> replicas) {
        NodeStatus p = agent.status(c.to());
        if (p.walLsn() == null) {
            return "; not checked whether " + replicas + " follow " + c.to() + ": its position is unknown (" + p.describe() + ")";
        }
        try {
            awaitReplay(replicas, p.walLsn());
            return null;
        } catch (IllegalStateException e) {
            metrics.counter("olympus_failover_replicas_not_following").increment();
            LOG.warn("replicas not following {} after the primary change: {}", c.to(), e.getMessage());
            return "; WARNING replicas do not follow " + c.to() + " (" + e.getMessage()
                    + "): read each one's PostgreSQL log; one that needs WAL " + c.to()
                    + " no longer has (\"requested WAL segment ... has already been removed\") must be cloned again from " + c.to()
                    + " with pg_basebackup";
        }
    }
}

package olympus.failover.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The vocabulary of a verb's flow as a step machine. A plan ({@link SwitchoverPlan},
 * {@link FailoverPlan}, {@link RecoveryPlan}) is pure: given what has been done so far
 * ({@link Progress}) it returns the next step with its reason, or the outcome. The runner
 * (app.FlowRunner) does the step, records what happened and asks again; so the step order and
 * every refusal and rollback are decided here and unit-tested with tables, without any server.
 */
public final class Flow {
    private Flow() {}

    /** A verb's flow: the next step (or the outcome) given what has been done so far. */
    public interface Plan {
        Next next(Progress p);
    }

    /** What a step does; the runner maps each to one agent or control-KV call. */
    public enum Action {
        /** Writes PAUSED in the control KV (clients and routers see it). */
        PAUSE_WRITES,
        /** PgBouncer PAUSE in the step's regions (clients wait instead of failing). */
        PAUSE_POOLS,
        /** Start {@link #PAUSE_POOLS} in the background (failover: it must not hold the promotion back). */
        START_PAUSE_POOLS,
        /** Wait for the background PAUSE; its failures are reported, not fatal. */
        AWAIT_PAUSE_POOLS,
        /** Fence the old primary (read-only, sessions ended). */
        FENCE,
        /** Fence the old primary if its host answers; never fails (its own agent self-fences). */
        FENCE_IF_REACHABLE,
        /** Stop the old primary cleanly; its detail is the final LSN. */
        STOP,
        /** The candidate replays past the old primary's final LSN. */
        AWAIT_REPLAY,
        PROMOTE,
        /** Epoch+1 and the new primary in the control KV: from here on the only way is forward. */
        PUBLISH_PRIMARY,
        /** Start repointing the other replicas to the new primary in the background. */
        START_FOLLOW,
        /** PgBouncer repointed to the new primary and resumed. */
        REPOINT_POOLS,
        /** PgBouncer repointed only (recovery resumes separately, after the replicas follow). */
        REPOINT_POOLS_ONLY,
        /** Wait for {@link #START_FOLLOW}. */
        AWAIT_FOLLOW,
        /** The other replicas follow the new primary (recovery: in the foreground). */
        FOLLOW,
        /** PgBouncer RESUME. */
        RESUME_POOLS,
        /** Writes OPEN in the control KV. */
        OPEN_WRITES,
        /** The old primary rejoins as a replica of the new one. */
        REJOIN,
        /** Members in the control KV updated (the rejoined region is a replica again). */
        UPDATE_MEMBERS,
        /** The operation key cleared: the next command may start. */
        END_OPERATION,
        /** Do the replicas replay what the new primary writes? A warning in the result, never a failure. */
        CHECK_FOLLOWERS,
        /** Apply a migration's SQL on the primary; its detail is the commit's LSN. */
        APPLY,
        /** Roll back: start the old primary again if it was stopped. */
        RESTART,
        /** Roll back: lift the old primary's fence. */
        UNFENCE,
        /**
         * Recovery: a mutating request to the candidate's agent (its PgBouncer PAUSE, harmless
         * while writes are paused), so that
         * agent has seen this leader's fencing token and refuses any late request of the leader
         * before; then the candidate is asked again whether it was promoted meanwhile.
         */
        RECHECK_CANDIDATE
    }

    /**
     * One step to run.
     *
     * @param name        as shown to the SRE and audited
     * @param regions     whom it addresses (empty when it is a control-KV write)
     * @param stage       recorded in the operation key before the step starts (null: unchanged)
     * @param worstCaseMs how long it may take at worst (its timeout): it starts only if this fits
     *                    the leader's remaining lease ({@link LeaseBudget})
     * @param mayFail     whether its failure is recorded (FAILED) and the flow goes on (rollback steps)
     * @param regionsMayFail whether a region that fails is named in the detail and the others go on
     * @param note        the detail recorded when the step itself reports none (null: none)
     */
    public record FlowStep(Action action, String name, List<String> regions, String stage, long worstCaseMs, boolean mayFail,
                           boolean regionsMayFail, String note) {
        public FlowStep {
            regions = List.copyOf(regions);
        }

        /** A step the flow cannot go on without. */
        public static FlowStep of(Action a, String name, List<String> regions, long worstCaseMs) {
            return new FlowStep(a, name, regions, null, worstCaseMs, false, false, null);
        }

        public FlowStep at(String newStage) {
            return new FlowStep(action, name, regions, newStage, worstCaseMs, mayFail, regionsMayFail, note);
        }

        public FlowStep bestEffort() {
            return new FlowStep(action, name, regions, stage, worstCaseMs, true, regionsMayFail, note);
        }

        public FlowStep toleratingRegions() {
            return new FlowStep(action, name, regions, stage, worstCaseMs, mayFail, true, note);
        }

        public FlowStep noting(String n) {
            return new FlowStep(action, name, regions, stage, worstCaseMs, mayFail, regionsMayFail, n);
        }

        /** A step that is not shown nor audited on its own (starting background work, clearing the operation key). */
        public boolean silent() {
            return name == null;
        }
    }

    /**
     * What happened to a step.
     *
     * @param detail    what the step reported (the final LSN of STOP, the epoch of PUBLISH_PRIMARY, a
     *                  warning of CHECK_FOLLOWERS) or why it failed
     * @param tolerated it failed, but it was a step allowed to fail: the flow goes on
     * @param fact      a yes/no the step observed (RECHECK_CANDIDATE: the candidate is now a primary)
     */
    public record Done(Action action, boolean ok, String detail, boolean tolerated, boolean fact) {
        public static Done ok(Action a, String detail) {
            return new Done(a, true, detail, false, false);
        }

        public static Done observed(Action a, String detail, boolean fact) {
            return new Done(a, true, detail, false, fact);
        }

        public static Done failed(Action a, String why) {
            return new Done(a, false, why, false, false);
        }

        public static Done tolerated(Action a, String why) {
            return new Done(a, false, why, true, false);
        }
    }

    /** The steps done so far, in order; immutable. */
    public record Progress(List<Done> done) {
        public static final Progress START = new Progress(List.of());

        public Progress {
            done = List.copyOf(done);
        }

        public Progress with(Done d) {
            List<Done> l = new ArrayList<>(done);
            l.add(d);
            return new Progress(l);
        }

        /** Whether the action was run (whatever its outcome). */
        public boolean ran(Action a) {
            return find(a) != null;
        }

        public boolean succeeded(Action a) {
            Done d = find(a);
            return d != null && d.ok();
        }

        /** The first failure of a step the flow cannot go on without, or null. */
        public Done failure() {
            for (Done d : done) {
                if (!d.ok() && !d.tolerated()) {
                    return d;
                }
            }
            return null;
        }

        /** Those of {@code actions} that ran and failed (tolerated or not), as "ACTION (why)". */
        public List<String> failedAmong(Action... actions) {
            List<String> l = new ArrayList<>();
            for (Action a : actions) {
                Done d = find(a);
                if (d != null && !d.ok()) {
                    l.add(a + " (" + d.detail() + ")");
                }
            }
            return l;
        }

        public String detail(Action a) {
            Done d = find(a);
            return d == null ? null : d.detail();
        }

        public boolean fact(Action a) {
            Done d = find(a);
            return d != null && d.fact();
        }

        private Done find(Action a) {
            for (Done d : done) {
                if (d.action() == a) {
                    return d;
                }
            }
            return null;
        }
    }

    /** The next step, or the outcome ({@link CommandResult#DONE}, FAILED, ROLLED_BACK) with its reason. */
    public record Next(FlowStep step, String outcome, String reason) {
        public static Next step(FlowStep s) {
            return new Next(s, null, null);
        }

        public static Next finish(String outcome, String reason) {
            return new Next(null, outcome, reason);
        }

        public boolean finished() {
            return step == null;
        }
    }

    /** The configured timeouts a plan gives its steps as their worst cases. */
    public record Timeouts(long agentMs, long pauseMs, long stopMs, long catchUpMs, long promoteMs, long rejoinMs, long kvMs, long applyMs) {}

    /** The first action of {@code order} not yet run, or null when all have run. */
    static Action firstNotRun(Progress p, Action... order) {
        for (Action a : order) {
            if (!p.ran(a)) {
                return a;
            }
        }
        return null;
    }
}

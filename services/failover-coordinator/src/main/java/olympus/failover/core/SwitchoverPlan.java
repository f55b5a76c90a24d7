package olympus.failover.core;

import olympus.failover.core.Flow.Action;
import olympus.failover.core.Flow.Done;
import olympus.failover.core.Flow.FlowStep;
import olympus.failover.core.Flow.Next;
import olympus.failover.core.Flow.Progress;
import olympus.failover.core.Flow.Timeouts;

import java.util.List;

import static olympus.failover.core.Flow.Action.*;

/**
 * A planned switchover from {@code from} to {@code to}, step by step. Nothing is lost: writes are
 * paused (KV, then every PgBouncer) before the old primary is fenced and stopped, and the
 * candidate is promoted only once it has replayed the old primary's shutdown checkpoint.
 *
 * <p>On a failure before the promotion it rolls back (the old primary starts again, unfenced,
 * pools resumed, writes open): the old primary lost nothing. After the promotion there is no way
 * back; while writes are not yet open, the operation stays recorded and the leader finishes it
 * forward ({@link RecoveryPlan}); once they are open, the switchover has happened and what
 * failed (the old primary's rejoin) is the SRE's to retry.
 */
public record SwitchoverPlan(String from, String to, List<String> regions, Timeouts t) implements Flow.Plan {
    public SwitchoverPlan {
        regions = List.copyOf(regions);
    }

    /** The regions other than the old and new primary: replicas that follow the new one. */
    public List<String> others() {
        return regions.stream().filter(r -> !r.equals(to) && !r.equals(from)).toList();
    }

    @Override
    public Next next(Progress p) {
        Done failed = p.failure();
        if (failed == null) {
            return forward(p);
        }
        if (!p.succeeded(PROMOTE)) {
            return rollBack(p, failed);
        }
        if (!p.succeeded(OPEN_WRITES)) {
            return Next.finish(CommandResult.FAILED, failed.detail() + "; " + to + " is promoted but writes are not open yet: "
                    + "the operation stays recorded and the leader finishes it forward");
        }
        if (!p.ran(END_OPERATION)) {
            return Next.step(new FlowStep(END_OPERATION, null, List.of(), null, t.kvMs(), true, false, null));
        }
        return Next.finish(CommandResult.FAILED, "primary is " + to + " (" + p.detail(PUBLISH_PRIMARY) + ") and writes are open, but "
                + failed.detail() + " (olympusctl rejoin --to " + from + " retries the old primary's rejoin)");
    }

    private Next forward(Progress p) {
        Action a = Flow.firstNotRun(p, PAUSE_WRITES, PAUSE_POOLS, FENCE, STOP, AWAIT_REPLAY, PROMOTE, PUBLISH_PRIMARY, START_FOLLOW,
                REPOINT_POOLS, AWAIT_FOLLOW, OPEN_WRITES, REJOIN, UPDATE_MEMBERS, END_OPERATION, CHECK_FOLLOWERS);
        List<String> followers = regions.stream().filter(r -> !r.equals(to)).toList();
        if (a == CHECK_FOLLOWERS && followers.isEmpty()) {
            a = null;
        }
        if (a == null) {
            String check = p.detail(CHECK_FOLLOWERS);
            return Next.finish(CommandResult.DONE, "primary is " + to + " (" + p.detail(PUBLISH_PRIMARY) + "); " + from + ": "
                    + p.detail(REJOIN) + (check == null ? "" : check));
        }
        return Next.step(switch (a) {
            case PAUSE_WRITES -> FlowStep.of(a, "writes PAUSED in the control KV", List.of(), t.kvMs());
            case PAUSE_POOLS -> FlowStep.of(a, "PgBouncer PAUSE in every region", regions, t.pauseMs()).at("pause")
                    .noting("clients wait instead of failing");
            case FENCE -> FlowStep.of(a, "fence old primary " + from, List.of(from), t.agentMs()).at("fence");
            case STOP -> FlowStep.of(a, "stop " + from + " cleanly (its shutdown checkpoint is its last record)", List.of(from), t.stopMs());
            case AWAIT_REPLAY -> FlowStep.of(a, "candidate " + to + " replays past final LSN " + p.detail(STOP), List.of(to), t.catchUpMs());
            case PROMOTE -> FlowStep.of(a, "promote " + to, List.of(to), t.promoteMs()).at("promote");
            case PUBLISH_PRIMARY -> FlowStep.of(a, "epoch++ and new primary in the control KV", List.of(to), t.kvMs());
            case START_FOLLOW -> FlowStep.of(a, null, others(), t.agentMs()).at("repoint");
            case REPOINT_POOLS -> FlowStep.of(a, "repoint PgBouncer in every region to " + to + " and RESUME", regions, t.agentMs())
                    .noting("clients continue on " + to);
            case AWAIT_FOLLOW -> FlowStep.of(a, "repoint replicas " + others(), others(), t.rejoinMs()); // as long as a rewind, see FailoverPlan
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN in the control KV (" + p.detail(PUBLISH_PRIMARY) + ")", List.of(), t.kvMs());
            case REJOIN -> FlowStep.of(a, "rejoin " + from + " as a replica of " + to, List.of(from), t.rejoinMs()).at("rejoin");
            case UPDATE_MEMBERS -> FlowStep.of(a, "members updated", List.of(from), t.kvMs());
            case END_OPERATION -> FlowStep.of(a, null, List.of(), t.kvMs()).bestEffort();
            case CHECK_FOLLOWERS -> FlowStep.of(a, "replicas " + followers + " replay what " + to + " writes", followers, t.catchUpMs())
                    .bestEffort();
            default -> throw new IllegalStateException("not a switchover step: " + a);
        });
    }

    /**
     * Every rollback step is tried, whatever the one before it did: each undoes one thing. The
     * operation key is cleared only once all of them succeeded: a rollback left half done (the old
     * primary still stopped or fenced, a pooler or the writes still PAUSED) stays recorded, so the
     * leader's maintenance runs it again as a recovery ({@link RecoveryPlan}). Cleared anyway,
     * nothing would ever reopen writes (CI saw a stopping leader's rollback steps fail one after
     * another while its clearing of the key went through: writes PAUSED for good).
     */
    private Next rollBack(Progress p, Done failed) {
        Action a = Flow.firstNotRun(p, RESTART, UNFENCE, RESUME_POOLS, OPEN_WRITES);
        if (a == null) {
            List<String> undone = p.failedAmong(RESTART, UNFENCE, RESUME_POOLS, OPEN_WRITES);
            if (!undone.isEmpty()) {
                return Next.finish(CommandResult.FAILED, "switchover failed before promotion (" + failed.detail() + "); the rollback is "
                        + "not complete, " + String.join(", ", undone) + " failed: the operation stays recorded and the leader "
                        + "retries the rollback (" + from + " stays primary)");
            }
            a = Flow.firstNotRun(p, END_OPERATION);
        }
        if (a == null) {
            return Next.finish(CommandResult.ROLLED_BACK, "switchover failed before promotion (" + failed.detail() + "); rolled back: "
                    + from + " stays primary, writes reopened");
        }
        return Next.step((switch (a) {
            case RESTART -> FlowStep.of(a, "roll back: start " + from + " again if stopped", List.of(from), t.stopMs());
            case UNFENCE -> FlowStep.of(a, "roll back: unfence " + from, List.of(from), t.agentMs());
            case RESUME_POOLS -> FlowStep.of(a, "roll back: PgBouncer RESUME", regions, t.agentMs());
            case OPEN_WRITES -> FlowStep.of(a, "roll back: writes OPEN", List.of(), t.kvMs());
            case END_OPERATION -> FlowStep.of(a, null, List.of(), t.kvMs());
            default -> throw new IllegalStateException("not a rollback step: " + a);
        }).bestEffort());
    }
}

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
 * A failover to {@code to}, the candidate {@link Preflight#failover} chose, away from a primary
 * that may be gone. The clock is running: fencing and pausing the poolers go at once, and only
 * the regions that answered the preflight are asked (a cut-off region's agent would only make
 * every step wait for its timeout). With the old primary's host unreachable, nothing is paused:
 * the poolers' connections to it hang and no PAUSE could finish.
 *
 * <p>No rollback: a failure leaves the operation recorded, and the leader either finishes it
 * forward (the candidate was promoted) or abandons it ({@link Recovery}).
 */
public record FailoverPlan(String from, String to, List<String> regions, List<String> reachable, boolean fromReachable,
                           String verdict, Timeouts t) implements Flow.Plan {
    public FailoverPlan {
        regions = List.copyOf(regions);
        reachable = List.copyOf(reachable);
    }

    /** The replicas that follow the new primary: reachable regions other than the old and new primary. */
    public List<String> others() {
        return reachable.stream().filter(r -> !r.equals(to) && !r.equals(from) && regions.contains(r)).toList();
    }

    @Override
    public Next next(Progress p) {
        Done failed = p.failure();
        if (failed != null) {
            return Next.finish(CommandResult.FAILED, failed.detail() + (p.succeeded(PROMOTE)
                    ? "; " + to + " is promoted: the leader finishes the failover forward"
                    : "; " + to + " was not promoted: the leader abandons the failover (re-issue it)"));
        }
        Action a = Flow.firstNotRun(p, PAUSE_WRITES, START_PAUSE_POOLS, FENCE_IF_REACHABLE, AWAIT_PAUSE_POOLS, PROMOTE, PUBLISH_PRIMARY,
                START_FOLLOW, REPOINT_POOLS, AWAIT_FOLLOW, OPEN_WRITES, END_OPERATION, CHECK_FOLLOWERS);
        if (a == CHECK_FOLLOWERS && others().isEmpty()) {
            a = null;
        }
        if (a == null) {
            String check = p.detail(CHECK_FOLLOWERS);
            return Next.finish(CommandResult.DONE, "primary is " + to + " (" + p.detail(PUBLISH_PRIMARY) + "); " + verdict + "; " + from
                    + " stays FENCED until rejoined (olympusctl rejoin --to " + from + ")" + (check == null ? "" : check)
                    + (p.detail(AWAIT_FOLLOW) == null ? "" : "; " + p.detail(AWAIT_FOLLOW)));
        }
        List<String> pausing = fromReachable ? reachable : List.of();
        return Next.step(switch (a) {
            case PAUSE_WRITES -> FlowStep.of(a, "writes PAUSED in the control KV", List.of(), t.kvMs());
            case START_PAUSE_POOLS -> FlowStep.of(a, null, pausing, t.pauseMs()).at("fence").toleratingRegions();
            case FENCE_IF_REACHABLE -> FlowStep.of(a, "fence old primary " + from, fromReachable ? List.of(from) : List.of(), t.agentMs())
                    .noting(fromReachable ? null : "not asked: " + from + "'s host is unreachable; its node agent fences it on losing the control quorum");
            case AWAIT_PAUSE_POOLS -> FlowStep.of(a, "PgBouncer PAUSE where reachable", pausing, t.pauseMs()).toleratingRegions()
                    .noting(fromReachable ? null : "skipped: " + from + "'s host is unreachable, so the poolers' connections to it hang and no PAUSE could finish");
            case PROMOTE -> FlowStep.of(a, "promote " + to, List.of(to), t.promoteMs()).at("promote").noting(verdict);
            case PUBLISH_PRIMARY -> FlowStep.of(a, "epoch++ and new primary in the control KV", List.of(to), t.kvMs());
            case START_FOLLOW -> FlowStep.of(a, null, others(), t.agentMs()).at("repoint");
            // A region that did not answer the preflight would only hold the new primary's writes
            // back for a request timeout; its pooler is repointed when it is rejoined.
            case REPOINT_POOLS -> FlowStep.of(a, "repoint PgBouncer to " + to + " and RESUME where reachable", reachable, t.agentMs())
                    .toleratingRegions();
            // A replica that received more of the old primary's WAL than the candidate is rewound
            // here (its agent does it): writes stay paused meanwhile, so that no read routed to it
            // compares a new-timeline LSN with WAL the new primary never had.
            case AWAIT_FOLLOW -> FlowStep.of(a, "repoint replicas " + others(), others(), t.rejoinMs());
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN in the control KV", List.of(), t.kvMs());
            case END_OPERATION -> FlowStep.of(a, null, List.of(), t.kvMs()).bestEffort();
            case CHECK_FOLLOWERS -> FlowStep.of(a, "replicas " + others() + " replay what " + to + " writes", others(), t.catchUpMs())
                    .bestEffort();
            default -> throw new IllegalStateException("not a failover step: " + a);
        });
    }
}

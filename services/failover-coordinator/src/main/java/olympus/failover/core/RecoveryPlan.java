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
 * How a leader drives an operation left unfinished (by a dead predecessor, or by its own command
 * that failed mid-way) to an end, as {@link Recovery} decided.
 *
 * <p>Before it rolls anything back, it checks again: the predecessor's promotion may still have
 * been in flight when {@link Recovery} looked at the candidate. So the candidate's agent is sent
 * a request with this leader's fencing token first (from then on it refuses the predecessor's),
 * and the candidate is asked once more; promoted after all, the operation is finished forward.
 *
 * @param primaryInKv   the primary the control KV names now
 * @param fromIsPrimary the old primary answers as a writable-or-fenced primary (a failover's
 *                      rollback unfences it only then)
 */
public record RecoveryPlan(Operation op, Recovery.Decision decision, String primaryInKv, boolean fromIsPrimary, List<String> regions,
                           Timeouts t) implements Flow.Plan {
    public RecoveryPlan {
        regions = List.copyOf(regions);
    }

    private boolean switchover() {
        return op.verb().equals("switchover");
    }

    @Override
    public Next next(Progress p) {
        Done failed = p.failure();
        if (failed != null) {
            return Next.finish(CommandResult.FAILED, "recovery of " + op.verb() + " " + op.id() + " failed (" + failed.detail()
                    + "); the operation stays recorded and is tried again");
        }
        return switch (decision.action()) {
            case NONE -> Next.finish(CommandResult.DONE, decision.reason());
            case RESUME_WRITES -> resumeWrites(p);
            case FINISH -> finish(p, decision.reason());
            case ROLL_BACK -> {
                if (!p.ran(RECHECK_CANDIDATE)) {
                    yield Next.step(FlowStep.of(RECHECK_CANDIDATE, "re-check " + op.to() + " before rolling back", List.of(op.to()), t.agentMs()));
                }
                yield p.fact(RECHECK_CANDIDATE)
                        ? finish(p, op.verb() + " " + op.id() + ": " + op.to() + " was promoted after all (" + p.detail(RECHECK_CANDIDATE)
                        + "), finishing forward")
                        : rollBack(p);
            }
        };
    }

    private Next resumeWrites(Progress p) {
        Action a = Flow.firstNotRun(p, RESUME_POOLS, OPEN_WRITES, END_OPERATION);
        if (a == null) {
            return Next.finish(CommandResult.DONE, "writes open: " + decision.reason());
        }
        return Next.step(switch (a) {
            case RESUME_POOLS -> FlowStep.of(a, "PgBouncer RESUME in every region", regions, t.agentMs());
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN in the control KV", List.of(), t.kvMs());
            default -> FlowStep.of(a, null, List.of(), t.kvMs());
        });
    }

    private Next finish(Progress p, String reason) {
        List<String> others = regions.stream().filter(r -> !r.equals(op.to()) && !r.equals(op.from())).toList();
        List<Action> order = new java.util.ArrayList<>();
        if (!op.to().equals(primaryInKv)) {
            order.add(PUBLISH_PRIMARY); // else the predecessor published it already
        }
        order.addAll(List.of(REPOINT_POOLS_ONLY, FOLLOW, RESUME_POOLS, OPEN_WRITES));
        if (switchover()) {
            order.addAll(List.of(REJOIN, UPDATE_MEMBERS));
        }
        order.add(END_OPERATION);
        Action a = Flow.firstNotRun(p, order.toArray(Action[]::new));
        if (a == null) {
            return Next.finish(CommandResult.DONE, reason);
        }
        return Next.step(switch (a) {
            case PUBLISH_PRIMARY -> FlowStep.of(a, "epoch++ and new primary in the control KV", List.of(op.to()), t.kvMs());
            case REPOINT_POOLS_ONLY -> FlowStep.of(a, "repoint PgBouncer in every region", regions, t.agentMs());
            case FOLLOW -> FlowStep.of(a, "repoint replicas", others, t.rejoinMs()); // a diverged replica is rewound first
            case RESUME_POOLS -> FlowStep.of(a, "PgBouncer RESUME", regions, t.agentMs());
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN", List.of(), t.kvMs());
            // A switchover promotes only after the old primary stopped cleanly and the candidate
            // replayed its shutdown checkpoint: it can follow without a rewind.
            case REJOIN -> FlowStep.of(a, "rejoin " + op.from(), List.of(op.from()), t.rejoinMs());
            case UPDATE_MEMBERS -> FlowStep.of(a, "members updated", List.of(op.from()), t.kvMs());
            default -> FlowStep.of(a, null, List.of(), t.kvMs());
        });
    }

    private Next rollBack(Progress p) {
        // The predecessor may have stopped the old primary of a switchover already: it is intact
        // (writes were paused and nothing was promoted), so it simply starts again as the primary.
        Action a = switchover()
                ? Flow.firstNotRun(p, RESTART, UNFENCE, RESUME_POOLS, OPEN_WRITES, END_OPERATION)
                : fromIsPrimary
                ? Flow.firstNotRun(p, UNFENCE, RESUME_POOLS, OPEN_WRITES, END_OPERATION)
                : Flow.firstNotRun(p, RESUME_POOLS, OPEN_WRITES, END_OPERATION);
        if (a == null) {
            return Next.finish(CommandResult.ROLLED_BACK, decision.reason());
        }
        return Next.step(switch (a) {
            case RESTART -> FlowStep.of(a, "start " + op.from() + " if stopped", List.of(op.from()), t.stopMs());
            case UNFENCE -> FlowStep.of(a, "unfence " + op.from(), List.of(op.from()), t.agentMs());
            // an unreachable pooler resumes when its region is repaired
            case RESUME_POOLS -> FlowStep.of(a, "PgBouncer RESUME", regions, t.agentMs()).toleratingRegions();
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN", List.of(), t.kvMs());
            default -> FlowStep.of(a, null, List.of(), t.kvMs());
        });
    }
}

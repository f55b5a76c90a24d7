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
 * The flows that pause writes without changing the primary: {@code pause} (until a deadline),
 * {@code resume}, and {@code migrate} (paused while the SQL is applied on the primary and every
 * replica replays it, so no client reads a replica without the new schema).
 *
 * <p>Whatever happens after writes were paused, a migration resumes the pools and reopens writes;
 * a pause that could not pause every pooler reopens them too (a half-paused cluster is worse than
 * none: the SRE's change would run against clients that still write).
 */
public record WritesPlan(Verb verb, String primary, List<String> regions, String why, Timeouts t) implements Flow.Plan {
    public WritesPlan {
        regions = List.copyOf(regions);
    }

    public List<String> replicas() {
        return regions.stream().filter(r -> !r.equals(primary)).toList();
    }

    @Override
    public Next next(Progress p) {
        return switch (verb) {
            case PAUSE -> pause(p);
            case MIGRATE -> migrate(p);
            default -> resume(p);
        };
    }

    private Next pause(Progress p) {
        Done failed = p.failure();
        if (failed != null && failed.action() == PAUSE_WRITES) {
            return Next.finish(CommandResult.FAILED, failed.detail());
        }
        Action a = failed == null ? Flow.firstNotRun(p, PAUSE_WRITES, PAUSE_POOLS) : Flow.firstNotRun(p, RESUME_POOLS, OPEN_WRITES);
        if (a == null) {
            List<String> undone = failed == null ? List.of() : p.failedAmong(RESUME_POOLS, OPEN_WRITES);
            // A pause records no operation, so no leader would retry a reopening that failed: say so.
            return failed == null
                    ? Next.finish(CommandResult.DONE, "writes paused " + why)
                    : undone.isEmpty()
                    ? Next.finish(CommandResult.ROLLED_BACK, "could not pause every pooler (" + failed.detail() + "); writes reopened")
                    : Next.finish(CommandResult.FAILED, "could not pause every pooler (" + failed.detail() + ") nor reopen writes ("
                    + String.join(", ", undone) + " failed): run olympusctl resume once the cause is fixed");
        }
        return Next.step(switch (a) {
            case PAUSE_WRITES -> FlowStep.of(a, "writes PAUSED in the control KV " + why, List.of(), t.kvMs());
            case PAUSE_POOLS -> FlowStep.of(a, "PgBouncer PAUSE in every region", regions, t.pauseMs());
            case RESUME_POOLS -> FlowStep.of(a, "PgBouncer RESUME in every region", regions, t.agentMs()).bestEffort();
            default -> FlowStep.of(a, "writes OPEN in the control KV", List.of(), t.kvMs()).bestEffort();
        });
    }

    private Next resume(Progress p) {
        Done failed = p.failure();
        Action a = failed == null ? Flow.firstNotRun(p, RESUME_POOLS, OPEN_WRITES) : null;
        if (a == null) {
            return failed == null
                    ? Next.finish(CommandResult.DONE, "writes open: " + why)
                    : Next.finish(CommandResult.FAILED, failed.detail());
        }
        return Next.step(a == RESUME_POOLS
                ? FlowStep.of(a, "PgBouncer RESUME in every region", regions, t.agentMs())
                : FlowStep.of(a, "writes OPEN in the control KV", List.of(), t.kvMs()));
    }

    private Next migrate(Progress p) {
        Done failed = p.failure();
        Action a = failed == null
                ? Flow.firstNotRun(p, PAUSE_WRITES, PAUSE_POOLS, APPLY, AWAIT_REPLAY, RESUME_POOLS, OPEN_WRITES, END_OPERATION)
                : Flow.firstNotRun(p, RESUME_POOLS, OPEN_WRITES);
        if (a == null && failed != null) {
            // The operation key is cleared only if writes really reopened: kept, the leader's
            // maintenance reopens them (RecoveryPlan); cleared, nothing would.
            List<String> undone = p.failedAmong(RESUME_POOLS, OPEN_WRITES);
            if (!undone.isEmpty()) {
                return Next.finish(CommandResult.FAILED, failed.detail() + (p.succeeded(APPLY) ? " (the migration was applied on "
                        + primary + " at " + p.detail(APPLY) + ")" : "") + "; writes are still PAUSED, " + String.join(", ", undone)
                        + " failed: the operation stays recorded and the leader reopens them");
            }
            a = Flow.firstNotRun(p, END_OPERATION);
        }
        if (a == null) {
            return failed == null
                    ? Next.finish(CommandResult.DONE, "migration applied on " + primary + " and replayed by " + replicas())
                    : Next.finish(CommandResult.FAILED, failed.detail() + (p.succeeded(APPLY)
                    ? " (the migration was applied on " + primary + " at " + p.detail(APPLY) + "); writes reopened"
                    : "; writes reopened"));
        }
        FlowStep s = switch (a) {
            case PAUSE_WRITES -> FlowStep.of(a, "writes PAUSED in the control KV", List.of(), t.kvMs());
            case PAUSE_POOLS -> FlowStep.of(a, "PgBouncer PAUSE in every region", regions, t.pauseMs());
            case APPLY -> FlowStep.of(a, "apply the migration on " + primary, List.of(primary), t.applyMs()).at("apply");
            case AWAIT_REPLAY -> FlowStep.of(a, "every replica replays past " + p.detail(APPLY), replicas(), t.catchUpMs());
            case RESUME_POOLS -> FlowStep.of(a, "PgBouncer RESUME in every region", regions, t.agentMs());
            case OPEN_WRITES -> FlowStep.of(a, "writes OPEN in the control KV", List.of(), t.kvMs());
            default -> FlowStep.of(a, null, List.of(), t.kvMs());
        };
        // once writes are paused, reopening them is tried whatever failed before
        return Next.step(failed == null ? s : s.bestEffort());
    }
}

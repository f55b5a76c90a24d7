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
 * A former primary (fenced since a failover) rejoins as a replica of {@code primary}: rewound or
 * cloned by its agent, its pooler repointed (it may still point at itself: it was unreachable
 * when the failover repointed the others), then it is a member again.
 */
public record RejoinPlan(String region, String primary, Timeouts t) implements Flow.Plan {
    @Override
    public Next next(Progress p) {
        Done failed = p.failure();
        if (failed != null) {
            return Next.finish(CommandResult.FAILED, failed.detail());
        }
        Action a = Flow.firstNotRun(p, REJOIN, REPOINT_POOLS, UPDATE_MEMBERS);
        if (a == null) {
            return Next.finish(CommandResult.DONE, region + ": " + p.detail(REJOIN));
        }
        return Next.step(switch (a) {
            case REJOIN -> FlowStep.of(a, "rejoin " + region + " as a replica of " + primary, List.of(region), t.rejoinMs());
            case REPOINT_POOLS -> FlowStep.of(a, "repoint " + region + "'s PgBouncer to " + primary + " and RESUME", List.of(region), t.agentMs());
            default -> FlowStep.of(a, "members updated", List.of(region), t.kvMs());
        });
    }
}

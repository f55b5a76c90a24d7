package olympus.failover.core;

import olympus.failover.core.Flow.Action;
import olympus.failover.core.Flow.Done;
import olympus.failover.core.Flow.Next;
import olympus.failover.core.Flow.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Walks a plan as the runner would, every step succeeding except those named: the actions in order and the outcome. */
final class Flows {
    static final Flow.Timeouts T = new Flow.Timeouts(15_000, 10_000, 25_000, 10_000, 20_000, 65_000, 2_000, 305_000);

    record Walk(List<Action> actions, List<Flow.FlowStep> steps, Next end) {
        String order() {
            return String.join(" ", actions.stream().map(Enum::name).toList());
        }
    }

    /**
     * @param failing actions that fail (the first time they run)
     * @param facts   actions that observe "yes" (RECHECK_CANDIDATE: promoted)
     */
    static Walk walk(Flow.Plan plan, Set<Action> failing, Set<Action> facts) {
        Progress p = Progress.START;
        List<Action> actions = new ArrayList<>();
        List<Flow.FlowStep> steps = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Next n = plan.next(p);
            if (n.finished()) {
                return new Walk(actions, steps, n);
            }
            Action a = n.step().action();
            actions.add(a);
            steps.add(n.step());
            if (failing.contains(a) && !p.ran(a)) {
                p = p.with(n.step().mayFail() ? Done.tolerated(a, a + " broke") : Done.failed(a, a + " broke"));
            } else {
                String detail = switch (a) {
                    case STOP -> "0/3000060";
                    case APPLY -> "0/4000000";
                    case PUBLISH_PRIMARY -> "epoch 8";
                    case REJOIN -> "clean stop, no rewind needed";
                    default -> null;
                };
                p = p.with(new Done(a, true, detail, false, facts.contains(a)));
            }
        }
        throw new AssertionError("the plan did not end within 100 steps: " + actions);
    }

    static Set<Action> set(String names) {
        if (names == null || names.isBlank()) {
            return Set.of();
        }
        return Set.of(names.trim().split("\\s+")).stream().map(Action::valueOf).collect(java.util.stream.Collectors.toSet());
    }
}

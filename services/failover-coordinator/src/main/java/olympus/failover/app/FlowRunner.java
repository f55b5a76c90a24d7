package olympus.failover.app;

import olympus.failover.core.CommandResult;
import olympus.failover.core.Flow;
import olympus.failover.core.Flow.Done;
import olympus.failover.core.Flow.FlowStep;
import olympus.failover.core.Flow.Next;
import olympus.failover.core.Flow.Progress;
import olympus.failover.core.LeaseBudget;
import olympus.failover.core.NotLeaderException;
import olympus.failover.core.Operation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link Flow.Plan}: asks it for the next step, checks the step fits the leader's lease,
 * records the stage, does the step, tells the plan what happened, until the plan names the outcome.
 * The one place where a flow touches the world; the order and every decision are the plan's.
 */
final class FlowRunner {
    private static final Logger LOG = LoggerFactory.getLogger(FlowRunner.class);

    /** Does one step and says what it found; a failure is an exception. */
    interface Steps {
        Done run(FlowStep s, Progress p) throws Exception;
    }

    /** Turns the plan's outcome into the command's result. */
    interface Finish {
        CommandResult finish(String outcome, String reason);
    }

    private final Leadership leadership;
    private final TopologyWriter writer;

    FlowRunner(Leadership leadership, TopologyWriter writer) {
        this.leadership = leadership;
        this.writer = writer;
    }

    /**
     * @param op the operation key to record stages in (null: none)
     * @throws NotLeaderException when the lease runs out: the next leader finishes or rolls back
     */
    CommandResult drive(Run run, Flow.Plan plan, Operation op, Steps steps, Finish finish) throws Exception {
        Progress p = Progress.START;
        while (true) {
            Next n = plan.next(p);
            if (n.finished()) {
                return finish.finish(n.outcome(), n.reason());
            }
            FlowStep s = n.step();
            if (s.stage() != null && op != null) {
                writer.stage(op, s.stage());
            }
            Progress before = p;
            Done[] done = new Done[1];
            Run.Body<String> body = () -> {
                awaitLease(s);
                done[0] = steps.run(s, before);
                return done[0].detail() != null ? done[0].detail() : s.note();
            };
            try {
                if (s.silent()) {
                    body.call();
                } else {
                    run.step(s.name(), body);
                }
                p = p.with(done[0].detail() == null && s.note() != null
                        ? new Done(s.action(), true, s.note(), false, done[0].fact()) : done[0]);
            } catch (NotLeaderException e) {
                throw e;
            } catch (Exception e) {
                String why = Coordinator.unwrap(e).getMessage();
                if (s.mayFail()) {
                    LOG.warn("{} failed, going on: {}", s.silent() ? s.action() : s.name(), why);
                    p = p.with(Done.tolerated(s.action(), why));
                } else {
                    p = p.with(Done.failed(s.action(), String.valueOf(why)));
                }
            }
        }
    }

    /**
     * A step starts only if its worst case fits the lease left ({@link LeaseBudget}); when a
     * renewal is late it waits for it, at most two renewal intervals, then the step fails.
     */
    private void awaitLease(FlowStep s) throws InterruptedException {
        long deadline = System.nanoTime() + 2 * leadership.renewEveryMs() * 1_000_000L;
        boolean logged = false;
        while (true) {
            LeaseBudget.Decision d = LeaseBudget.decide(s.worstCaseMs(), leadership.remainingMs(), leadership.windowMs(),
                    leadership.renewEveryMs());
            switch (d.verdict()) {
                case START -> {
                    return;
                }
                case NOT_LEADER -> throw new NotLeaderException(leadership.leader());
                case WAIT -> {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("not started: " + d.reason());
                    }
                    if (!logged) {
                        LOG.info("{} waits for the lease: {}", s.silent() ? s.action() : s.name(), d.reason());
                        logged = true;
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}

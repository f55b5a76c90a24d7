package olympus.agent.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The timing relation that makes the self-fence safe, checked before the agent starts.
 *
 * <p>Let the primary's host lose the control quorum at t. Its last committed heartbeat started at
 * or before t; the agent checks every I (on a thread of its own, never behind a slow heartbeat)
 * and fences once F has passed since that start. The check reads the local server (at most A),
 * then fences it (at most A: a fence not confirmed by then stops the server at once): the
 * primary refuses writes by t + F + I + 2A. An unforced failover needs a
 * quorum of observers that have seen the primary unreachable for G, from a probe that failed
 * after t, measured with wall clocks that may differ by S: nothing is promoted before t + G - S.
 * So the relation is {@code F + I + 2A + S < G}.
 *
 * <p>Not dangerous but needed to run: a single slow heartbeat must not fence a healthy primary,
 * so {@code I + heartbeat timeout < F}.
 */
public final class FenceTiming {
    private FenceTiming() {}

    public static List<String> violations(Duration fenceAfter, Duration heartbeatEvery, Duration heartbeatTimeout,
                                          Duration fenceAction, Duration clockSkew, Duration fenceGrace) {
        List<String> bad = new ArrayList<>();
        long f = fenceAfter.toMillis();
        long i = heartbeatEvery.toMillis();
        long a = fenceAction.toMillis();
        long s = clockSkew.toMillis();
        long g = fenceGrace.toMillis();
        if (f <= 0 || i <= 0 || a <= 0 || heartbeatTimeout.toMillis() <= 0) {
            bad.add("fence-after, heartbeat-every, fence-action-timeout and the NATS request timeout must all be > 0");
            return bad;
        }
        long bound = f + i + 2 * a + s;
        if (bound >= g) {
            bad.add("fence-after " + f + " ms + heartbeat-every " + i + " ms + 2 x fence-action-timeout " + a + " ms + max-clock-skew "
                    + s + " ms = " + bound + " ms is not below the coordinators' fence-grace " + g
                    + " ms: a cut-off primary could still take writes when a failover promotes another. Lower fence-after or raise "
                    + "fence-grace (on every coordinator, and failover-fence-grace here) above " + bound + " ms");
        }
        if (i + heartbeatTimeout.toMillis() >= f) {
            bad.add("heartbeat-every " + i + " ms + NATS request timeout " + heartbeatTimeout.toMillis() + " ms is not below fence-after "
                    + f + " ms: one slow heartbeat would fence a healthy primary. Raise fence-after or shorten the other two");
        }
        return bad;
    }

    /** The time by which a cut-off primary refuses writes, after losing the quorum: F + I + 2A. */
    public static Duration fencedWithin(Duration fenceAfter, Duration heartbeatEvery, Duration fenceAction) {
        return fenceAfter.plus(heartbeatEvery).plus(fenceAction.multipliedBy(2));
    }
}

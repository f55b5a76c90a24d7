package olympus.failover.core;

/**
 * Whether a step may start on the leader's remaining lease. A step starts only if its worst case
 * fits inside what is left of the lease ({@code ttl - safety} since the last renewal began), so a
 * leader whose renewals have stopped (control cluster cut or slow) does not begin a step it may
 * still be doing when a successor takes over.
 *
 * <p>Many steps' worst cases (a promotion's 15 s timeout, a clean stop's 20 s) are longer than any
 * lease (4 s by default): those need the lease to be on schedule, at most one renewal late
 * ({@code window - 2 x renewal interval} left). The renewals go on while the step runs; should
 * they fail, the node agent still refuses this leader's requests once it has seen a successor's
 * fencing token, which is what makes a long step safe, not the lease alone.
 */
public final class LeaseBudget {
    private LeaseBudget() {}

    public enum Verdict { START, WAIT, NOT_LEADER }

    public record Decision(Verdict verdict, long needMs, String reason) {}

    /**
     * @param worstCaseMs the step's worst case (its timeout)
     * @param remainingMs the lease left ({@code LeaseDecision.remainingMs}); 0: not leader
     * @param windowMs    a fresh lease: {@code ttl - safety}
     * @param renewEveryMs how often the leader renews
     */
    public static Decision decide(long worstCaseMs, long remainingMs, long windowMs, long renewEveryMs) {
        long onSchedule = windowMs - 2 * renewEveryMs;
        if (onSchedule <= 0) {
            onSchedule = windowMs / 4;
        }
        long need = Math.min(worstCaseMs, onSchedule);
        if (remainingMs <= 0) {
            return new Decision(Verdict.NOT_LEADER, need, "the lease has run out");
        }
        if (remainingMs >= need) {
            return new Decision(Verdict.START, need, worstCaseMs <= remainingMs
                    ? "worst case " + worstCaseMs + " ms fits the " + remainingMs + " ms of lease left"
                    : "worst case " + worstCaseMs + " ms is longer than a lease; the lease is on schedule (" + remainingMs
                    + " ms left, at least " + need + " ms needed) and the agents check the fencing token");
        }
        return new Decision(Verdict.WAIT, need, "the lease has " + remainingMs + " ms left and the step needs " + need
                + " ms (worst case " + worstCaseMs + " ms): a renewal is late, the control cluster may be unreachable or slow");
    }
}

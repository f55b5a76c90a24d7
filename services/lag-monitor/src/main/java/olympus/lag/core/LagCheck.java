package olympus.lag.core;

/**
 * freno-style yes/no on a verdict. With no explicit maximum the verdict itself decides (OK only);
 * with one, a fresh figure at or under it is enough, whatever the configured threshold says, so a
 * caller that tolerates 10 s of lag is not refused at 2 s. STALE and UNKNOWN are always refused.
 */
public final class LagCheck {
    private LagCheck() {}

    public static CheckResult check(Assessment current, Double maxMs) {
        if (current == null) {
            return new CheckResult(false, Reason.UNKNOWN_REPLICA, "no lag data for this replica", LagState.UNKNOWN, null, maxMs);
        }
        LagState s = current.state();
        if (s == LagState.STALE || s == LagState.UNKNOWN || current.lagMs() == null) {
            return new CheckResult(false, current.reason(), current.detail(), s, current.lagMs(), maxMs);
        }
        if (maxMs == null) {
            return new CheckResult(s == LagState.OK, current.reason(), current.detail(), s, current.lagMs(), null);
        }
        if (current.lagMs() <= maxMs) {
            return new CheckResult(true, Reason.WITHIN_THRESHOLD, "lag " + LagAssessor.ms(current.lagMs()) + " within max "
                    + LagAssessor.ms(maxMs) + " (state " + s + ": " + current.detail() + ")", s, current.lagMs(), maxMs);
        }
        return new CheckResult(false, Reason.OVER_REQUESTED_MAX, "lag " + LagAssessor.ms(current.lagMs()) + " over max "
                + LagAssessor.ms(maxMs) + " (state " + s + ": " + current.detail() + ")", s, current.lagMs(), maxMs);
    }
}

package olympus.lag.core;

/**
 * The knobs of {@link LagAssessor} and {@link LagMeasure}, in milliseconds.
 *
 * @param lagMs               over this a sample is a breach
 * @param consecutiveBreaches breaches in a row before OK turns LAGGING (damps one-sample spikes)
 * @param staleAfterMs        a sample older than this (on the monitor's own clock) is STALE
 * @param writerGapMs         a primary heartbeat older than this means the writer is changing
 *                            hands (lease expiry): the heartbeat age then says nothing about the
 *                            replica, see {@link LagMeasure}
 */
public record Thresholds(long lagMs, int consecutiveBreaches, long staleAfterMs, long writerGapMs) {
    public Thresholds {
        if (lagMs <= 0 || consecutiveBreaches < 1 || staleAfterMs <= 0 || writerGapMs <= 0) {
            throw new IllegalArgumentException("thresholds must be positive: " + lagMs + " ms, "
                    + consecutiveBreaches + " breaches, stale after " + staleAfterMs + " ms, writer gap " + writerGapMs + " ms");
        }
    }
}

package olympus.lag.core;

import java.time.Instant;

/**
 * One measurement of one replica, assembled from a replica observation and a primary
 * observation. {@code observedAt} is on the monitor's own clock and is used only for staleness
 * (compared with the same clock later); {@code lagMs} is computed on the primary's clock only.
 *
 * @param failure    null when the figures are usable; otherwise why they are not
 * @param lagMs      the figure to act on (see {@link LagMeasure} for how it is chosen); null on failure
 * @param lagSource  which measurement {@code lagMs} came from, for the reason text
 * @param clockSkewMs primary clock minus the monitor's clock (midpoint of the query), shown, never used
 * @param windowMs   the monitor's time from sending the replica query to the primary's answer: the
 *                   replica's state is read before the primary's clock, somewhere in this window, so
 *                   {@code lagMs} may over-state the lag by up to this much (a scheduling stall of
 *                   the monitor shows here, not as a smaller figure: over-stating is the safe side)
 */
public record LagSample(
        String replica,
        String primary,
        long epoch,
        Instant observedAt,
        Reason failure,
        String detail,
        Double lagMs,
        String lagSource,
        Double heartbeatLagMs,
        Double writeLagMs,
        Double flushLagMs,
        Double replayLagMs,
        Long byteLag,
        String receiveLsn,
        String replayLsn,
        boolean replayPaused,
        String walStatus,
        Long safeWalSizeBytes,
        Double clockSkewMs,
        long windowMs) {

    public boolean usable() {
        return failure == null;
    }
}

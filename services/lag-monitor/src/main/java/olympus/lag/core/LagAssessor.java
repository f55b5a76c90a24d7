package olympus.lag.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The pure assessment: previous verdict + latest sample + now -> new verdict with a reason.
 * Nothing here reads a clock or does I/O, so every rule is a row in a table test.
 *
 * <p>Rules, first match wins:
 * <ol>
 *   <li>no sample: UNKNOWN;</li>
 *   <li>sample older than the staleness bound: STALE (a stale figure never passes as OK);</li>
 *   <li>the sample failed: replica unreachable or replication stopped is STALE; primary
 *       unreachable or not a replica is UNKNOWN (the figure cannot be computed at all);</li>
 *   <li>replay paused with WAL waiting: LAGGING at once (it will not catch up by itself);</li>
 *   <li>lag over the threshold: LAGGING after N breaches in a row; until then an OK replica stays
 *       OK (one spike is noise) and an UNKNOWN/STALE one stays as it is (not OK either);</li>
 *   <li>otherwise OK, and the breach count restarts.</li>
 * </ol>
 */
public final class LagAssessor {
    private LagAssessor() {}

    public static Assessment assess(Assessment previous, LagSample sample, Instant now, Thresholds t) {
        Assessment prev = previous;
        String replica = sample != null ? sample.replica() : prev != null ? prev.replica() : null;
        if (prev == null) {
            prev = Assessment.initial(replica);
        }
        if (sample == null) {
            return new Assessment(replica, LagState.UNKNOWN, Reason.NO_SAMPLE_YET, "no sample taken yet", 0, null, null);
        }
        long ageMs = Duration.between(sample.observedAt(), now).toMillis();
        if (ageMs > t.staleAfterMs()) {
            return stale(prev, sample, ageMs, t);
        }
        if (!sample.usable()) {
            LagState s = switch (sample.failure()) {
                case REPLICA_UNREACHABLE, REPLICATION_STOPPED -> LagState.STALE;
                default -> LagState.UNKNOWN;
            };
            return new Assessment(replica, s, sample.failure(), sample.detail(), 0, null, sample.observedAt());
        }
        double lag = sample.lagMs();
        boolean waiting = sample.byteLag() == null || sample.byteLag() > 0;
        if (sample.replayPaused() && waiting) {
            return new Assessment(replica, LagState.LAGGING, Reason.REPLAY_PAUSED,
                    "replay paused on " + replica + " with " + bytes(sample.byteLag()) + " waiting; lag " + ms(lag)
                            + " (" + sample.lagSource() + ")", prev.breaches() + 1, lag, sample.observedAt());
        }
        if (lag > t.lagMs()) {
            int breaches = prev.breaches() + 1;
            String over = "lag " + ms(lag) + " over " + ms(t.lagMs()) + " (" + sample.lagSource() + "), "
                    + breaches + " of " + t.consecutiveBreaches() + " consecutive";
            if (breaches >= t.consecutiveBreaches() || prev.state() == LagState.LAGGING) {
                return new Assessment(replica, LagState.LAGGING, Reason.OVER_THRESHOLD, over, breaches, lag, sample.observedAt());
            }
            return new Assessment(replica, prev.state(), Reason.OVER_THRESHOLD_PENDING, over + ", not yet LAGGING",
                    breaches, lag, sample.observedAt());
        }
        boolean caughtUp = sample.byteLag() != null && sample.byteLag() == 0;
        String detail = caughtUp
                ? "caught up with the primary's WAL" + (sample.replayPaused() ? " (replay paused, nothing to replay)" : "")
                : "lag " + ms(lag) + " within " + ms(t.lagMs()) + " (" + sample.lagSource() + ")";
        return new Assessment(replica, LagState.OK, caughtUp ? Reason.CAUGHT_UP : Reason.WITHIN_THRESHOLD, detail, 0, lag,
                sample.observedAt());
    }

    /**
     * The verdict as of {@code now}: an assessment whose sample has grown too old reads as STALE.
     * Readers (the check API, the metrics) use this, so a stuck sampling loop shows as STALE even
     * though nothing re-assessed.
     */
    public static Assessment asOf(Assessment a, Instant now, Thresholds t) {
        if (a == null || a.sampleObservedAt() == null) {
            return a;
        }
        long ageMs = Duration.between(a.sampleObservedAt(), now).toMillis();
        if (ageMs <= t.staleAfterMs() || a.state() == LagState.STALE) {
            return a;
        }
        return new Assessment(a.replica(), LagState.STALE, Reason.SAMPLE_TOO_OLD,
                "last sample is " + ageMs + " ms old (limit " + t.staleAfterMs() + " ms); last verdict was "
                        + a.state() + ": " + a.detail(), a.breaches(), a.lagMs(), a.sampleObservedAt());
    }

    private static Assessment stale(Assessment prev, LagSample sample, long ageMs, Thresholds t) {
        return new Assessment(sample.replica(), LagState.STALE, Reason.SAMPLE_TOO_OLD,
                "last sample is " + ageMs + " ms old (limit " + t.staleAfterMs() + " ms)", prev.breaches(),
                sample.lagMs(), sample.observedAt());
    }

    static String ms(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.2f s", v / 1000.0) : String.format(Locale.ROOT, "%.0f ms", v);
    }

    private static String bytes(Long b) {
        return b == null ? "unknown WAL" : b + " B of WAL";
    }
}

package olympus.lag.core;

import java.time.Instant;

/**
 * Whether this monitor may write the heartbeat, judged on the row as sampled. The write itself is
 * a conditional UPDATE that applies the same rule atomically on the primary (it rides in the
 * sampling statement), so this never decides who writes: it tells a lost race (the sampled row
 * said yes, the UPDATE matched nothing: counted as lease_held_elsewhere) from a live lease held
 * by another monitor.
 *
 * <p>All times here are the primary's clock ({@code leaseUntil} was written by it, {@code
 * primaryNow} read from it), so hosts' clocks never meet.
 */
public final class HeartbeatLease {
    private HeartbeatLease() {}

    public static boolean shouldAttempt(String me, long myEpoch, String holder, long holderEpoch, Instant leaseUntil,
                                        Instant primaryNow) {
        if (holder == null || leaseUntil == null || me.equals(holder)) {
            return true;
        }
        // A lease taken under an older topology epoch was written on a former primary, by its
        // clock: void it rather than trust a deadline from another host.
        if (holderEpoch < myEpoch) {
            return true;
        }
        return !leaseUntil.isAfter(primaryNow);
    }
}

package olympus.lag.core;

import java.time.Instant;

/**
 * Whether this monitor should try to write the heartbeat this cycle. The write itself is a
 * conditional UPDATE that re-checks the same rule atomically on the primary, so this is only a
 * way to save a statement per cycle when another monitor clearly holds the lease; it never
 * decides alone who writes.
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

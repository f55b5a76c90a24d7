package olympus.router.core;

/**
 * Why a read went where it went. Every decision carries exactly one; each is counted in the
 * Prometheus metric {@code router_decisions_total{reason=...}} and appears in the answer, so an
 * operator can tell "the primary is busy because replicas lag" from "because users write a lot".
 */
public enum ReadReason {
    /** The primary is in this region: reading it is as local as a replica would be. */
    PRIMARY_IS_LOCAL(Target.PRIMARY),
    /** This region has no serving replica (not configured, or fenced after a failover). */
    NO_REPLICA(Target.PRIMARY),
    /** The operation is configured to always read the primary. */
    OPERATION_PINNED(Target.PRIMARY),
    /** Redis (the markers) cannot be read: any key might have a marker, so play safe. */
    MARKERS_UNAVAILABLE(Target.PRIMARY),
    /** No usable lag sample for this region's replica (none, state UNKNOWN/STALE, other epoch). */
    LAG_UNKNOWN(Target.PRIMARY),
    /** The newest lag sample is older than the allowed age: a stale value never passes as healthy. */
    LAG_FEED_STALE(Target.PRIMARY),
    /** A write marker's LSN is ahead of the replica's replay position. */
    RECENT_WRITE(Target.PRIMARY),
    /** A write marker without an LSN (the primary could not be asked): time-window fallback. */
    RECENT_WRITE_NO_LSN(Target.PRIMARY),
    /** A fresh-session marker the replica has not provably replayed yet. */
    NEW_SESSION(Target.PRIMARY),
    /** No marker, but the replica reports LAGGING: primary while the guard allows it. */
    REPLICA_LAGGING(Target.PRIMARY),
    /** No marker, replica LAGGING, primary guard exhausted: the replica serves (the caller has no own write pending). */
    PRIMARY_GUARD(Target.REPLICA),
    /** A marker exists and the replica has replayed past it. */
    CAUGHT_UP(Target.REPLICA),
    /** No marker, replica healthy. */
    OK(Target.REPLICA);

    private final Target target;

    ReadReason(Target target) {
        this.target = target;
    }

    public Target target() {
        return target;
    }
}

package olympus.lag.core;

/**
 * Verdict on one replica. Only {@link #OK} may be read as "safe to read from it"; the other three
 * are different ways of not knowing that, kept apart so an operator can tell them apart.
 */
public enum LagState {
    /** A fresh sample shows lag at or under the threshold. */
    OK,
    /** A fresh sample shows lag over the threshold (after N consecutive breaches, or replay paused). */
    LAGGING,
    /** The last good sample is too old, the replica cannot be reached, or replication has stopped. */
    STALE,
    /** Nothing measured yet, or the figure cannot be computed (primary unreachable, not a replica). */
    UNKNOWN;

    public String wire() {
        return name();
    }
}

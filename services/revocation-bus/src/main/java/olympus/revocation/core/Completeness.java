package olympus.revocation.core;

/**
 * Whether a region's Redis holds every revocation the region has acknowledged, decided from what
 * Redis says about itself and what the durable consumer says it acked. Pure: the rebuilder reads
 * the inputs and acts on the answer.
 *
 * <p>Why the two numbers prove completeness: the apply script raises {@link Keys#APPLIED_SEQ} to
 * the highest view-stream sequence of each batch in the same atomic call that writes the batch,
 * and a message is acked only after that call returned. So in an intact Redis the mark is at
 * least every acked sequence, hence at least the consumer's ack floor (every sequence at or below
 * it is acked). A Redis that lost acknowledged writes but kept its {@code ready} state (a
 * failover to a replica that lagged, a restore of an older snapshot) has an older mark: the mark
 * is below the floor. Read the floor first and the mark after: the mark only grows in an intact
 * Redis, so that order never shows a gap that is not there.
 *
 * <p>A key deleted by hand (or evicted) leaves both numbers as they were; Redis' keyspace
 * notifications report it ({@code deletedKey}), while the service is connected to hear them.
 *
 * @param cause  a bounded label for the meters, one per reason: emptied, rebuilding,
 *               unknown_state, deleted_key, lost_writes, complete
 * @param reason what was found, with the numbers, for the log
 */
public record Completeness(Status status, String cause, String reason) {
    public enum Status {
        /** The state key says ready and nothing says otherwise. */
        COMPLETE,
        /** No state key: Redis was emptied (flush, restart without persistence). Rebuild. */
        EMPTY,
        /** A rebuild holds the state key. Wait. */
        REBUILDING,
        /** Ready, but known to miss acknowledged writes. Mark it incomplete, then rebuild. */
        GAP
    }

    /** The ack floor when the consumer could not be asked: the sequence check is skipped. */
    public static final long FLOOR_UNKNOWN = -1;

    /**
     * @param state      the value of {@link Keys#STATE}, or null when absent
     * @param mark       the value of {@link Keys#APPLIED_SEQ} (0 when absent)
     * @param ackFloor   the durable consumer's ack floor (stream sequence), or {@link #FLOOR_UNKNOWN}
     * @param deletedKey a denylist key Redis reported deleted or evicted since the last
     *                   assessment, or null
     */
    public static Completeness assess(String state, long mark, long ackFloor, String deletedKey) {
        if (state == null) {
            return new Completeness(Status.EMPTY, "emptied", "state key missing: Redis was emptied or restarted without its data");
        }
        if (state.startsWith(Keys.REBUILDING_PREFIX)) {
            return new Completeness(Status.REBUILDING, "rebuilding", "a rebuild holds the state key");
        }
        if (!Keys.READY.equals(state)) {
            return new Completeness(Status.GAP, "unknown_state", "state key holds an unknown value '" + clip(state) + "'");
        }
        if (deletedKey != null) {
            return new Completeness(Status.GAP, "deleted_key", "key " + clip(deletedKey)
                    + " was deleted or evicted behind the service's back (keyspace notification)");
        }
        if (ackFloor != FLOOR_UNKNOWN && mark < ackFloor) {
            return new Completeness(Status.GAP, "lost_writes", "Redis holds the view stream up to sequence " + mark
                    + " but the consumer acked up to " + ackFloor
                    + ": Redis lost acknowledged writes (failover to a lagging replica, or a restore)");
        }
        return new Completeness(Status.COMPLETE, "complete", ackFloor == FLOOR_UNKNOWN
                ? "ready (ack floor unknown: sequence check skipped)"
                : "ready, holds up to sequence " + mark + " >= ack floor " + ackFloor);
    }

    private static String clip(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}

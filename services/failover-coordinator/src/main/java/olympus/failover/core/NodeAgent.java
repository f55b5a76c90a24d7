package olympus.failover.core;

import java.time.Duration;

/**
 * Host-level actions on one region's database and pooler. The coordinator decides; a node agent
 * acts. Every method is idempotent (a new leader may repeat a step its predecessor did) and
 * fails with an exception whose message says what did not happen.
 */
public interface NodeAgent {
    /** Probe: role, fence, positions. Never throws: an unreachable node is a status. */
    NodeStatus status(String region);

    /** PgBouncer PAUSE in {@code region}: waits for running transactions, then holds new ones. */
    void pausePool(String region, Duration timeout);

    /** PgBouncer RESUME in {@code region}. Idempotent (RESUME on a pool that is not paused is harmless). */
    void resumePool(String region);

    /** Rewrites {@code region}'s PgBouncer to send every database to {@code primary}, then RELOAD. */
    void repointPool(String region, String primary);

    /** {@link #repointPool} then {@link #resumePool}; an agent may do both in one round trip. */
    default void repointAndResume(String region, String primary) {
        repointPool(region, primary);
        resumePool(region);
    }

    /**
     * Fence a primary so it takes no more writes: read-only by default for every new transaction,
     * existing client sessions terminated, and (when it is down) arranged so that a restart comes up
     * as a standby. Returns what was done.
     */
    String fence(String region);

    /**
     * Stops a fenced primary cleanly and returns the position of its shutdown checkpoint: the last
     * record it will ever write. Its replicas receive that record before it exits, so a candidate
     * that replayed past it lost nothing and the old primary can follow the new one without a rewind.
     */
    long shutDown(String region, Duration timeout);

    /** Starts a stopped node with its data directory as it is (rolling back a switchover); a no-op if running. */
    String restart(String region);

    /** The primary's current WAL position (after fencing: its final one). */
    long currentWalLsn(String region);

    /** Clears the fence and promotes a replica; creates replication slots for every other region. */
    void promote(String region, Duration timeout);

    /** Clears the fence on a primary that was fenced by a switchover that is being rolled back. */
    void unfence(String region);

    /**
     * Points a running replica at {@code primary} (primary_conninfo, slot, reload); a replica that
     * holds WAL past the point where {@code primary}'s timeline forked is rewound first (the
     * detail then says "rewinding" and why). Returns what was done.
     */
    String follow(String region, String primary, Duration timeout);

    /**
     * Turns a former primary into a replica of {@code primary}: stop, pg_rewind (unless
     * {@code cleanStop}: it was shut down cleanly and the new primary replayed its shutdown
     * checkpoint, so its history is a prefix of the new primary's), standby.signal, start.
     */
    String rejoin(String region, String primary, boolean cleanStop, Duration timeout);

    /** Runs SQL on the primary (a migration), in one transaction; returns the WAL position after commit. */
    long apply(String region, String sql, Duration timeout);
}

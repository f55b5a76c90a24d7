package olympus.failover.core;

/**
 * The leader's lease, the value under key "leader" in the control bucket. {@code term} grows by
 * one on every change of holder, so a coordinator that acted under term N can tell it was
 * superseded. Expiry is judged by each follower on its own monotonic clock (how long the key's
 * revision has stayed unchanged), never by comparing this record's wall-clock fields across
 * machines; {@code renewedAt} is for humans.
 */
public record Lease(String holder, String region, long term, long ttlMs, String renewedAt) {
    public Lease {
        if (holder == null || holder.isBlank()) {
            throw new IllegalArgumentException("lease holder is required");
        }
        if (ttlMs <= 0) {
            throw new IllegalArgumentException("lease ttlMs must be > 0");
        }
    }
}

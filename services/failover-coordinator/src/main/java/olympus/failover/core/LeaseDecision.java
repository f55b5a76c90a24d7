package olympus.failover.core;

/** What to do with the lease this round, and why (logged and counted). */
public record LeaseDecision(Action action, long term, String reason) {
    public enum Action {
        /** No lease exists: create it (fails if someone else creates it first). */
        ACQUIRE,
        /** We hold it: update it on its revision. */
        RENEW,
        /** The holder stopped renewing for longer than the TTL: replace it on its revision. */
        TAKE_OVER,
        /** Someone else holds a live lease. */
        FOLLOW
    }

    /**
     * @param current        the stored lease, null if the key is absent (or deleted)
     * @param me             this coordinator's holder id
     * @param unchangedForMs how long, on this process's monotonic clock, the lease's revision has
     *                       been the same (0 when first seen); the leader renews, so a revision that
     *                       stands still for a TTL means the leader is gone or cut off
     * @param ttlMs          lease TTL
     */
    public static LeaseDecision decide(Lease current, String me, long unchangedForMs, long ttlMs) {
        if (current == null) {
            return new LeaseDecision(Action.ACQUIRE, 1, "no leader lease: acquiring");
        }
        if (current.holder().equals(me)) {
            return new LeaseDecision(Action.RENEW, current.term(), "renewing own lease (term " + current.term() + ")");
        }
        if (unchangedForMs >= ttlMs) {
            return new LeaseDecision(Action.TAKE_OVER, current.term() + 1, "lease of " + current.holder() + " ("
                    + current.region() + ") not renewed for " + unchangedForMs + " ms >= ttl " + ttlMs + " ms: taking over");
        }
        return new LeaseDecision(Action.FOLLOW, current.term(), "leader is " + current.holder() + " (" + current.region()
                + "), term " + current.term());
    }

    /**
     * Whether a leader may still act: only while its last successful renewal started less than
     * {@code ttl - safety} ago. The renewal's start (not its end) is what counts, because the
     * followers' clocks start when they first see the new revision, which is after it started:
     * the leader therefore stops acting strictly before any follower may take over.
     */
    public static boolean mayAct(long nowNanos, long lastRenewStartNanos, long ttlMs, long safetyMs) {
        return lastRenewStartNanos != Long.MIN_VALUE && nowNanos - lastRenewStartNanos < (ttlMs - safetyMs) * 1_000_000L;
    }

    /** How much longer {@link #mayAct} stays true without another successful renewal (0 when it is false). */
    public static long remainingMs(long nowNanos, long lastRenewStartNanos, long ttlMs, long safetyMs) {
        if (lastRenewStartNanos == Long.MIN_VALUE) {
            return 0;
        }
        return Math.max(0, (ttlMs - safetyMs) - (nowNanos - lastRenewStartNanos) / 1_000_000L);
    }
}

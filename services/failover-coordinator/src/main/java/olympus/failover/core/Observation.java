package olympus.failover.core;

/**
 * What the coordinator in {@code observer}'s region saw of the primary at {@code observedAtMs}
 * (epoch millis, the observer's clock: observations are compared with the reader's clock only
 * through {@link #fresh}, with a generous bound). {@code primaryLsn} is the primary's WAL
 * position when it was reachable: the last one seen before it went away is the reference the
 * failover lag guard measures candidates against.
 */
public record Observation(String observer, String primary, long epoch, boolean primaryReachable,
                          Long primaryLsn, long observedAtMs, Long downSinceMs, String detail) {
    /** How long this observer has seen the primary unreachable without a break (0 if reachable). */
    public long downForMs(long nowMs) {
        return primaryReachable || downSinceMs == null ? 0 : Math.max(0, nowMs - downSinceMs);
    }

    public boolean fresh(long nowMs, long maxAgeMs) {
        return nowMs - observedAtMs <= maxAgeMs;
    }
}

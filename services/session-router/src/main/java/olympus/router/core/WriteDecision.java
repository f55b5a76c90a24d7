package olympus.router.core;

/** Whether a write may go ahead now, and if not, when to retry. */
public record WriteDecision(Action action, String primary, long epoch, long retryAfterMs, Reason reason, String detail) {
    public enum Action { PROCEED, HOLD }

    public enum Reason {
        /** Writes are open on the current primary. */
        WRITES_OPEN,
        /** A migration pause or a failover/switchover holds writes (the coordinator's reason in detail). */
        WRITES_PAUSED,
        /** The router has not read the topology yet: it cannot tell where the primary is. */
        TOPOLOGY_UNKNOWN
    }
}

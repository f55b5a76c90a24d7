package olympus.agent.core;

/**
 * The agent's own decision about its host's primary, every heartbeat, whether or not any
 * coordinator is alive: fence it when the control quorum has not been seen for the fence time,
 * or when the quorum names another primary; lift a fence the agent itself set only when the
 * quorum is back, still names this region, and no operation is under way.
 */
public final class SelfFence {
    private SelfFence() {}

    public enum Action { NONE, FENCE, LIFT }

    public record Decision(Action action, String reason) {}

    /**
     * @param region          this host's region
     * @param role            the local PostgreSQL, read this round
     * @param sinceQuorumMs   monotonic time since the start of the last heartbeat the quorum committed
     * @param fenceAfterMs    F
     * @param selfFenced      this agent fenced the primary and has not lifted it
     * @param topologyPrimary the primary as the control bucket's leader says it this round; null if not reached
     * @param operation       an operation (switchover, failover, ...) is under way per the leader; false if not reached
     * @param operationTo     that operation's target region (the primary-to-be), null if none
     * @param staleSighting   the topology and operation were read in a round that began before this
     *                        host was first seen writable: they may predate its promotion
     */
    public record Input(String region, HostRole role, long sinceQuorumMs, long fenceAfterMs, boolean selfFenced,
                        String topologyPrimary, boolean operation, String operationTo, boolean staleSighting) {
        public Input(String region, HostRole role, long sinceQuorumMs, long fenceAfterMs, boolean selfFenced,
                     String topologyPrimary, boolean operation, String operationTo) {
            this(region, role, sinceQuorumMs, fenceAfterMs, selfFenced, topologyPrimary, operation, operationTo, false);
        }
    }

    public static Decision decide(Input in) {
        boolean quorum = in.sinceQuorumMs() < in.fenceAfterMs() && in.topologyPrimary() != null;
        if (in.role() == HostRole.WRITABLE_PRIMARY) {
            if (in.sinceQuorumMs() >= in.fenceAfterMs()) {
                return new Decision(Action.FENCE, "no control quorum for " + in.sinceQuorumMs() + " ms (fence after "
                        + in.fenceAfterMs() + " ms): this primary may be cut off while the others fail over");
            }
            // A failover promotes its target before the epoch++ names it: the operation's target is
            // not a stray primary.
            if (in.topologyPrimary() != null && !in.topologyPrimary().equals(in.region()) && !in.region().equals(in.operationTo())) {
                if (in.staleSighting()) {
                    // The heartbeat thread's last reading may be from before a switchover claimed
                    // its operation; this host was promoted since (seen in FailoverIT: a fresh
                    // primary fenced as "names ap-south" 0.2 s after its promotion).
                    return new Decision(Action.NONE, "just became a writable primary; the last reading of the topology ("
                            + in.topologyPrimary() + ") is older than that: waiting for a newer one");
                }
                return new Decision(Action.FENCE, "the control quorum names " + in.topologyPrimary()
                        + " the primary, not " + in.region() + ": a primary the topology no longer names takes no writes "
                        + "(a partial partition: the quorum reaches this host, the coordinators could not)");
            }
            return new Decision(Action.NONE, "primary with the control quorum seen " + in.sinceQuorumMs() + " ms ago");
        }
        if (!in.selfFenced()) {
            return new Decision(Action.NONE, in.role() == HostRole.FENCED_PRIMARY
                    ? "fenced by a coordinator: lifting it is the coordinator's decision" : "not a primary (" + in.role() + ")");
        }
        if (in.role() != HostRole.FENCED_PRIMARY) {
            return new Decision(Action.NONE, "self-fenced earlier, now " + in.role() + ": nothing to lift");
        }
        if (!quorum) {
            return new Decision(Action.NONE, "self-fenced; the control quorum is still out of reach ("
                    + in.sinceQuorumMs() + " ms since the last heartbeat)");
        }
        if (!in.topologyPrimary().equals(in.region())) {
            return new Decision(Action.NONE, "self-fenced, and the control quorum now names " + in.topologyPrimary()
                    + " the primary: the fence stays until this node is rejoined as a replica");
        }
        if (in.operation()) {
            return new Decision(Action.NONE, "self-fenced; an operation is under way: the coordinator decides");
        }
        return new Decision(Action.LIFT, "control quorum back and it still names " + in.region()
                + " the primary, no operation under way: lifting the self-fence");
    }
}

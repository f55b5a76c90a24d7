package olympus.agent.core;

/**
 * What the agent does with its host's data directory when it starts: nothing when it holds a
 * cluster; a clone of the primary when it is empty and another region is the primary (a new or
 * replaced replica host, Patroni's "bootstrap from the leader"). Pure: the agent reads the
 * inputs and acts on the answer.
 *
 * <p>Why the agent never creates a primary by itself: an empty data directory in the region the
 * topology names as primary means the primary's data is gone; an initdb there would start a new
 * history beside the replicas' (they could never follow it) and lose every write. The operator
 * restores it or fails over to a replica, after which this host clones as a replica.
 *
 * @param reason what was found, for the log and the agent's status
 */
public record Bootstrap(Action action, String reason) {
    public enum Action {
        /** The data directory holds a cluster: start as configured. */
        NONE,
        /** Empty, another region is the primary: pg_basebackup from it, then start as its standby. */
        CLONE,
        /** Cannot decide yet (no topology, an operation is running): ask again later. */
        WAIT,
        /** Empty and nothing the agent may do about it: the operator must act (the reason says how). */
        REFUSE
    }

    /**
     * @param region      this host's region
     * @param initialized the data directory holds a cluster (PG_VERSION present)
     * @param cloneOn     olympus.agent.bootstrap is {@code clone}
     * @param primary     the primary the control KV's topology names, or null when not read yet
     * @param operation   an operation (switchover, failover...) is recorded as running
     */
    public static Bootstrap decide(String region, boolean initialized, boolean cloneOn, String primary, boolean operation) {
        if (initialized) {
            return new Bootstrap(Action.NONE, "data directory holds a cluster");
        }
        if (!cloneOn) {
            return new Bootstrap(Action.REFUSE, "data directory is empty and olympus.agent.bootstrap is off: initialize it "
                    + "(pg_basebackup from the primary) or set OLYMPUS_AGENT_BOOTSTRAP=clone");
        }
        if (primary == null) {
            return new Bootstrap(Action.WAIT, "data directory is empty; no topology read from the control KV yet, so the primary "
                    + "to clone is unknown");
        }
        if (primary.equals(region)) {
            return new Bootstrap(Action.REFUSE, "data directory is empty but " + region + " is the primary in the topology: the "
                    + "agent does not create a primary (a new cluster would fork from the replicas' history and lose every write); "
                    + "restore this host's data, or fail over to a replica (olympusctl failover --to REGION) and restart this agent "
                    + "to clone it as a replica");
        }
        if (operation) {
            return new Bootstrap(Action.WAIT, "data directory is empty; an operation is running, so the primary may change: "
                    + "cloning after it ends");
        }
        return new Bootstrap(Action.CLONE, "data directory is empty; " + primary + " is the primary: cloning it with pg_basebackup");
    }
}

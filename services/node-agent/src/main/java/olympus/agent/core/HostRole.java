package olympus.agent.core;

/** What this host's PostgreSQL is right now, as the agent reads it locally. */
public enum HostRole {
    /** Not in recovery and taking writes. */
    WRITABLE_PRIMARY,
    /** Not in recovery but read-only (fenced, by a coordinator or by this agent). */
    FENCED_PRIMARY,
    REPLICA,
    /** Not answering on its local socket: stopped or crashed. */
    DOWN
}

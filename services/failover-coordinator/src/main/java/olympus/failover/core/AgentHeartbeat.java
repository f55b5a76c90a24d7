package olympus.failover.core;

import java.time.Instant;

/**
 * A node agent's last heartbeat in the control bucket ({@code agent.<region>}), as the bucket's
 * stream leader has it. The agent wrote it just before the write the quorum committed, and fences
 * its primary by itself at most {@code fencedWithinMs} after that write when it loses the
 * quorum (-1: its self-fence is off).
 */
public record AgentHeartbeat(String region, String at, String role, boolean selfFenced, long fenceAfterMs, long fencedWithinMs) {
    public long atMs() {
        return Instant.parse(at).toEpochMilli();
    }

    /** A heartbeat older than this (ten of the agent's 500 ms rounds): the agent has lost the control quorum, or is gone. */
    public static final long STALE_MS = 5_000;
    /**
     * How long a probe of such an agent waits: it answers in milliseconds when it answers at all (a
     * switchover's whole preflight, every region probed, took 19-40 ms in the TLS bench). 150 ms,
     * not the 500 it was: this wait is most of a failover's preflight after a cut, and a failover
     * from the command must finish within 1 s. Taking a slow agent for cut off is safe here: the
     * failover waits the fence grace, within which that host's own agent has fenced it.
     */
    public static final java.time.Duration SHORT_PROBE = java.time.Duration.ofMillis(150);

    /**
     * How long to wait for a region's agent to answer a status probe, or null for the normal probe
     * timeout. A cut-off region's agent cannot answer, and its heartbeat stops with the cut:
     * waiting the whole probe timeout (2 s) for it made every failover's preflight take 2 s (bench
     * failover-hosts). An agent whose heartbeat is stale gets {@link #SHORT_PROBE}; the
     * others the normal timeout (one under load may answer slowly, and a switchover needs every
     * region's answer).
     */
    public static java.time.Duration probeWait(AgentHeartbeat hb, long nowMs) {
        if (hb == null) {
            return null; // never seen (an agent just installed): no reason to presume it cut off
        }
        try {
            return nowMs - hb.atMs() > STALE_MS ? SHORT_PROBE : null;
        } catch (RuntimeException e) {
            return null; // an unreadable time: no reason to presume it cut off
        }
    }
}

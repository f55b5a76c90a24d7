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
}

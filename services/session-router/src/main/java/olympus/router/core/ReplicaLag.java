package olympus.router.core;

import java.time.Instant;

/**
 * The latest lag sample of one replica, as the router keeps it in memory: the read path never
 * queries a database. {@code replayLsn} is null when the monitor could not read it.
 */
public record ReplicaLag(String replica, String primary, long epoch, Long replayLsn, String state,
                         Instant sampledAt) {
    public static final String OK = "OK";
    public static final String LAGGING = "LAGGING";
}

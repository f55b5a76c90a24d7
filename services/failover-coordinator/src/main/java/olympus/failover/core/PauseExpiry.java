package olympus.failover.core;

import olympus.wire.ClusterTopology;

import java.time.Instant;

/** Writes paused with a deadline reopen by themselves: nobody has to remember to resume. */
public final class PauseExpiry {
    private PauseExpiry() {}

    public static boolean due(ClusterTopology t, Instant now) {
        ClusterTopology.Writes w = t.writes();
        return w.state() == ClusterTopology.WritesState.PAUSED && w.deadline() != null && !now.isBefore(Instant.parse(w.deadline()));
    }
}

package olympus.router.core;

import olympus.wire.Lsn;

import java.util.Map;

/**
 * Immutable snapshot the decisions run on: this router's region, the topology and the latest
 * lag sample per replica. Replaced whole on every change, read without locks on the hot path.
 */
public record RoutingView(String localRegion, Topology topology, Map<String, ReplicaLag> lag) {
    public RoutingView {
        lag = Map.copyOf(lag);
    }

    /**
     * The smallest replay position over every serving replica whose sample is usable under the
     * current topology, or null when any of them has no usable sample (then nothing is dropped).
     */
    public Long minReplayOfAllReplicas(java.time.Instant now, java.time.Duration maxAge) {
        Long min = null;
        for (String r : topology.replicas()) {
            ReplicaLag l = lag.get(r);
            if (l == null || Router.unusable(l, topology, now, maxAge) != null) {
                return null;
            }
            if (min == null || !Lsn.atOrAfter(l.replayLsn(), min)) {
                min = l.replayLsn();
            }
        }
        return min;
    }

    /**
     * The furthest position any replica is known to have replayed from the current primary (same
     * primary and epoch as the topology), or null when none is known: a position that certainly
     * exists in the current primary's WAL.
     */
    public Long maxReplayOfCurrentPrimary() {
        Long max = null;
        for (ReplicaLag l : lag.values()) {
            if (l.replayLsn() != null && l.epoch() == topology.epoch() && topology.primary().equals(l.primary())
                    && (max == null || !Lsn.atOrAfter(max, l.replayLsn()))) {
                max = l.replayLsn();
            }
        }
        return max;
    }
}

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
}

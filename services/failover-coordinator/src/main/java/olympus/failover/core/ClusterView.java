package olympus.failover.core;

import olympus.wire.ClusterTopology;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot the preflights decide on: the stored topology, each region's database as
 * probed from the leader, the observers' latest reports and the last primary WAL position anyone
 * saw (observers and lag-monitor samples; null when nobody ever saw one).
 */
public record ClusterView(ClusterTopology topology, Map<String, NodeStatus> nodes, List<Observation> observations,
                          Long lastKnownPrimaryLsn, long nowMs) {
    public ClusterView {
        nodes = Map.copyOf(nodes);
        observations = List.copyOf(observations);
    }

    public String primary() {
        return topology.primary();
    }

    public NodeStatus node(String region) {
        NodeStatus n = nodes.get(region);
        return n == null ? NodeStatus.unreachable(region, "not probed") : n;
    }
}

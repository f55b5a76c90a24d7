package olympus.failover.core;

import olympus.wire.ClusterTopology;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot the preflights decide on: the stored topology, each region's database as
 * probed from the leader, the observers' latest reports and the last primary WAL position anyone
 * saw (observers and lag-monitor samples; null when nobody ever saw one), and each node agent's
 * last heartbeat to the control quorum.
 */
public record ClusterView(ClusterTopology topology, Map<String, NodeStatus> nodes, List<Observation> observations,
                          Long lastKnownPrimaryLsn, long nowMs, Map<String, AgentHeartbeat> agents) {
    public ClusterView {
        nodes = Map.copyOf(nodes);
        observations = List.copyOf(observations);
        agents = agents == null ? Map.of() : Map.copyOf(agents);
    }

    /** Without the agents' heartbeats (none read). */
    public ClusterView(ClusterTopology topology, Map<String, NodeStatus> nodes, List<Observation> observations,
                       Long lastKnownPrimaryLsn, long nowMs) {
        this(topology, nodes, observations, lastKnownPrimaryLsn, nowMs, Map.of());
    }

    /** The region's agent's last heartbeat, null if none was read. */
    public AgentHeartbeat agent(String region) {
        return agents.get(region);
    }

    public String primary() {
        return topology.primary();
    }

    public NodeStatus node(String region) {
        NodeStatus n = nodes.get(region);
        return n == null ? NodeStatus.unreachable(region, "not probed") : n;
    }
}

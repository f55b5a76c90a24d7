package olympus.topology;

import olympus.render.NatsRole;

import java.util.List;
import java.util.Map;

/**
 * One node agent per region of a topology, each its own JVM as on a database host. Tests start
 * them beside the coordinators and can kill one (or a coordinator) independently: the agent is
 * what must keep fencing when the coordinator is gone.
 */
public final class NodeAgents extends RegionalServices {
    public static final String MAIN = "olympus.agent.Application";

    public NodeAgents(LocalTopology topo, Map<String, String> extraEnv) {
        super(topo, "node agent", NatsRole.NODE_AGENT, MAIN, "HTTP_PORT_NODE_AGENT",
                List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1"), extraEnv, "services/node-agent");
    }

    @Override
    public NodeAgents startAll() {
        super.startAll();
        return this;
    }
}

package olympus.failover.http;

import io.micronaut.serde.annotation.SerdeImport;
import olympus.failover.core.AgentHeartbeat;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Observation;
import olympus.failover.core.Operation;
import olympus.failover.core.Step;
import olympus.wire.ClusterTopology;

/** JSON for the pure core records (which carry no Micronaut annotations) on the HTTP API. */
@SerdeImport(CommandResult.class)
@SerdeImport(AgentHeartbeat.class) // in status data: GET /status answered 500 without it
@SerdeImport(Step.class)
@SerdeImport(Observation.class)
@SerdeImport(Operation.class)
@SerdeImport(ClusterTopology.class)
@SerdeImport(ClusterTopology.Writes.class)
@SerdeImport(ClusterTopology.Member.class)
final class SerdeImports {
    private SerdeImports() {}
}

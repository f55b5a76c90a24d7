package olympus.revocation.it;

import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.RuntimeClasspath;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service as deployed: its own JVM on its runtime class path only (no test libraries), with
 * the environment a deployment gives it; it must come up healthy and export its meters.
 */
@ExtendWith(TopologyExtension.class)
class RuntimeClasspathIT {
    @Test
    void startsHealthyOnItsRuntimeClassPathAndExportsItsMeters(LocalTopology t) throws Exception {
        RuntimeClasspath.assertStartsHealthyWithMetric(t, "eu-west", NatsRole.REVOCATION_BUS,
                "olympus.revocation.Application", "HTTP_PORT_REVOCATION_BUS", "olympus_revocation_origin_ack_seconds");
    }
}

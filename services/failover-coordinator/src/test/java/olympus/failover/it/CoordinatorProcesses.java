package olympus.failover.it;

import io.nats.client.Connection;
import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.NodeAgents;
import olympus.topology.RegionalServices;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A coordinator and a node agent per region, each its own JVM started inside its region (in hosts
 * mode: in the region's network namespace, so every byte between regions crosses the links a cut
 * takes down), and an SRE client in the test JVM. What {@link Coordinators} does in-process, as
 * deployed.
 */
public final class CoordinatorProcesses implements AutoCloseable {
    final LocalTopology topo;
    final NodeAgents agents;
    private final RegionalServices coordinators;
    private Connection sre;
    private SreClient client;
    private String sreRegion;

    public CoordinatorProcesses(LocalTopology topo, Map<String, String> env) {
        this.topo = topo;
        this.agents = new NodeAgents(topo, Map.of()).startAll();
        this.coordinators = new RegionalServices(topo, "coordinator", NatsRole.FAILOVER_COORDINATOR, "olympus.failover.Application",
                "HTTP_PORT_FAILOVER_COORDINATOR", List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"), env,
                "services/failover-coordinator").startAll();
        useSreIn(topo.regions().get(1));
    }

    /** The SRE's tool connects to this region's NATS server (from any region it works the same). */
    public void useSreIn(String region) {
        try {
            if (sre != null) {
                sre.close();
            }
            sre = topo.connect(region, NatsRole.SRE);
            client = new SreClient(sre, LocalTopology.operators().get(0));
            sreRegion = region;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void start(String region) {
        coordinators.start(region);
    }

    /** Kills a region's coordinator at once (SIGKILL), as a crashed process. */
    public void kill(String region) {
        coordinators.kill(region);
    }

    /** Waits until a coordinator answers status with a leader. */
    public String awaitLeader() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            CommandResult r = client.run("status", Map.of(), s -> { }, Duration.ofSeconds(5));
            if (r.leader() != null && !r.leader().isBlank()) {
                return r.leader();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no leader within 60 s");
    }

    public CommandResult run(String verb, Map<String, Object> body) throws Exception {
        CommandResult r = client.run(verb, body, s -> System.out.printf("  step %2d %-60s %-6s %5d ms %s%n", s.seq(), s.name(), s.status(),
                s.millis(), s.detail() == null ? "" : s.detail()), Duration.ofMinutes(3));
        System.out.printf("[sre in %s] %s -> %s: %s (%d ms)%n", sreRegion, verb, r.outcome(), r.reason(), r.totalMillis());
        return r;
    }

    @Override
    public void close() {
        coordinators.close();
        agents.close();
        if (sre != null) {
            try {
                sre.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

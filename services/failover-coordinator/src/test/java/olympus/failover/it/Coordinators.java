package olympus.failover.it;

import io.micronaut.context.ApplicationContext;
import io.nats.client.Connection;
import olympus.failover.app.Coordinator;
import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.NodeAgents;
import olympus.topology.PgRoles;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One in-process coordinator per region of a topology, and an SRE client. */
public final class Coordinators implements AutoCloseable {
    final LocalTopology topo;
    final Map<String, ApplicationContext> contexts = new LinkedHashMap<>();
    final Connection sre;
    final SreClient client;
    /** The node agents: each its own process, as on its database host. */
    final NodeAgents agents;

    public Coordinators(LocalTopology topo, Map<String, Object> extra) throws Exception {
        this.topo = topo;
        this.agents = new NodeAgents(topo, Map.of()).startAll();
        for (String r : topo.regions()) {
            start(r, extra);
        }
        sre = topo.connect(topo.regions().get(1), NatsRole.SRE);
        client = new SreClient(sre, LocalTopology.operators().get(0));
    }

    void start(String r, Map<String, Object> extra) {
        // One coordinator per region: one left running would keep its lease after close().
        stop(r);
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", -1);
        p.putAll(topo.tlsProperties(r));
        p.put("olympus.nats.url", topo.natsUrl(r));
        p.put("olympus.nats.user", NatsRole.FAILOVER_COORDINATOR.user(r));
        p.put("olympus.nats.password", topo.credentials().natsPassword(NatsRole.FAILOVER_COORDINATOR, r));
        p.put("olympus.failover.region", r);
        p.put("olympus.failover.regions", String.join(",", topo.regions()));
        p.put("olympus.failover.api-tokens", "sre-token=alice:sre,viewer-token=bob:viewer");
        p.put("datasources.default.url", topo.pgBouncerJdbcUrl(r) + "&connectTimeout=3&socketTimeout=10");
        p.put("datasources.default.username", PgRoles.APP);
        p.put("datasources.default.password", topo.credentials().pgPassword(PgRoles.APP));
        p.putAll(extra);
        contexts.put(r, ApplicationContext.run(io.micronaut.runtime.server.EmbeddedServer.class, p, "test").getApplicationContext());
    }

    void stop(String region) {
        ApplicationContext c = contexts.remove(region);
        if (c != null) {
            c.close();
        }
    }

    Coordinator coordinator(String region) {
        return contexts.get(region).getBean(Coordinator.class);
    }

    public String awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (var e : contexts.entrySet()) {
                if (e.getValue().getBean(Coordinator.class).leadership().mayAct()) {
                    return e.getKey();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within 30 s");
    }

    public CommandResult run(String verb, Map<String, Object> body) throws Exception {
        List<String> steps = new ArrayList<>();
        CommandResult r = client.run(verb, body, s -> {
            steps.add(s.name());
            System.out.printf("  step %2d %-60s %-6s %5d ms %s%n", s.seq(), s.name(), s.status(), s.millis(), s.detail() == null ? "" : s.detail());
        }, Duration.ofMinutes(3));
        System.out.printf("%s -> %s: %s (%d ms)%n", verb, r.outcome(), r.reason(), r.totalMillis());
        return r;
    }

    @Override
    public void close() throws Exception {
        for (String r : new ArrayList<>(contexts.keySet())) {
            stop(r);
        }
        sre.close();
        agents.close();
    }
}

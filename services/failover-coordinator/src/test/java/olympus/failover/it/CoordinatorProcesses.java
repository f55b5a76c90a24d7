package olympus.failover.it;

import io.nats.client.Connection;
import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.NodeAgents;
import olympus.topology.RuntimeClasspath;
import olympus.topology.ServiceProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A coordinator and a node agent per region, each its own JVM started inside its region (in hosts
 * mode: in the region's network namespace, so every byte between regions crosses the links a cut
 * takes down), and an SRE client in the test JVM. What {@link Coordinators} does in-process, as
 * deployed.
 */
public final class CoordinatorProcesses implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final LocalTopology topo;
    final NodeAgents agents;
    private final Map<String, ServiceProcess> running = new LinkedHashMap<>();
    private final Map<String, String> env;
    private Connection sre;
    private SreClient client;
    private String sreRegion;

    public CoordinatorProcesses(LocalTopology topo, Map<String, String> env) {
        this.topo = topo;
        this.env = Map.copyOf(env);
        this.agents = new NodeAgents(topo, Map.of()).startAll();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (String r : topo.regions()) {
            all.add(CompletableFuture.runAsync(() -> start(r)));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        useSreIn(topo.regions().get(1));
    }

    /** The SRE's tool connects to this region's NATS server (from any region it works the same). */
    public void useSreIn(String region) {
        try {
            if (sre != null) {
                sre.close();
            }
            sre = topo.connect(region, NatsRole.SRE);
            client = new SreClient(sre);
            sreRegion = region;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void start(String region) {
        stop(region);
        try {
            ServiceProcess p = ServiceProcess.start(topo, region, NatsRole.FAILOVER_COORDINATOR, "olympus.failover.Application",
                    "HTTP_PORT_FAILOVER_COORDINATOR", List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"), env,
                    RuntimeClasspath.of("services/failover-coordinator"));
            synchronized (running) {
                running.put(region, p);
            }
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < end) {
                if (!p.process().isAlive()) {
                    throw new AssertionError("the coordinator of " + region + " exited:\n" + p.logTail());
                }
                try {
                    if (HTTP.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + "/health")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(250);
            }
            throw new AssertionError("the coordinator of " + region + " did not become healthy:\n" + p.logTail());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills a region's coordinator at once (SIGKILL), as a crashed process. */
    public void kill(String region) {
        ServiceProcess p;
        synchronized (running) {
            p = running.remove(region);
        }
        if (p != null) {
            p.process().destroyForcibly();
        }
    }

    public void stop(String region) {
        ServiceProcess p;
        synchronized (running) {
            p = running.remove(region);
        }
        if (p != null) {
            try {
                p.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public String logTail(String region) {
        ServiceProcess p = running.get(region);
        return p == null ? "(not running)" : p.logTail();
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
        for (String r : List.copyOf(running.keySet())) {
            stop(r);
        }
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

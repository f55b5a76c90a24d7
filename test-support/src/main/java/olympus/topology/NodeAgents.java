package olympus.topology;

import olympus.render.NatsRole;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One node agent per region of a topology, each its own JVM as on a database host, configured
 * only from {@code topology env REGION node-agent}. Tests start them beside the coordinators and
 * can kill one (or a coordinator) independently: the agent is what must keep fencing when the
 * coordinator is gone.
 */
public final class NodeAgents implements AutoCloseable {
    public static final String MAIN = "olympus.agent.Application";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalTopology topo;
    private final Map<String, String> extraEnv;
    private final Map<String, ServiceProcess> running = new LinkedHashMap<>();

    public NodeAgents(LocalTopology topo, Map<String, String> extraEnv) {
        this.topo = topo;
        this.extraEnv = Map.copyOf(extraEnv);
    }

    /** Starts every region's agent (in parallel) and waits until each answers /health. */
    public NodeAgents startAll() {
        List<CompletableFuture<Void>> all = topo.regions().stream()
                .map(r -> CompletableFuture.runAsync(() -> start(r))).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return this;
    }

    public void start(String region) {
        stop(region);
        try {
            ServiceProcess p = ServiceProcess.start(topo, region, NatsRole.NODE_AGENT, MAIN, "HTTP_PORT_NODE_AGENT",
                    List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1"), extraEnv, classPath());
            synchronized (running) {
                running.put(region, p);
            }
            awaitHealthy(region, p);
        } catch (IOException e) {
            throw new TopologyException("cannot start the node agent of " + region + ": " + e.getMessage(), e);
        }
    }

    /** Kills a region's agent at once (SIGKILL), as a crashed host process. */
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

    public Path log(String region) {
        return running.get(region).log();
    }

    private void awaitHealthy(String region, ServiceProcess p) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            if (!p.process().isAlive()) {
                throw new TopologyException("the node agent of " + region + " exited:\n" + p.logTail());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Proc.sleep(200);
        }
        throw new TopologyException("the node agent of " + region + " did not become healthy within 60 s:\n" + p.logTail());
    }

    static String classPath() {
        try {
            return RuntimeClasspath.of("services/node-agent");
        } catch (IllegalStateException e) {
            throw new TopologyException("the node agent cannot be started: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (String r : List.copyOf(running.keySet())) {
            stop(r);
        }
    }
}

package olympus.topology;

import olympus.render.NatsRole;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One process of a service per region of a topology, each its own JVM started inside its region
 * (hosts mode: in the region's network namespace) on the service's runtime class path, configured
 * only from {@code topology env REGION ROLE}. Tests kill or stop one region's process while the
 * others go on (a crashed coordinator, a dead agent).
 */
public class RegionalServices implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalTopology topo;
    private final String service;
    private final NatsRole role;
    private final String mainClass;
    private final String portVariable;
    private final List<String> jvmArgs;
    private final Map<String, String> extraEnv;
    private final String module;
    private final Map<String, ServiceProcess> running = new LinkedHashMap<>();

    /**
     * @param module the service's module directory, e.g. "services/node-agent": its runtime class path
     */
    public RegionalServices(LocalTopology topo, String service, NatsRole role, String mainClass, String portVariable,
                            List<String> jvmArgs, Map<String, String> extraEnv, String module) {
        this.topo = topo;
        this.service = service;
        this.role = role;
        this.mainClass = mainClass;
        this.portVariable = portVariable;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.extraEnv = Map.copyOf(extraEnv);
        this.module = module;
    }

    /** Starts every region's process (in parallel) and waits until each answers /health. */
    public RegionalServices startAll() {
        List<CompletableFuture<Void>> all = topo.regions().stream().map(r -> CompletableFuture.runAsync(() -> start(r))).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return this;
    }

    public void start(String region) {
        stop(region);
        String cp;
        try {
            cp = RuntimeClasspath.of(module);
        } catch (IllegalStateException e) {
            throw new TopologyException("the " + service + " cannot be started: " + e.getMessage(), e);
        }
        try {
            ServiceProcess p = ServiceProcess.start(topo, region, role, mainClass, portVariable, jvmArgs, extraEnv, cp);
            synchronized (running) {
                running.put(region, p);
            }
            awaitHealthy(region, p);
        } catch (IOException e) {
            throw new TopologyException("cannot start the " + service + " of " + region + ": " + e.getMessage(), e);
        }
    }

    /** Kills a region's process at once (SIGKILL), as a crash. */
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

    private void awaitHealthy(String region, ServiceProcess p) {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            if (!p.process().isAlive()) {
                throw new TopologyException("the " + service + " of " + region + " exited:\n" + p.logTail());
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
        throw new TopologyException("the " + service + " of " + region + " did not become healthy within 90 s:\n" + p.logTail());
    }

    @Override
    public void close() {
        for (String r : List.copyOf(running.keySet())) {
            stop(r);
        }
    }
}

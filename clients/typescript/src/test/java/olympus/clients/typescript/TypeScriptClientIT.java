package olympus.clients.typescript;

import olympus.render.NatsRole;
import olympus.topology.LocalTopology;
import olympus.topology.RuntimeClasspath;
import olympus.topology.ServiceProcess;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code cd clients/typescript && npm test} inside {@code mvn test}: a topology (the JVM's shared
 * one), the services the client calls started from their runtime class paths on the topology's own
 * ports (the ones topology.json lists, which the npm tests read), then {@code npm ci} (when
 * node_modules lacks TypeScript) and {@code npm test} with {@code OLYMPUS_TOPOLOGY_DIR} set. The
 * revocation-bus of the replica region gets the pid file deploy/local/services would write, so the
 * npm test can stop it (SIGSTOP) to see the client fail closed.
 */
@ExtendWith(TopologyExtension.class)
class TypeScriptClientIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1");
    private static final Path PACKAGE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final List<ServiceProcess> RUNNING = new ArrayList<>();
    static LocalTopology t;

    @BeforeAll
    static void up(LocalTopology topology) throws Exception {
        t = topology;
        String primary = t.primaryRegion();
        String replica = t.regions().stream().filter(r -> !r.equals(primary)).findFirst().orElseThrow();
        Path services = t.spec().workDir().resolve("services");
        Files.createDirectories(services);
        for (String region : List.of(primary, replica)) {
            start(region, NatsRole.LAG_MONITOR, "olympus.lag.Application", "services/lag-monitor", "HTTP_PORT_LAG_MONITOR");
            ServiceProcess bus = start(region, NatsRole.REVOCATION_BUS, "olympus.revocation.Application", "services/revocation-bus",
                    "HTTP_PORT_REVOCATION_BUS");
            Files.writeString(services.resolve("revocation-bus-" + region + ".pid"), bus.process().pid() + "\n");
        }
        start(replica, NatsRole.SESSION_ROUTER, "olympus.router.Application", "services/session-router", "HTTP_PORT_SESSION_ROUTER");
        for (ServiceProcess p : RUNNING) {
            awaitHealthy(p);
        }
    }

    /** On the port the topology's environment gives the service (the one in topology.json). */
    private static ServiceProcess start(String region, NatsRole role, String main, String module, String portVariable) throws IOException {
        int port = port(t.env(region, role), portVariable);
        ServiceProcess p = ServiceProcess.start(t, region, role, main, "OLYMPUS_IT_UNUSED_PORT", JVM, Map.of(), RuntimeClasspath.of(module));
        ServiceProcess onPort = new ServiceProcess(p.process(), port, p.log(), p.host());
        RUNNING.add(onPort);
        return onPort;
    }

    private static int port(String env, String variable) {
        Matcher m = Pattern.compile("(?m)^" + variable + "=(\\d+)$").matcher(env);
        if (!m.find()) {
            throw new IllegalStateException("no " + variable + " in the topology's environment");
        }
        return Integer.parseInt(m.group(1));
    }

    private static void awaitHealthy(ServiceProcess p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < end) {
            if (!p.process().isAlive()) {
                fail("service died: " + p.log() + "\n" + tail(p.log()));
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + p.host() + ":" + p.port() + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail("not healthy in 90 s: " + p.log() + "\n" + tail(p.log()));
    }

    @AfterAll
    static void down() throws InterruptedException {
        for (ServiceProcess p : RUNNING) {
            p.close();
        }
        RUNNING.clear();
    }

    @Test
    void npmTestPassesAgainstTheRealServices() throws Exception {
        Path log = Files.createTempFile("npm-test-", ".log");
        if (!Files.exists(PACKAGE.resolve("node_modules/.bin/tsc"))) {
            int rc = run(List.of("npm", "ci", "--no-audit", "--no-fund"), log, 180);
            assertEquals(0, rc, "npm ci failed (TypeScript is a dev dependency from the npm registry):\n" + tail(log));
        }
        int rc = run(List.of("npm", "test"), log, 240);
        String out = Files.readString(log);
        System.out.println(out);
        assertEquals(0, rc, "npm test failed in " + PACKAGE + ":\n" + tail(log));
        assertTrue(out.contains("# fail 0"), "node's test runner reported failures:\n" + tail(log));
        Matcher pass = Pattern.compile("(?m)^# pass (\\d+)$").matcher(out);
        assertTrue(pass.find() && Integer.parseInt(pass.group(1)) >= 8, "fewer npm tests ran than written:\n" + tail(log));
        assertTrue(out.contains("# skipped 0"), "an npm test was skipped:\n" + tail(log));
    }

    private static int run(List<String> cmd, Path log, int seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(PACKAGE.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OLYMPUS_TOPOLOGY_DIR", t.spec().workDir().toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(cmd.get(0) + " cannot be run (Node 20 and npm are needed): " + e.getMessage(), e);
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + seconds + " s:\n" + tail(log));
        }
        return p.exitValue();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

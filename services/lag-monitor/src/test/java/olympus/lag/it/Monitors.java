package olympus.lag.it;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.PgRoles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Starting lag-monitors against a topology: in-process (one Micronaut server per region) or as real processes. */
final class Monitors {
    private Monitors() {}

    static Map<String, Object> properties(LocalTopology t, String region, String interval) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("micronaut.server.port", t.ports().lagMonitorHttp(t.regions().indexOf(region)));
        p.putAll(t.tlsProperties(region));
        p.put("lag-monitor.region", region);
        p.put("lag-monitor.primary-region", t.primaryRegion());
        p.put("lag-monitor.interval", interval);
        p.put("lag-monitor.postgres-endpoints", t.postgresEndpointsFrom(region));
        p.put("lag-monitor.postgres-user", PgRoles.MONITOR);
        p.put("lag-monitor.postgres-password", t.credentials().pgPassword(PgRoles.MONITOR));
        p.put("lag-monitor.nats-url", t.natsUrl(region));
        p.put("lag-monitor.nats-user", NatsRole.LAG_MONITOR.user(region));
        p.put("lag-monitor.nats-password", t.credentials().natsPassword(NatsRole.LAG_MONITOR, region));
        return p;
    }

    static EmbeddedServer start(LocalTopology t, String region, String interval) {
        return ApplicationContext.run(EmbeddedServer.class, properties(t, region, interval));
    }

    /** The service as its own JVM, configured exactly as an operator would: the topology's environment. */
    static Process spawn(LocalTopology t, String region, String interval, Path log) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "olympus.lag.Application"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String line : t.env(region, NatsRole.LAG_MONITOR).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                pb.environment().put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        pb.environment().put("LAG_MONITOR_INTERVAL", interval);
        return pb.start();
    }
}

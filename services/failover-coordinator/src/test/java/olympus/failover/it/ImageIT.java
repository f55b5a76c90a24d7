package olympus.failover.it;

import olympus.render.NatsRole;
import olympus.render.PgRoles;
import olympus.topology.ImageRoot;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The failover-coordinator's image run in a chroot as its user against the local topology (as
 * the lag-monitor's ImageIT does): /health/readiness answers 200, and still does while the
 * region's PgBouncer is PAUSED, as a switchover pauses it (readiness leaves the datasource out:
 * a coordinator reported not ready would be restarted mid-switchover). Under -Pimages, as root.
 */
@ExtendWith(TopologyExtension.class)
class ImageIT {
    private static final String REGION = "eu-west";

    @Test
    void imageAnswersReadinessAlsoWhilePgBouncerIsPaused(LocalTopology t, @TempDir Path dir) throws Exception {
        ImageRoot image = ImageRoot.unpack(Path.of(System.getProperty("image.tar", "target/image/failover-coordinator.tar")), dir);
        assertEquals("10001:10001", image.config().user());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = ImageRoot.serviceEnv(t, REGION, NatsRole.FAILOVER_COORDINATOR);
        env.put("HTTP_PORT_FAILOVER_COORDINATOR", Integer.toString(port));
        env.put("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1");
        Path log = Files.createTempFile("image-failover-coordinator-", ".log");
        Process p = image.start(t, REGION, env, log);
        String readiness = "http://" + t.host(REGION) + ":" + port + "/health/readiness";
        try {
            ImageRoot.awaitOk(p, log, readiness, Duration.ofSeconds(120));
            bouncer(t, "PAUSE");
            try {
                for (int i = 0; i < 8; i++) {
                    assertEquals(200, ImageRoot.status(readiness), "readiness while PgBouncer is PAUSED\n" + ImageRoot.tail(log));
                    Thread.sleep(500);
                }
            } finally {
                bouncer(t, "RESUME");
            }
            assertEquals(200, ImageRoot.status("http://" + t.host(REGION) + ":" + port + "/health/liveness"));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void bouncer(LocalTopology t, String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command,
                "host=" + t.host(REGION) + " port=" + t.pgBouncerPort(REGION) + " dbname=pgbouncer user=" + PgRoles.PGBOUNCER_ADMIN
                        + " connect_timeout=5 " + t.pgConninfoSsl()).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", t.credentials().pgPassword(PgRoles.PGBOUNCER_ADMIN));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("PgBouncer " + command + " failed: " + out);
        }
    }
}

package olympus.lag.it;

import olympus.render.NatsRole;
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
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lag-monitor's image as a container runtime would run it (no engine runs on these machines):
 * target/image/lag-monitor.tar (mvn -Pimages package) unpacked, its entrypoint started in a chroot
 * as its user (10001) with the environment a deployment gives it, against the local topology. It
 * must answer 200 on /health/readiness and /health/liveness, its healthcheck (curl, inside the
 * image) must pass, and it must log JSON with its region. Runs under -Pimages (failsafe), as root.
 */
@ExtendWith(TopologyExtension.class)
class ImageIT {
    @Test
    void imageRunsInAChrootAndAnswersReadiness(LocalTopology t, @TempDir Path dir) throws Exception {
        ImageRoot image = ImageRoot.unpack(Path.of(System.getProperty("image.tar", "target/image/lag-monitor.tar")), dir);
        assertEquals("10001:10001", image.config().user(), "the image runs as olympus, not root");
        assertEquals("json", image.config().env().get("OLYMPUS_LOG_FORMAT"));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = ImageRoot.serviceEnv(t, "eu-west", NatsRole.LAG_MONITOR);
        env.put("HTTP_PORT_LAG_MONITOR", Integer.toString(port));
        env.put("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1");
        Path log = Files.createTempFile("image-lag-monitor-", ".log");
        Process p = image.start(t, "eu-west", env, log);
        try {
            String base = "http://" + t.host("eu-west") + ":" + port;
            ImageRoot.awaitOk(p, log, base + "/health/readiness", Duration.ofSeconds(120));
            ImageRoot.awaitOk(p, log, base + "/health/liveness", Duration.ofSeconds(10));
            // The healthcheck the image names, with the port this run uses.
            String check = image.config().labels().get("dev.olympus.healthcheck").replace(":8080/", ":" + port + "/");
            assertEquals(0, image.exec(t, "eu-west", Arrays.asList(check.split(" "))), "healthcheck " + check);
            String out = Files.readString(log);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("{") && l.matches(".*\"region\"\\s*:\\s*\"eu-west\".*")),
                    "JSON log lines with the region:\n" + ImageRoot.tail(log));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}

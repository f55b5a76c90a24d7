package olympus.revocation.it;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import olympus.revocation.core.EventBatch;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 the eu-west service (a real process) while it ingests and applies, restart it, and
 * count: every ingest it acknowledged is enforced in every region, every event stored in the
 * origin stream is applied in every region, and none was applied twice: each region's counter
 * moved by exactly the number of distinct events it holds an applied marker for. That can be more
 * than the events stored: the express copy (ExpressFanout) of a batch the killed process never
 * stored may already have been applied somewhere, a revocation enforced early, never acknowledged.
 */
@ExtendWith(TopologyExtension.class)
class CrashIT {
    static LocalTopology topology;
    static Region east;
    static Region south;
    static Region westHandle;
    static Process west;
    static int westPort;

    @BeforeAll
    static void up(LocalTopology t) throws Exception {
        topology = t;
        east = new Region(t, "us-east", t.ports().revocationBusHttp(0)).start();
        south = new Region(t, "ap-south", t.ports().revocationBusHttp(2)).start();
        westPort = t.ports().revocationBusHttp(1);
        westHandle = new Region(t, "eu-west", westPort);
    }

    @AfterAll
    static void down() {
        if (west != null) {
            west.destroyForcibly();
        }
        for (Region r : new Region[] {east, south, westHandle}) {
            if (r != null) {
                r.close();
            }
        }
    }

    static Process startWest(Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "olympus.revocation.Application");
        pb.environment().putAll(Region.env(topology, "eu-west", westPort));
        pb.environment().put("MICRONAUT_ENVIRONMENTS", "crash-test");
        pb.environment().put("LOGGER_LEVELS_OLYMPUS_REVOCATION", "DEBUG");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> westHandle.get("/health").statusCode() == 200);
        return p;
    }

    static long originLastSeq(JetStreamManagement jsm) throws Exception {
        return jsm.getStreamInfo(Naming.originStream(Naming.Family.REVOCATION, "eu-west")).getStreamState().getLastSequence();
    }

    /** Ids of the events (not messages: a message holds a batch) stored in eu-west's origin after sequence {@code after}. */
    static Set<String> originEventIdsAfter(JetStreamManagement jsm, long after) throws Exception {
        String stream = Naming.originStream(Naming.Family.REVOCATION, "eu-west");
        long last = originLastSeq(jsm);
        EventCodec codec = new EventCodec();
        Set<String> ids = new HashSet<>();
        for (long seq = after + 1; seq <= last; seq++) {
            for (byte[] e : EventBatch.split(jsm.getMessage(stream, seq).getData())) {
                ids.add(codec.decode(e).eventId());
            }
        }
        return ids;
    }

    @Test
    void killMinus9MidBatchLosesNothingAndAppliesNothingTwice() throws Exception {
        String run = Cluster.runId();
        Path log = Path.of("target", "crash-it-eu-west.log");
        west = startWest(log);
        try (Connection admin = topology.connect("eu-west", NatsRole.ADMIN)) {
            JetStreamManagement jsm = admin.jetStreamManagement();
            long streamBefore = originLastSeq(jsm);
            Region[] all = {east, westHandle, south};
            long[] before = new long[3];
            for (int i = 0; i < 3; i++) {
                before[i] = all[i].appliedCount();
            }
            List<String> acked = Collections.synchronizedList(new ArrayList<>());
            List<String> attempted = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            Thread client = new Thread(() -> {
                for (int b = 0; !stop.get(); b++) {
                    List<String> jtis = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        jtis.add("c-" + run + "-" + b + "-" + i);
                    }
                    attempted.addAll(jtis);
                    try {
                        HttpResponse<String> r = westHandle.revoke(Cluster.tokenBatch(jtis, "crash test"));
                        if (r.statusCode() == 200) {
                            acked.addAll(jtis);
                        }
                    } catch (Exception e) {
                        // The process died under us: these were not acknowledged, nothing is claimed.
                    }
                }
            });
            client.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> acked.size() >= 1000);
            long appliedBeforeKill = westHandle.appliedCount() - before[1];
            west.destroyForcibly().waitFor();  // SIGKILL
            System.out.println(java.time.Instant.now() + " killed; consumer: "
                    + admin.jetStreamManagement().getConsumerInfo("REVOCATION_VIEW", "revocation-bus-eu-west"));
            stop.set(true);
            client.join(30_000);
            int ackedAtKill = acked.size();
            Set<String> storedIds = originEventIdsAfter(jsm, streamBefore);
            long stored = storedIds.size();
            System.out.printf("crash: killed after %d acked ingests, %d applied in eu-west; origin stream holds %d%n",
                    ackedAtKill, appliedBeforeKill, stored);
            assertTrue(stored >= ackedAtKill, "every acknowledged ingest is in the origin stream");
            System.out.println(java.time.Instant.now() + " before restart; consumer: "
                    + admin.jetStreamManagement().getConsumerInfo("REVOCATION_VIEW", "revocation-bus-eu-west"));
            west = startWest(log);
            List<String> ackedCopy = new ArrayList<>(acked);
            for (Region r : all) {
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> r.enforcedJtis(ackedCopy) == ackedCopy.size());
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    var ci = admin.jetStreamManagement().getConsumerInfo("REVOCATION_VIEW", "revocation-bus-eu-west");
                    System.out.println("consumer (admin in eu-west): " + ci);
                    new ProcessBuilder("jcmd", Long.toString(west.pid()), "Thread.print").inheritIO().start().waitFor();
                    throw new AssertionError(r.name + " enforces only " + r.enforcedJtis(ackedCopy) + " of "
                            + ackedCopy.size() + " acknowledged revocations", e);
                }
            }
            // Stored but never acknowledged (the reply died with the process) still counts: it is in
            // the stream, so it must be applied too, once; messages the dead process held are
            // redelivered after ack-wait.
            for (int i = 0; i < 3; i++) {
                Region r = all[i];
                long b = before[i];
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> r.appliedCount() - b >= stored);
            }
            Thread.sleep(7000); // longer than ack-wait: any redelivery that would double-apply has happened
            List<String> attemptedIds = attempted.stream().map(j -> "ev-" + j).toList();
            for (int i = 0; i < 3; i++) {
                Set<String> marked = all[i].appliedMarkers(attemptedIds);
                assertTrue(marked.containsAll(storedIds), all[i].name + ": every stored event applied");
                System.out.printf("crash: %s applied %d stored events and %d from express copies only%n", all[i].name,
                        stored, marked.size() - stored);
                assertEquals(marked.size(), all[i].appliedCount() - before[i], all[i].name + ": each event applied once");
            }
        }
    }
}

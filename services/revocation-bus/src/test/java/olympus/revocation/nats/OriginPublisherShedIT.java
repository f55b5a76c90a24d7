package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.TokenRevoked;
import olympus.wire.WireEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An overloaded bus sheds what its callers stopped waiting for: events that waited in the
 * publisher's queue longer than the publish timeout are failed, never sent, and the bus stores
 * new events at once when the server answers again. Against a real nats-server (its own, with
 * JetStream in domain us-east), frozen with SIGSTOP so that acks stop coming, as on a saturated host.
 */
class OriginPublisherShedIT {
    static Process server;
    static Path dir;
    static int port;

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory("olympus-shed-it");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("nats.conf"), "listen: 127.0.0.1:" + port + "\njetstream { store_dir: \"" + dir
                + "/js\", domain: us-east }\n");
        server = new ProcessBuilder("nats-server", "-c", dir.resolve("nats.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nats.log").toFile()).start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Connection c = connect()) {
                JetStreamManagement jsm = c.jetStreamManagement(JetStreamOptions.builder().domain("us-east").build());
                jsm.addStream(StreamConfiguration.builder().name(Naming.originStream(Naming.Family.REVOCATION, "us-east"))
                        .subjects(Naming.originSubjects(Naming.Family.REVOCATION, "us-east")).storageType(StorageType.Memory).build());
                return;
            } catch (Exception e) {
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("nats-server did not start: " + Files.readString(dir.resolve("nats.log")), e);
                }
                Thread.sleep(200);
            }
        }
    }

    @AfterAll
    static void down() throws Exception {
        if (server != null) {
            signal("CONT");
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Connection connect() throws Exception {
        return Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port).connectionTimeout(Duration.ofSeconds(2)).build());
    }

    static void signal(String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(server.pid())).start().waitFor());
    }

    static WireEvent token(String id) {
        Instant now = Instant.now();
        return new TokenRevoked(id, 1, "us-east", now, id, null, now, now.plusSeconds(3600), null);
    }

    @Test
    void eventsQueuedLongerThanThePublishTimeoutAreFailedAndNeverSent() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (Connection nc = connect()) {
            // One message in flight, one event per message: with acks stopped, the first event
            // holds the slot for the timeout (1 s), the second gets it next and holds it 1 s more,
            // and by then every later one has waited past the timeout (1.7 s).
            OriginPublisher p = new OriginPublisher(nc, new EventCodec(), "us-east", Duration.ofSeconds(1), 1, Duration.ZERO, 1,
                    256 * 1024, (events, queued, ack, ok) -> { }, timer, null);
            signal("STOP");
            List<CompletableFuture<OriginPublisher.Stored>> fs = new ArrayList<>();
            try {
                fs.addAll(p.publish(List.of(token("shed-0"))));
                // The others 300 ms later: when the first times out they have waited 0.7 s, so the
                // second is sent, not shed (no race at the edge of the timeout).
                Thread.sleep(300);
                for (int i = 1; i < 50; i++) {
                    fs.addAll(p.publish(List.of(token("shed-" + i))));
                }
                for (int i = 2; i < fs.size(); i++) {
                    try {
                        fs.get(i).get(10, TimeUnit.SECONDS);
                        fail("event " + i + " was stored while the server was frozen");
                    } catch (ExecutionException e) {
                        assertInstanceOf(OriginPublisher.QueuedTooLong.class, e.getCause(), "event " + i + ": " + e.getCause());
                    }
                }
            } finally {
                signal("CONT");
            }
            for (int i = 0; i < 2; i++) {
                // sent while frozen: failed by the ack timeout, not shed
                CompletableFuture<OriginPublisher.Stored> f = fs.get(i);
                Throwable t = f.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
                assertTrue(t instanceof java.util.concurrent.TimeoutException, "event " + i + ": " + t);
            }
            // The bus answers at once again: nothing shed is waiting in front of a new event.
            OriginPublisher.Stored s = p.publish(List.of(token("after"))).get(0).get(5, TimeUnit.SECONDS);
            JetStreamManagement jsm = nc.jetStreamManagement(JetStreamOptions.builder().domain("us-east").build());
            long stored = jsm.getStreamInfo(Naming.originStream(Naming.Family.REVOCATION, "us-east")).getStreamState().getMsgCount();
            // At most the two sent while frozen (the server stores them when it wakes) and the new one.
            assertTrue(stored <= 3, "stored " + stored + " messages: shed events were sent");
            assertEquals(stored, s.seq(), "the new event is the last stored");
        } finally {
            timer.shutdownNow();
        }
    }
}

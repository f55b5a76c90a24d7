package olympus.failover.it;

import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.runtime.server.EmbeddedServer;
import io.nats.client.Connection;
import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.PgRoles;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URL;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Migration pause with a deadline, migrate waiting for every replica, and commands without the right. */
@ExtendWith(TopologyExtension.class)
class MigrationIT {
    static Coordinators coordinators;
    static LocalTopology topo;

    @BeforeAll
    static void up(LocalTopology t) throws Exception {
        topo = t;
        coordinators = new Coordinators(t, Map.of());
        coordinators.awaitLeader();
    }

    @AfterAll
    static void down() throws Exception {
        coordinators.close();
        topo.repair();
    }

    /** Client backends per region's PostgreSQL, ours excluded (asked as the superuser, over TLS). */
    private static Map<String, Integer> backends() throws Exception {
        Map<String, Integer> n = new java.util.TreeMap<>();
        for (String region : topo.regions()) {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(topo.jdbcUrl(region), olympus.topology.PgRoles.SUPERUSER,
                    topo.credentials().pgPassword(olympus.topology.PgRoles.SUPERUSER));
                 java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                         + "AND pid <> pg_backend_pid()")) {
                rs.next();
                n.put(region, rs.getInt(1));
            }
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static String writesState() throws Exception {
        CommandResult s = coordinators.run("status", Map.of());
        Map<String, Object> t = (Map<String, Object>) ((Map<String, Object>) s.data()).get("topology");
        return String.valueOf(((Map<String, Object>) t.get("writes")).get("state"));
    }

    @Test
    void pauseWithDeadlineResumesByItself() throws Exception {
        CommandResult p = coordinators.run("pause", Map.of("reason", "schema change", "deadline", "3s", "operator", "mallory"));
        assertEquals(CommandResult.DONE, p.outcome(), p.reason());
        // The principal is the operator whose subject the command came on (alice's user may publish
        // only there), not what the message claims.
        assertEquals("nats:" + LocalTopology.operators().get(0), p.principal());
        assertEquals("PAUSED", writesState());
        await().atMost(Duration.ofSeconds(20)).until(() -> "OPEN".equals(writesState()));
        // The poolers were resumed too: a write through PgBouncer goes through at once.
        try (var c = DriverManager.getConnection(topo.pgBouncerJdbcUrl("ap-south") + "&socketTimeout=5", PgRoles.APP,
                topo.credentials().pgPassword(PgRoles.APP)); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    /**
     * A command sent the moment the previous one's result arrives is taken, never refused as
     * "another command is running": the leader publishes a result only once it is free again
     * (CI once refused LeaderIT's switchover back this way).
     */
    @Test
    void aCommandSentRightAfterAResultIsTaken() throws Exception {
        for (int i = 0; i < 5; i++) {
            CommandResult p = coordinators.run("pause", Map.of("reason", "back to back " + i, "deadline", "60s"));
            assertEquals(CommandResult.DONE, p.outcome(), p.reason());
            CommandResult r = coordinators.run("resume", Map.of());
            assertEquals(CommandResult.DONE, r.outcome(), r.reason());
        }
        assertEquals("OPEN", writesState());
    }

    @Test
    void migrateWaitsForEveryReplica() throws Exception {
        CommandResult m = coordinators.run("migrate", Map.of("sql",
                "CREATE TABLE IF NOT EXISTS migrated_t (id int PRIMARY KEY); INSERT INTO migrated_t VALUES (1) ON CONFLICT DO NOTHING",
                "reason", "add migrated_t"));
        assertEquals(CommandResult.DONE, m.outcome(), m.reason());
        assertTrue(m.steps().stream().anyMatch(s -> s.name().startsWith("every replica replays past")));
        for (String r : topo.regions()) {
            try (var c = DriverManager.getConnection(topo.jdbcUrl(r), PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP));
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM migrated_t")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "migration visible on " + r + " when migrate returned");
            }
        }
        assertEquals("OPEN", writesState());
        CommandResult bad = coordinators.run("migrate", Map.of("sql", "CREATE TABLE broken ("));
        assertEquals(CommandResult.FAILED, bad.outcome());
        assertTrue(bad.reason().contains("migration failed"), bad.reason());
        assertEquals("OPEN", writesState());
    }

    @Test
    void commandsWithoutTheRightAreRefused() throws Exception {
        // NATS: a user whose permissions do not include the command subjects gets no coordinator at all.
        try (Connection observer = topo.connect("eu-west", NatsRole.OBSERVER)) {
            IOException e = assertThrows(IOException.class, () -> new SreClient(observer, LocalTopology.operators().get(0)).run("switchover", Map.of("to", "eu-west"), null,
                    Duration.ofSeconds(5)));
            System.out.println("observer refused: " + e.getMessage());
        }
        // HTTP: a viewer token may read but not switch over; refused and audited.
        String leader = coordinators.awaitLeader();
        ApplicationContext ctx = coordinators.contexts.get(leader);
        URL url = ctx.getBean(EmbeddedServer.class).getURL();
        try (HttpClient http = HttpClient.create(url)) {
            HttpClientResponseException forbidden = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                    HttpRequest.POST("/commands/switchover", Map.of("to", "eu-west")).bearerAuth("viewer-token"), CommandResult.class));
            assertEquals(403, forbidden.getStatus().getCode());
            HttpClientResponseException anonymous = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                    HttpRequest.POST("/commands/pause", Map.of("reason", "x", "deadline", "1m")), CommandResult.class));
            assertEquals(401, anonymous.getStatus().getCode());
            // Status needs a token too, and answers from a snapshot: a flood probes the agents once a second.
            HttpClientResponseException anonymousStatus = assertThrows(HttpClientResponseException.class,
                    () -> http.toBlocking().exchange(HttpRequest.GET("/status"), CommandResult.class));
            assertEquals(401, anonymousStatus.getStatus().getCode());
            // Issue 17: GET /status opened fresh superuser connections to every region per call.
            // A flood (anonymous and with a token) must leave each region's connection count as it was.
            Map<String, Integer> before = backends();
            int anonymousFlood = 200;
            for (int i = 0; i < anonymousFlood; i++) {
                assertEquals(401, assertThrows(HttpClientResponseException.class,
                        () -> http.toBlocking().exchange(HttpRequest.GET("/status"), CommandResult.class)).getStatus().getCode());
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                CommandResult st = http.toBlocking().retrieve(HttpRequest.GET("/status").bearerAuth("viewer-token"), CommandResult.class);
                assertEquals(CommandResult.DONE, st.outcome(), st.reason());
            }
            System.out.printf("%d anonymous and 50 viewer status calls: %.2f s; backends per region before %s, after %s%n",
                    anonymousFlood, (System.nanoTime() - t0) / 1e9, before, backends());
            Map<String, Integer> after = backends();
            for (String region : before.keySet()) {
                assertTrue(after.get(region) <= before.get(region) + 2,
                        region + ": PostgreSQL connections grew under a status flood, before " + before + ", after " + after);
            }
            io.micrometer.core.instrument.MeterRegistry meters = ctx.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            assertEquals(2.0 + anonymousFlood, meters.counter("olympus_failover_http_unauthenticated").count(), "every anonymous call counted");
            HttpClientResponseException badRegion = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                    HttpRequest.POST("/commands/switchover", Map.of("to", "nowhere")).bearerAuth("sre-token"), CommandResult.class));
            assertEquals(400, badRegion.getStatus().getCode());
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String h = String.valueOf(coordinators.run("history", Map.of("limit", 50)).data());
            assertTrue(h.contains("http:bob has role viewer"), "refusal of the viewer is in the history");
            // An anonymous call names nobody: counted (olympus_failover_http_unauthenticated), not audited.
            assertTrue(!h.contains("http:unauthenticated"), "no refusal of an anonymous call is in the history");
            assertTrue(h.contains("nats:" + LocalTopology.operators().get(0)), "the operator's commands are in the history by name");
        });
    }

    /**
     * The audit record of a mutating command is written (JetStream ack) before its first step: a
     * forced failover whose record the leader's region cannot store is refused and changes
     * nothing. The AUDIT origin stops taking the region's audit subjects, as a lost or broken
     * stream would.
     */
    @SuppressWarnings("unchecked")
    @Test
    void aForcedFailoverWhoseAuditCannotBeWrittenIsRefusedAndDoesNothing() throws Exception {
        String leader = coordinators.awaitLeader();
        String stream = olympus.wire.Naming.originStream(olympus.wire.Naming.Family.AUDIT, leader);
        Map<String, Object> before = (Map<String, Object>) ((Map<String, Object>) coordinators.run("status", Map.of()).data())
                .get("topology");
        try (Connection admin = topo.connect(leader, NatsRole.ADMIN)) {
            var jsm = admin.jetStreamManagement(io.nats.client.JetStreamOptions.builder().domain(olympus.wire.Naming.domain(leader)).build());
            var original = jsm.getStreamInfo(stream).getConfiguration();
            // No stream takes the region's audit subjects any more: a publish gets no JetStream ack.
            jsm.updateStream(io.nats.client.api.StreamConfiguration.builder(original)
                    .subjects("olympus.audit-test-disabled." + leader + ".>").build());
            try {
                String to = topo.regions().stream().filter(r -> !r.equals(String.valueOf(before.get("primary")))).findFirst().orElseThrow();
                CommandResult f = coordinators.run("failover", Map.of("to", to, "force", true, "reason", "audit test"));
                System.out.println("failover with the audit stream refusing writes: " + f.outcome() + ": " + f.reason());
                assertEquals(CommandResult.REFUSED, f.outcome(), f.reason());
                assertTrue(f.reason().contains("audit record could not be written before acting"), f.reason());
                assertTrue(f.steps().isEmpty(), "no step ran: " + f.steps());
            } finally {
                jsm.updateStream(original);
            }
        }
        Map<String, Object> after = (Map<String, Object>) ((Map<String, Object>) coordinators.run("status", Map.of()).data())
                .get("topology");
        assertEquals(before.get("primary"), after.get("primary"));
        assertEquals(before.get("epoch"), after.get("epoch"));
        assertEquals("OPEN", writesState());
        // Writable again, the same command is taken: the record comes first, as step 0.
        CommandResult p = coordinators.run("pause", Map.of("reason", "audit is back", "deadline", "60s"));
        assertEquals(CommandResult.DONE, p.outcome(), p.reason());
        assertEquals(CommandResult.DONE, coordinators.run("resume", Map.of()).outcome());
    }
}

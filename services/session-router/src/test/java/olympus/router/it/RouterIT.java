package olympus.router.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.RawHttp;
import olympus.router.support.LagSampler;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router in eu-west against the real topology: markers in the real Redis, positions from the
 * real primary and replicas, samples over real NATS. Faults: replay paused, Redis killed, the lag
 * feed stopped; each test counts what the router answered meanwhile.
 */
@ExtendWith(TopologyExtension.class)
class RouterIT {
    static final String REGION = "eu-west";
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static LocalTopology t;
    static LagSampler sampler;
    static EmbeddedRouter router;
    static Http http;

    @BeforeAll
    static void up(LocalTopology topology) throws Exception {
        t = topology;
        try (Connection c = primary(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS router_it (k text PRIMARY KEY, v bigint NOT NULL)");
        }
        sampler = new LagSampler(t, 25);
        router = EmbeddedRouter.start(t, REGION);
        http = router.http();
        await().atMost(Duration.ofSeconds(20)).until(() -> "OK".equals(http.get("/v1/route").body().path("reason").asText()));
    }

    @AfterAll
    static void down() throws Exception {
        if (router != null) {
            router.close();
        }
        if (sampler != null) {
            sampler.close();
        }
    }

    @AfterEach
    void repair() {
        t.repair();
    }

    static Connection primary() throws Exception {
        return DriverManager.getConnection(t.jdbcUrl(t.primaryRegion()), PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
    }

    static void writeThroughPgBouncer(String key) throws Exception {
        try (Connection c = DriverManager.getConnection(t.pgBouncerJdbcUrl(t.primaryRegion()), PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO router_it VALUES ('" + key + "', 1) ON CONFLICT (k) DO UPDATE SET v = router_it.v + 1");
        }
    }

    static String currentLsn() throws Exception {
        try (Connection c = primary(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aWriteSendsTheUserToThePrimaryUntilTheReplicaHasReplayedIt() throws Exception {
        String user = "demo-" + UUID.randomUUID();
        t.pauseReplay(REGION);
        writeThroughPgBouncer(user);
        Http.Response rec = http.post("/v1/writes", Map.of("userId", user));
        System.out.println("POST /v1/writes -> " + rec.status() + " " + rec.body());
        assertEquals(200, rec.status());
        assertEquals("PRIMARY", rec.body().path("lsnSource").asText());
        assertEquals(List.of(REGION), List.of(rec.body().path("markedRegions").get(0).asText()));

        JsonNode before = http.route(user).body();
        System.out.println("GET /v1/route (replay paused) -> " + before);
        assertEquals("PRIMARY", before.path("target").asText());
        assertEquals("us-east", before.path("region").asText());
        assertEquals("RECENT_WRITE", before.path("reason").asText());
        // another user, no marker: the paused replica reports LAGGING, the primary takes it while the guard allows
        // (the lag state turns LAGGING only once a sample shows the threshold breached: wait for it)
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() ->
                "REPLICA_LAGGING".equals(http.route("someone-else-" + UUID.randomUUID()).body().path("reason").asText()));

        t.resumeReplay(REGION);
        JsonNode[] after = new JsonNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            after[0] = http.route(user).body();
            return "REPLICA".equals(after[0].path("target").asText());
        });
        System.out.println("GET /v1/route (replay resumed) -> " + after[0]);
        assertTrue(List.of("CAUGHT_UP", "OK").contains(after[0].path("reason").asText()), after[0].toString());
        assertEquals(REGION, after[0].path("region").asText());

        // once every replica has passed it the token is dropped: the key is gone from Redis
        try (RedisClient rc = t.redisClient(REGION); StatefulRedisConnection<String, String> c = rc.connect()) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                http.route(user);
                return c.sync().get("olympus:router:w:u:" + user) == null;
            });
        }
        assertEquals("OK", http.route(user).body().path("reason").asText());
    }

    /**
     * Issue 17: a sample dated in the future, published with the region's real lag-monitor
     * credentials (the only user NATS lets publish it), claiming the replica replayed everything.
     * Kept, it would read as the newest sample forever and let a pending marker read the stale
     * replica. The router refuses it: the marker keeps the user on the primary.
     */
    @Test
    void aLagSampleDatedInTheFutureIsRefusedAndAPendingWriteStaysOnThePrimary() throws Exception {
        String user = "future-" + UUID.randomUUID();
        t.pauseReplay(REGION);
        try (io.nats.client.Connection lagMonitor = t.connect(REGION, olympus.render.NatsRole.LAG_MONITOR)) {
            writeThroughPgBouncer(user);
            assertEquals(200, http.post("/v1/writes", Map.of("userId", user)).status());
            assertEquals("RECENT_WRITE", http.route(user).body().path("reason").asText());
            long epoch = http.get("/v1/state").body().path("epoch").asLong();
            olympus.wire.ReplicaLagSampled forged = new olympus.wire.ReplicaLagSampled(olympus.wire.EventCodec.newEventId(),
                    olympus.wire.EventCodec.SCHEMA_VERSION, REGION, java.time.Instant.now().plus(Duration.ofHours(1)), REGION,
                    t.primaryRegion(), epoch, null, null, null, null, 0L, "FFFF/0", "FFFF/0", false, null, null,
                    olympus.wire.ReplicaLagSampled.OK, null);
            byte[] encoded = new olympus.wire.EventCodec().encode(forged);
            for (int i = 0; i < 20; i++) {
                lagMonitor.publish(olympus.wire.Naming.subject(olympus.wire.Naming.Family.LAG, REGION, "sample"), encoded);
                lagMonitor.flush(Duration.ofSeconds(1));
                Thread.sleep(50);
                JsonNode d = http.route(user).body();
                assertEquals("RECENT_WRITE", d.path("reason").asText(), "after forged sample " + (i + 1) + ": " + d);
            }
            long age = http.get("/v1/state").body().path("lag").path(REGION).path("ageMs").asLong();
            assertTrue(age >= 0, "the router's newest sample is a real one, not dated ahead: ageMs " + age);
        } finally {
            t.resumeReplay(REGION);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> "REPLICA".equals(http.route(user).body().path("target").asText()));
    }

    @Test
    void aCallerPositionAndAFreshSessionAreHonouredAndOnlyMarkedIdsMayRetryOnThePrimary() throws Exception {
        String session = "s-" + UUID.randomUUID();
        // a real position this region's replica has not replayed (its replay paused): the session
        // stays on the primary
        t.pauseReplay(REGION);
        try {
            writeThroughPgBouncer(session);
            Http.Response rec = http.post("/v1/sessions", Map.of("sessionId", session, "lsn", currentLsn(), "regions", List.of("ap-south")));
            assertEquals(200, rec.status(), String.valueOf(rec.body()));
            assertEquals("CALLER", rec.body().path("lsnSource").asText());
            assertEquals(2, rec.body().path("markedRegions").size(), rec.body().toString());
            JsonNode r = http.get("/v1/route?session=" + session).body();
            assertEquals("NEW_SESSION", r.path("reason").asText());
            assertEquals("PRIMARY", r.path("target").asText());
        } finally {
            t.resumeReplay(REGION);
        }

        JsonNode marked = http.post("/v1/empty-result", Map.of("sessionId", session)).body();
        assertTrue(marked.path("retryOnPrimary").asBoolean());
        assertEquals("MARKER_PRESENT", marked.path("reason").asText());
        int forgedRetries = 0;
        for (int i = 0; i < 100; i++) {
            JsonNode forged = http.post("/v1/empty-result", Map.of("sessionId", "forged-" + UUID.randomUUID())).body();
            forgedRetries += forged.path("retryOnPrimary").asBoolean() ? 1 : 0;
            assertEquals("NO_MARKER", forged.path("reason").asText());
        }
        assertEquals(0, forgedRetries, "forged session ids must never be sent to the primary");

        // the marker was also stored in ap-south's Redis before the call returned
        try (RedisClient rc = t.redisClient("ap-south"); StatefulRedisConnection<String, String> c = rc.connect()) {
            assertNotNull(c.sync().get("olympus:router:n:s:" + session));
        }

        // a caller-supplied position that the replica has passed: replica at once
        String user = "u-" + UUID.randomUUID();
        writeThroughPgBouncer(user);
        String lsn = currentLsn();
        assertEquals(200, http.post("/v1/writes", Map.of("userId", user, "lsn", lsn)).status());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> "REPLICA".equals(http.route(user).body().path("target").asText()));
    }

    @Test
    void everyApiRouteRefusesARequestWithoutTheTokenWithA401Problem() throws Exception {
        // Every route the router serves under /v1 but the Kratos hooks (their own tokens), from
        // the router's own table: an endpoint added without its check fails here.
        java.util.SortedSet<String> routes = new java.util.TreeSet<>();
        for (var r : router.context().getBean(io.micronaut.web.router.Router.class).uriRoutes().toList()) {
            String path = r.getUriMatchTemplate().toPathString();
            if (path.startsWith("/v1/") && !path.startsWith("/v1/hooks/")) {
                routes.add(r.getHttpMethodName() + " " + path);
            }
        }
        // GET, POST, and the HEAD Micronaut adds to each GET
        assertEquals(9, routes.size(), routes.toString());
        for (String route : routes) {
            String[] mp = route.split(" ");
            for (Http caller : new Http[] {new Http(router.uri()), new Http(router.uri(), "wrong-" + router.apiToken())}) {
                var r = caller.exchange(mp[0], mp[1]);
                assertEquals(401, r.statusCode(), route + ": " + r.body());
                assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(null), route);
                if (mp[0].equals("HEAD")) {
                    continue;
                }
                JsonNode problem = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
                assertEquals("Authorization", problem.path("field").asText(), route + ": " + r.body());
                assertTrue(problem.path("error").asText().contains("router.api-tokens"), route + ": " + r.body());
            }
            assertTrue(List.of(200, 400).contains(http.exchange(mp[0], mp[1]).statusCode()), route + " with the token");
        }
        // health and metrics stay open
        Http anonymous = new Http(router.uri());
        assertEquals(200, anonymous.get("/health").status());
        assertTrue(anonymous.getText("/prometheus").contains("olympus_router_auth_refused_total{endpoint=\"/v1/state\"}"));
    }

    @Test
    void aWriteWithoutTheRightTokenRecordsNothingAndItsBodyIsNotRead() throws Exception {
        String victim = "victim-" + UUID.randomUUID();
        double refusedBefore = metric("olympus_router_auth_refused_total{endpoint=\"/v1/writes\"");
        t.pauseReplay(REGION);
        try {
            writeThroughPgBouncer(victim);
            Http.Response none = new Http(router.uri()).post("/v1/writes", Map.of("userId", victim));
            assertEquals(401, none.status(), String.valueOf(none.body()));
            assertEquals("Authorization", none.body().path("field").asText());
            Http.Response wrong = new Http(router.uri(), "not-" + router.apiToken()).post("/v1/writes", Map.of("userId", victim));
            assertEquals(401, wrong.status(), String.valueOf(wrong.body()));
            // the token is checked before the body is parsed: a malformed one is still a 401
            assertEquals(401, new Http(router.uri()).postRaw("/v1/writes", "{\"userId\":".getBytes()).status());
            assertEquals(401, new Http(router.uri()).postRaw("/v1/sessions", new byte[0]).status());
            // nothing was recorded: with replay paused a marker would send the user to the primary
            try (RedisClient rc = t.redisClient(REGION); StatefulRedisConnection<String, String> c = rc.connect()) {
                assertEquals(null, c.sync().get("olympus:router:w:u:" + victim));
            }
            JsonNode route = http.route(victim).body();
            assertTrue(!List.of("RECENT_WRITE", "RECENT_WRITE_NO_LSN").contains(route.path("reason").asText()), route.toString());
            assertEquals(refusedBefore + 3, metric("olympus_router_auth_refused_total{endpoint=\"/v1/writes\""), 0.0);

            // with the token: recorded, and the body's faults are 400s naming them as before
            Http.Response ok = http.post("/v1/writes", Map.of("userId", victim));
            assertEquals(200, ok.status(), String.valueOf(ok.body()));
            assertEquals("RECENT_WRITE", http.route(victim).body().path("reason").asText());
            Http.Response malformed = http.postRaw("/v1/writes", "{\"userId\":".getBytes());
            assertEquals(400, malformed.status(), String.valueOf(malformed.body()));
            assertTrue(malformed.body().path("error").asText().contains("JSON"), malformed.body().toString());
            assertEquals(400, http.postRaw("/v1/sessions", new byte[0]).status());
        } finally {
            t.resumeReplay(REGION);
        }
    }

    @Test
    void theRouterDoesNotStartWithoutATokenUnlessTheOperatorOptsOut() {
        Map<String, Object> noToken = Map.of("router.api-tokens", "");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> EmbeddedRouter.start(t, REGION, noToken).close());
        StringBuilder chain = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            chain.append(c.getMessage()).append('\n');
        }
        assertTrue(chain.toString().contains("Set ROUTER_API_TOKENS") && chain.toString().contains("ROUTER_API_OPEN=true"), chain.toString());
        try (EmbeddedRouter open = EmbeddedRouter.start(t, REGION, Map.of("router.api-tokens", "", "router.api-open", "true"))) {
            assertEquals(200, new Http(open.uri()).get("/v1/writes/check").status());
        }
    }

    @Test
    void badInputGetsA400NamingTheField() {
        Http.Response badLsn = http.post("/v1/writes", Map.of("userId", "u", "lsn", "nope"));
        assertEquals(400, badLsn.status());
        assertEquals("lsn", badLsn.body().path("field").asText());
        Http.Response noKey = http.post("/v1/writes", Map.of("lsn", "0/1"));
        assertEquals(400, noKey.status());
        assertEquals("userId", noKey.body().path("field").asText());
        Http.Response longUser = http.route("x".repeat(300));
        assertEquals(400, longUser.status());
        assertEquals("user", longUser.body().path("field").asText());
        Http.Response badRegion = http.post("/v1/writes", Map.of("userId", "u", "lsn", "0/1", "regions", List.of("mars")));
        assertEquals(400, badRegion.status());
        assertEquals("regions", badRegion.body().path("field").asText());
        // A position ahead of the primary's WAL is no commit's: refused, so no one can pin a user
        // to the far primary for a marker's lifetime (issue 17: FFFFFFFF/FFFFFFFF got 200 before).
        String victim = "victim-" + UUID.randomUUID();
        Http.Response forged = http.post("/v1/writes", Map.of("userId", victim, "lsn", "FFFFFFFF/FFFFFFFF"));
        assertEquals(400, forged.status(), String.valueOf(forged.body()));
        assertEquals("lsn", forged.body().path("field").asText());
        assertTrue(forged.body().toString().contains("ahead of the primary"), forged.body().toString());
        assertEquals("REPLICA", http.route(victim).body().path("target").asText());
        // the router still answers after all of it
        assertEquals(200, http.get("/v1/route").status());
    }

    /**
     * Issue 17's router sanity, over the wire: ids that are not UTF-8 (they decoded to one shared
     * U+FFFD key before), bad escapes, a body over the limit and an unknown path all answer in the
     * API's {"error","field"} body; an empty or absent id is an anonymous read (README).
     */
    @Test
    void badBytesAndFrameworkErrorsAnswerInTheApisOneErrorBody() throws Exception {
        try (RawHttp raw = new RawHttp("127.0.0.1", router.uri().getPort(), router.apiToken())) {
            for (String bad : List.of("%E2%82", "%ED%A0%80", "%FF")) {
                RawHttp.Response r = raw.get("/v1/route?user=victim" + bad);
                assertEquals(400, r.status(), bad + ": " + r.body());
                JsonNode b = JSON.readTree(r.body());
                assertEquals("user", b.path("field").asText(), bad + ": " + r.body());
                assertTrue(b.path("error").asText().contains("not valid UTF-8"), r.body());
            }
            // JSON bodies: invalid UTF-8 bytes, and a lone surrogate escape
            Http.Response badBytes = http.postRaw("/v1/writes", new byte[]{'{', '"', 'u', 's', 'e', 'r', 'I', 'd', '"', ':', '"', 'a', (byte) 0xFF, '"', '}'});
            assertEquals(400, badBytes.status(), String.valueOf(badBytes.body()));
            assertTrue(badBytes.body().has("error"), String.valueOf(badBytes.body()));
            Http.Response surrogate = http.postRaw("/v1/writes", "{\"userId\":\"a\\ud800\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(400, surrogate.status(), String.valueOf(surrogate.body()));
            assertEquals("userId", surrogate.body().path("field").asText(), String.valueOf(surrogate.body()));
            for (String escape : List.of("/v1/route?user=%zz", "/v1/route?user=a%", "/v1/route?user=%E")) {
                RawHttp.Response r = raw.get(escape);
                assertEquals(400, r.status(), escape + ": " + r.body());
                JsonNode b = JSON.readTree(r.body());
                assertTrue(b.has("error") && !b.has("_embedded"), escape + ": " + r.body());
                assertTrue(List.of("uri", "query").contains(b.path("field").asText()), escape + ": " + r.body());
            }
            RawHttp.Response big = raw.post("/v1/writes", "{\"userId\":\"" + "x".repeat(100_000) + "\"}");
            assertEquals(413, big.status(), big.body());
            JsonNode bigBody = JSON.readTree(big.body());
            assertEquals("body", bigBody.path("field").asText(), big.body());
            assertTrue(bigBody.path("error").asText().contains("max-request-size"), big.body());
            RawHttp.Response missing = raw.get("/v1/nowhere");
            assertEquals(404, missing.status(), missing.body());
            assertTrue(JSON.readTree(missing.body()).has("error"), missing.body());
            // An empty or absent id is no id: an anonymous read, decided without markers.
            String marked = "marked-" + UUID.randomUUID();
            http.post("/v1/sessions", Map.of("sessionId", marked));
            assertEquals("OK", http.get("/v1/route").body().path("reason").asText());
            assertEquals("OK", http.get("/v1/route?user=&session=").body().path("reason").asText());
            // the empty user is ignored, the session is looked up (its marker: NEW_SESSION, or CAUGHT_UP once replayed)
            String reason = http.get("/v1/route?user=&session=" + marked).body().path("reason").asText();
            assertTrue(List.of("NEW_SESSION", "CAUGHT_UP").contains(reason), reason);
            assertEquals(400, http.post("/v1/writes", Map.of("userId", "", "sessionId", "")).status());
        }
        assertEquals(200, http.get("/v1/route").status());
    }

    /** One caller over router.marker-rate gets 429 with Retry-After and records nothing; another caller is unaffected. */
    @Test
    void aCallerOverItsMarkerBudgetGets429AndOtherCallersDoNot() throws Exception {
        try (EmbeddedRouter limited = EmbeddedRouter.start(t, REGION, Map.of("router.api-tokens", "athena-token,hydra-token",
                "router.marker-rate", "1", "router.marker-burst", "3"))) {
            Http athena = new Http(limited.uri(), "athena-token");
            Http hydra = new Http(limited.uri(), "hydra-token");
            await().atMost(Duration.ofSeconds(20)).until(() -> "OK".equals(athena.get("/v1/route").body().path("reason").asText()));
            for (int i = 0; i < 3; i++) {
                assertEquals(200, athena.post("/v1/writes", Map.of("userId", "budget-" + i)).status());
            }
            String over = "over-" + UUID.randomUUID();
            java.net.http.HttpResponse<String> refused = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(limited.uri().resolve("/v1/writes")).header("Authorization", "Bearer athena-token")
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + over + "\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(429, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent(), refused.headers().toString());
            JsonNode b = JSON.readTree(refused.body());
            assertTrue(b.path("error").asText().contains("api-token-1") && b.path("error").asText().contains("router.marker-rate"), refused.body());
            assertFalse(refused.body().contains("athena-token"), "never the token itself");
            assertEquals("REPLICA", athena.route(over).body().path("target").asText(), "the refused call recorded no marker");
            assertEquals(200, hydra.post("/v1/writes", Map.of("userId", "hydra-1")).status(), "another caller keeps its budget");
            assertTrue(new Http(limited.uri()).getText("/prometheus")
                    .contains("olympus_router_markers_limited_total{caller=\"api-token-1\"}"), "counted");
        }
    }

    @Test
    void redisKilledSendsKeyedReadsToThePrimaryAndHealthSaysSo() {
        try {
            t.kill("redis-" + REGION);
            await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/health").body().toString().contains("MARKERS_UNAVAILABLE"));
            JsonNode health = http.get("/health").body();
            assertEquals("DEGRADED", health.path("details").path("router").path("status").asText(), health.toString());
            int primary = 0;
            int n = 200;
            for (int i = 0; i < n; i++) {
                JsonNode r = http.route("u-" + i).body();
                if ("PRIMARY".equals(r.path("target").asText()) && "MARKERS_UNAVAILABLE".equals(r.path("reason").asText())) {
                    primary++;
                }
            }
            assertEquals(n, primary, "every keyed read must go to the primary while markers cannot be read");
            assertEquals("REPLICA", http.get("/v1/route").body().path("target").asText(), "a read without a key needs no marker");
            assertEquals(503, http.post("/v1/writes", Map.of("userId", "u-1", "lsn", "0/1")).status(),
                    "a write that cannot be marked must not be acknowledged as marked");
            t.restart("redis-" + REGION);
            await().atMost(Duration.ofSeconds(15)).until(() -> "UP".equals(http.get("/health").body().path("details").path("router").path("details").path("markers").asText()));
            assertEquals("OK", http.route("u-1").body().path("reason").asText());
        } finally {
            t.repair();
        }
    }

    @Test
    void aStoppedLagFeedSendsReadsToThePrimaryAndTheRestartedFeedBringsThemBack() throws Exception {
        double appliedBefore = metric("olympus_router_lag_samples_total{outcome=\"applied\"");
        assertTrue(appliedBefore > 0, "samples were applied while the feed ran");
        sampler.close();
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> "LAG_FEED_STALE".equals(http.get("/v1/route").body().path("reason").asText()));
            assertEquals("PRIMARY", http.get("/v1/route").body().path("target").asText());
            assertTrue(http.get("/health").body().toString().contains("STALE"));
        } finally {
            sampler = new LagSampler(t, 25);
        }
        double appliedStopped = metric("olympus_router_lag_samples_total{outcome=\"applied\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> "OK".equals(http.get("/v1/route").body().path("reason").asText()));
        assertTrue(metric("olympus_router_lag_samples_total{outcome=\"applied\"") > appliedStopped, "the restarted feed is applied");
    }

    @Test
    void reasonsAreCountedAndTheOpenApiFileIsBuilt() {
        http.get("/v1/route");
        http.get("/v1/writes/check");
        String prom = http.getText("/prometheus");
        assertTrue(prom.contains("olympus_router_decisions_total{kind=\"read\",reason=\"OK\",target=\"REPLICA\"}"), prom);
        assertTrue(prom.contains("reason=\"WRITES_OPEN\""), prom);
        assertTrue(prom.contains("olympus_router_topology_epoch"), prom);
        // The read path's own latency histogram, instead of Micronaut's per-request meters.
        assertTrue(prom.contains("olympus_router_read_duration_seconds_bucket{le="), prom);
        assertTrue(!prom.contains("http_server_requests"), "per-request web meters are off on the hot path");
        var yml = getClass().getClassLoader().getResource("META-INF/swagger/olympus-session-router-1.yml");
        assertNotNull(yml, "the build generates the OpenAPI file");
        assertFalse(http.getText("/swagger/olympus-session-router-1.yml").isBlank());
    }

    static double metric(String prefix) {
        for (String line : http.getText("/prometheus").split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}

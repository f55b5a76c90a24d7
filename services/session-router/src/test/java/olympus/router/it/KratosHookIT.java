package olympus.router.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import olympus.router.http.KratosHookTest;
import olympus.router.support.EmbeddedRouter;
import olympus.router.support.Http;
import olympus.router.support.LagSampler;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kratos' web_hook after a settings flow, against the eu-west router of the real topology: the
 * profile change is written on the primary (through PgBouncer) while eu-west's replay is paused,
 * then the hook body the README's Jsonnet renders is posted as Kratos posts it; the next
 * /v1/route for that identity goes to the primary (RECENT_WRITE), and to the replica once it has
 * replayed. Unauthenticated and malformed hook calls get 401/400 with the reason.
 */
@ExtendWith(TopologyExtension.class)
class KratosHookIT {
    static final String REGION = "eu-west";
    static final String HOOK_TOKEN = "it-kratos-hook-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    static LocalTopology t;
    static LagSampler sampler;
    static EmbeddedRouter router;
    static Http http;

    @BeforeAll
    static void up(LocalTopology topology) throws Exception {
        t = topology;
        try (Connection c = DriverManager.getConnection(t.jdbcUrl(t.primaryRegion()), PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS kratos_hook_it (identity text PRIMARY KEY, traits text NOT NULL)");
        }
        sampler = new LagSampler(t, 25);
        router = EmbeddedRouter.start(t, REGION, Map.of("router.hook-tokens", HOOK_TOKEN));
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

    /** As Kratos' web_hook sends it: POST, JSON body from the Jsonnet template, the configured api_key header. */
    static HttpResponse<String> hook(String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(router.uri().resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What Kratos' settings flow does before its post-persist hooks run: the identity's new traits committed on the primary. */
    static void kratosPersistsTheSettings(String identity) throws Exception {
        try (Connection c = DriverManager.getConnection(t.pgBouncerJdbcUrl(t.primaryRegion()), PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO kratos_hook_it VALUES ('" + identity + "', '{\"email\":\"new@example.org\"}') "
                    + "ON CONFLICT (identity) DO UPDATE SET traits = excluded.traits");
        }
    }

    @Test
    void aSettingsHookSendsTheIdentityToThePrimaryUntilTheReplicaHasReplayedIt() throws Exception {
        String identity = UUID.randomUUID().toString();
        String session = UUID.randomUUID().toString();
        t.pauseReplay(REGION);
        kratosPersistsTheSettings(identity);
        HttpResponse<String> rec = hook("/v1/hooks/kratos/after-settings",
                KratosHookTest.settingsBody(identity, session, UUID.randomUUID().toString()), "Bearer " + HOOK_TOKEN);
        System.out.println("POST /v1/hooks/kratos/after-settings -> " + rec.statusCode() + " " + rec.body());
        assertEquals(200, rec.statusCode(), rec.body());
        JsonNode body = JSON.readTree(rec.body());
        assertEquals("PRIMARY", body.path("lsnSource").asText(), rec.body());
        assertEquals(REGION, body.path("markedRegions").get(0).asText(), rec.body());

        JsonNode before = http.route(identity).body();
        System.out.println("GET /v1/route?user=" + identity + " (replay paused) -> " + before);
        assertEquals("PRIMARY", before.path("target").asText(), before.toString());
        assertEquals("RECENT_WRITE", before.path("reason").asText(), before.toString());
        // the session was marked too
        JsonNode bySession = http.get("/v1/route?session=" + session).body();
        assertEquals("RECENT_WRITE", bySession.path("reason").asText(), bySession.toString());

        t.resumeReplay(REGION);
        JsonNode[] after = new JsonNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            after[0] = http.route(identity).body();
            return "REPLICA".equals(after[0].path("target").asText());
        });
        System.out.println("GET /v1/route?user=" + identity + " (replay resumed) -> " + after[0]);
        assertTrue(List.of("CAUGHT_UP", "OK").contains(after[0].path("reason").asText()), after[0].toString());
    }

    @Test
    void aRecoveryHookWithoutSessionMarksTheIdentity() throws Exception {
        String identity = UUID.randomUUID().toString();
        t.pauseReplay(REGION);
        kratosPersistsTheSettings(identity);
        HttpResponse<String> rec = hook("/v1/hooks/kratos/after-recovery",
                "{\"identity_id\":\"" + identity + "\",\"flow_id\":\"" + UUID.randomUUID() + "\"}", "Bearer " + HOOK_TOKEN);
        assertEquals(200, rec.statusCode(), rec.body());
        assertEquals("RECENT_WRITE", http.route(identity).body().path("reason").asText());
    }

    @Test
    void unauthenticatedOrMalformedHookCallsAreRefusedWithTheReason() throws Exception {
        String identity = UUID.randomUUID().toString();
        String body = KratosHookTest.settingsBody(identity, "s", "f");
        // The API token is not a hook token: each credential is good where it is configured only.
        for (String auth : new String[] {null, "Bearer wrong", HOOK_TOKEN, "Basic a3JhdG9zOnNlY3JldA==", "Bearer " + router.apiToken()}) {
            HttpResponse<String> r = hook("/v1/hooks/kratos/after-settings", body, auth);
            assertEquals(401, r.statusCode(), auth + ": " + r.body());
            assertEquals("Authorization", JSON.readTree(r.body()).path("field").asText(), r.body());
        }
        // nothing was marked by the refused calls
        assertTrue(!"RECENT_WRITE".equals(http.route(identity).body().path("reason").asText()));
        // nor is the hook token an API token
        assertEquals(401, new Http(router.uri(), HOOK_TOKEN).route(identity).status());
        for (String[] bad : new String[][] {
                {"{\"session_id\":\"s\"}", "identity_id"},
                {"{\"identity_id\":\"i\",\"sesion_id\":\"s\"}", "sesion_id"},
                {"{\"identity_id\":\"i\",\"regions\":[\"mars\"]}", "regions"}}) {
            HttpResponse<String> r = hook("/v1/hooks/kratos/after-settings", bad[0], "Bearer " + HOOK_TOKEN);
            System.out.println("POST /v1/hooks/kratos/after-settings " + bad[0] + " -> " + r.statusCode() + " " + r.body());
            assertEquals(400, r.statusCode(), r.body());
            assertEquals(bad[1], JSON.readTree(r.body()).path("field").asText(), r.body());
        }
        HttpResponse<String> notJson = hook("/v1/hooks/kratos/after-settings", "{\"identity_id\":", "Bearer " + HOOK_TOKEN);
        assertEquals(400, notJson.statusCode(), notJson.body());
        assertTrue(notJson.body().contains("not valid JSON"), notJson.body());
    }
}

package olympus.revocation.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import olympus.revocation.http.HydraTokenHookTest;
import olympus.topology.LocalTopology;
import olympus.topology.TopologyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hydra's token_hook against the us-east revocation-bus of the real topology: Hydra's own request
 * body (HydraTokenHookTest.refresh: a refresh grant as Hydra 2.x marshals it) for a revoked subject,
 * session and client gets 403, for a credential nothing revokes 204; unauthenticated and malformed
 * requests 401/400 with the reason; and with the region's Redis killed, 503 (fail closed) until
 * Redis is back and the denylist rebuilt, after which the revoked subject is denied again.
 */
@ExtendWith(TopologyExtension.class)
class HydraHookIT {
    static final String PATH = "/v1/hooks/hydra/token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    static LocalTopology topology;
    static Region east;

    @BeforeAll
    static void up(LocalTopology t) {
        topology = t;
        east = new Region(t, "us-east", t.ports().revocationBusHttp(0)).start();
    }

    @AfterAll
    static void down() {
        if (east != null) {
            east.close();
        }
        topology.repair();
    }

    /** As Hydra sends it: POST, Content-Type application/json; charset=UTF-8, the configured auth header. */
    static HttpResponse<String> hook(String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + east.port + PATH))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> hook(String body) throws Exception {
        return hook(body, "Bearer " + Region.HOOK_TOKEN);
    }

    /** A refresh grant whose login (auth_time), authorize request (rat) and last issue (iat) were all at {@code at}. */
    static String refreshAt(String subject, String client, String sid, Instant at) {
        return HydraTokenHookTest.refresh(subject, client, sid, at.toString())
                .replace("2026-12-03T13:00:00Z", at.toString()).replace("2026-12-03T12:00:05Z", at.toString());
    }

    static void revokeAndAwait(String revocation, String checkQuery) throws Exception {
        HttpResponse<String> r = east.revoke(revocation);
        assertEquals(200, r.statusCode(), r.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> east.check(checkQuery).body().contains("\"REVOKED\""));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void revokedSubjectSessionOrClientIsDeniedAndAnythingElseAllowed() throws Exception {
        String run = Cluster.runId();
        Instant grantStart = Instant.now().minusSeconds(3600);
        String subject = "hydra-sub-" + run;
        String sid = "hydra-sid-" + run;
        String client = "hydra-client-" + run;

        // Nothing revoked yet: 204, no body (Hydra keeps the session unchanged).
        HttpResponse<String> ok = hook(refreshAt(subject, "athena-" + run, sid, grantStart));
        System.out.println("POST " + PATH + " (nothing revoked) -> " + ok.statusCode() + " '" + ok.body() + "'");
        assertEquals(204, ok.statusCode(), ok.body());
        assertEquals("", ok.body());

        // The subject revoked ("log out everywhere"): the grant began before, so its refresh is denied.
        revokeAndAwait("{\"kind\":\"subject\",\"subject\":\"" + subject + "\",\"reason\":\"account compromised\"}",
                "subject=" + subject + "&iat=" + grantStart.getEpochSecond());
        HttpResponse<String> denied = hook(refreshAt(subject, "athena-" + run, sid, grantStart));
        System.out.println("POST " + PATH + " (subject revoked) -> " + denied.statusCode() + " " + denied.body());
        assertEquals(403, denied.statusCode(), denied.body());
        assertEquals("access_denied", json(denied).path("error").asText());
        assertEquals("subject", json(denied).path("matched").asText());
        assertTrue(json(denied).path("error_description").asText().contains("issued before"), denied.body());
        // The same subject after logging in again, later than the revocation: allowed.
        Instant later = Instant.now().plusSeconds(2);
        assertEquals(204, hook(refreshAt(subject, "athena-" + run, sid + "-new", later)).statusCode());

        // A revoked login session (Hydra's sid): denied, whatever the subject.
        String sid2 = sid + "-2";
        revokeAndAwait("{\"kind\":\"session\",\"sessionId\":\"" + sid2 + "\",\"reason\":\"logout\"}", "sessionId=" + sid2);
        HttpResponse<String> s = hook(refreshAt("other-" + run, "athena-" + run, sid2, grantStart));
        assertEquals(403, s.statusCode(), s.body());
        assertEquals("session", json(s).path("matched").asText());
        assertTrue(json(s).path("error_description").asText().contains("logout"), s.body());

        // A revoked client: every grant of it that began before is denied.
        revokeAndAwait("{\"kind\":\"client\",\"clientId\":\"" + client + "\"}",
                "clientId=" + client + "&iat=" + grantStart.getEpochSecond());
        HttpResponse<String> c = hook(refreshAt("third-" + run, client, sid + "-3", grantStart));
        assertEquals(403, c.statusCode(), c.body());
        assertEquals("client", json(c).path("matched").asText());

        // The check went through the service's check path: counted with the other checks.
        assertTrue(east.get("/prometheus").body().contains("olympus_revocation_checks_total"));
    }

    @Test
    void unauthenticatedOrMalformedRequestsAreRefusedWithTheReason() throws Exception {
        String body = refreshAt("u-" + Cluster.runId(), "athena", "sid", Instant.now());
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + Region.TOKEN, Region.HOOK_TOKEN}) {
            HttpResponse<String> r = hook(body, auth);
            assertEquals(401, r.statusCode(), auth + ": " + r.body());
            assertEquals("UNAUTHENTICATED", json(r).path("rejection").asText(), r.body());
            assertEquals("Authorization", json(r).path("field").asText(), r.body());
        }
        HttpResponse<String> notJson = hook("{\"session\":");
        assertEquals(400, notJson.statusCode(), notJson.body());
        assertEquals("MALFORMED_JSON", json(notJson).path("rejection").asText());
        HttpResponse<String> noRequest = hook("{\"session\":{}}");
        assertEquals(400, noRequest.statusCode(), noRequest.body());
        assertEquals("request", json(noRequest).path("field").asText());
        HttpResponse<String> badInstant = hook(body.replaceFirst("\"iat\":\"[^\"]+\"", "\"iat\":\"yesterday\""));
        assertEquals(400, badInstant.statusCode(), badInstant.body());
        assertEquals("session.id_token.id_token_claims.iat", json(badInstant).path("field").asText());
        System.out.println("POST " + PATH + " (bad iat) -> " + badInstant.statusCode() + " " + badInstant.body());
    }

    @Test
    void redisDownIsDeniedWithAReasonUntilTheDenylistIsBack() throws Exception {
        String run = Cluster.runId();
        Instant grantStart = Instant.now().minusSeconds(3600);
        String revoked = "hydra-down-" + run;
        revokeAndAwait("{\"kind\":\"subject\",\"subject\":\"" + revoked + "\"}",
                "subject=" + revoked + "&iat=" + grantStart.getEpochSecond());
        String fine = refreshAt("fine-" + run, "athena", "sid-" + run, grantStart);
        assertEquals(204, hook(fine).statusCode());

        topology.kill("redis-us-east");
        try {
            HttpResponse<String> r = hook(fine);
            System.out.println("POST " + PATH + " (Redis down) -> " + r.statusCode() + " " + r.body());
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
            assertEquals("temporarily_unavailable", json(r).path("error").asText());
            assertEquals("UNKNOWN", json(r).path("status").asText());
            assertTrue(json(r).path("error_description").asText().contains("fail closed"), r.body());
        } finally {
            topology.restart("redis-us-east");
        }
        // The restarted Redis is empty: UNKNOWN (503) until rebuilt from the view stream, never a wrong 204
        // for the revoked subject; then 204 for the other and 403 for the revoked one again.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> {
            int st = hook(refreshAt(revoked, "athena", "sid-x-" + run, grantStart)).statusCode();
            assertTrue(st == 403 || st == 503, "revoked subject answered " + st);
            return st == 403;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> hook(fine).statusCode() == 204);
    }
}

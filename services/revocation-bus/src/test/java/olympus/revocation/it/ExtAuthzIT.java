package olympus.revocation.it;

import olympus.revocation.http.ExtAuthzTest;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway authorizer against the us-east revocation-bus of the real topology, with requests as
 * Envoy's HTTP ext_authz sends them (the original method and path under the path prefix, the
 * original headers) and as Oathkeeper's remote authorizer does (POST): 200 for a token nothing
 * revokes, 403 for a revoked jti, subject or opaque token, 401 without a bearer token, and 503
 * while Redis is down (fail closed).
 */
@ExtendWith(TopologyExtension.class)
class ExtAuthzIT {
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

    static HttpResponse<String> authz(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + east.port + "/v1/authz" + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody())
                .header("x-forwarded-proto", "https");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void revokeAndAwait(String revocation, String checkQuery) throws Exception {
        HttpResponse<String> r = east.revoke(revocation);
        assertEquals(200, r.statusCode(), r.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> east.check(checkQuery).body().contains("\"REVOKED\""));
    }

    @Test
    void revokedTokensAreDeniedAndOthersAllowed() throws Exception {
        String run = Cluster.runId();
        long iat = Instant.now().minusSeconds(600).getEpochSecond();
        String token = "Bearer " + ExtAuthzTest.jwt("{\"jti\":\"ext-" + run + "\",\"sub\":\"ext-user-" + run
                + "\",\"client_id\":\"athena\",\"iat\":" + iat + "}");
        HttpResponse<String> ok = authz("GET", "/athena/api/profile?x=1", token);
        System.out.println("GET /v1/authz/athena/api/profile (nothing revoked) -> " + ok.statusCode() + " " + ok.body());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("NOT_REVOKED", ok.headers().firstValue("x-olympus-revocation").orElse(null));
        assertEquals(200, authz("POST", "", token).statusCode(), "Oathkeeper's remote authorizer POSTs");

        revokeAndAwait("{\"kind\":\"token\",\"jti\":\"ext-" + run + "\",\"reason\":\"stolen\"}", "jti=ext-" + run);
        for (String method : new String[] {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
            HttpResponse<String> r = authz(method, "/athena/api/profile", token);
            assertEquals(403, r.statusCode(), method + " " + r.body());
            assertTrue(r.body().contains("\"matched\":\"jti\""), r.body());
        }

        // A subject logged out everywhere: every token of it issued before is denied.
        String other = "Bearer " + ExtAuthzTest.jwt("{\"jti\":\"ext2-" + run + "\",\"sub\":\"ext-sub-" + run + "\",\"iat\":" + iat + "}");
        assertEquals(200, authz("GET", "/x", other).statusCode());
        revokeAndAwait("{\"kind\":\"subject\",\"subject\":\"ext-sub-" + run + "\"}", "subject=ext-sub-" + run + "&iat=" + iat);
        assertEquals(403, authz("GET", "/x", other).statusCode());

        // An opaque token, revoked by its hash.
        String opaque = "ory_at_" + run;
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(opaque.getBytes()));
        assertEquals(200, authz("GET", "/x", "Bearer " + opaque).statusCode());
        revokeAndAwait("{\"kind\":\"token\",\"tokenHash\":\"" + hash + "\"}", "tokenHash=" + hash);
        assertEquals(403, authz("GET", "/x", "Bearer " + opaque).statusCode());

        HttpResponse<String> none = authz("GET", "/x", null);
        assertEquals(401, none.statusCode(), none.body());
        assertTrue(none.body().contains("UNAUTHENTICATED"), none.body());
    }

    @Test
    void redisDownDeniesWith503() throws Exception {
        String token = "Bearer " + ExtAuthzTest.jwt("{\"jti\":\"ext-down-" + Cluster.runId() + "\"}");
        assertEquals(200, authz("GET", "/x", token).statusCode());
        topology.kill("redis-us-east");
        try {
            HttpResponse<String> r = authz("GET", "/x", token);
            System.out.println("GET /v1/authz/x (Redis down) -> " + r.statusCode() + " " + r.body());
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("UNKNOWN", r.headers().firstValue("x-olympus-revocation").orElse(null));
            assertTrue(r.body().contains("\"revoked\":true"), r.body());
        } finally {
            topology.restart("redis-us-east");
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> authz("GET", "/x", token).statusCode() == 200);
    }
}

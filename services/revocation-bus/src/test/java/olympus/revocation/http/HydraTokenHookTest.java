package olympus.revocation.http;

import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hydra's token hook request read into a revocation check, and each verdict's answer: one row per case. */
public class HydraTokenHookTest {
    static final Instant NOW = Instant.parse("2026-12-03T14:00:00Z");

    /**
     * A refresh-token grant's hook body as Hydra 2.x marshals it: the shape of the example payload
     * on https://www.ory.sh/docs/hydra/guides/claims-at-refresh (ory/docs
     * docs/hydra/guides/oauth2-webhooks.mdx), with the instants as Go's time.Time marshals them
     * (RFC 3339), the sid Hydra adds to the ID token claims, and grant_types of a refresh.
     */
    public static String refresh(String subject, String client, String sid, String authTime) {
        return """
                {"session":{"id_token":{"id_token_claims":{"jti":"","iss":"http://hydra.example/","sub":"%s",
                "aud":["%s"],"nonce":"","exp":"0001-01-01T00:00:00Z","iat":"2026-12-03T13:00:00Z",
                "rat":"2026-12-03T12:00:05Z","auth_time":"%s","at_hash":"","acr":"1","amr":["pwd"],"c_hash":"",
                "ext":{"sid":"%s"}},"headers":{"extra":{"kid":"public:hydra.openid.id-token"}},
                "expires_at":{"access_token":"2026-12-03T15:00:00Z"},"username":"","subject":"%s"},
                "extra":{},"kid":"","client_id":"%s","consent_challenge":"c0ffee","exclude_not_before_claim":false,
                "allowed_top_level_claims":[],"mirror_top_level_claims":false},
                "request":{"client_id":"%s","client":{"client_id":"%s","client_name":"athena"},
                "granted_scopes":["offline","openid"],"granted_audience":[],"grant_types":["refresh_token"],"payload":{}}}
                """.formatted(subject, client, authTime, sid, subject, client, client, client);
    }

    static String jwt(String claims) {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        return e.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + e.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    static Stream<Arguments> parsed() {
        String assertion = jwt("{\"iss\":\"partner\",\"sub\":\"svc\",\"jti\":\"assert-1\"}");
        return Stream.of(
                // name, body, expected query (jti, tokenHash, sessionId, subject, clientId, iat), assumed-iat note fragment
                Arguments.of("refresh: subject, client, sid, earliest of auth_time/rat/iat",
                        refresh("u1", "athena", "sid-1", "2026-12-03T12:00:00Z"),
                        new CheckQuery(null, null, "sid-1", "u1", "athena", Instant.parse("2026-12-03T12:00:00Z")), null),
                Arguments.of("auth_time zero (Go's zero time): rat is the earliest",
                        refresh("u1", "athena", "sid-1", "0001-01-01T00:00:00Z"),
                        new CheckQuery(null, null, "sid-1", "u1", "athena", Instant.parse("2026-12-03T12:00:05Z")), null),
                Arguments.of("epoch seconds accepted; offsets converted",
                        "{\"session\":{\"id_token\":{\"id_token_claims\":{\"auth_time\":1796299200,\"iat\":\"2026-12-03T14:00:00+02:00\"},"
                                + "\"subject\":\"u2\"}},\"request\":{\"client_id\":\"c\",\"grant_types\":[\"authorization_code\"]}}",
                        new CheckQuery(null, null, null, "u2", "c", Instant.parse("2026-12-03T12:00:00Z")), null),
                Arguments.of("pairwise: the real subject (id_token.subject) wins over the obfuscated sub",
                        "{\"session\":{\"id_token\":{\"id_token_claims\":{\"sub\":\"pairwise-xyz\",\"iat\":\"2026-12-03T13:00:00Z\"},"
                                + "\"subject\":\"real\"}},\"request\":{\"client_id\":\"c\"}}",
                        new CheckQuery(null, null, null, "real", "c", Instant.parse("2026-12-03T13:00:00Z")), null),
                Arguments.of("no id_token.subject: id_token_claims.sub",
                        "{\"session\":{\"id_token\":{\"id_token_claims\":{\"sub\":\"u3\",\"iat\":\"2026-12-03T13:00:00Z\"},\"subject\":\"\"}},"
                                + "\"request\":{\"client_id\":\"c\"}}",
                        new CheckQuery(null, null, null, "u3", "c", Instant.parse("2026-12-03T13:00:00Z")), null),
                Arguments.of("client_credentials without instants: issued now",
                        "{\"session\":{\"id_token\":{\"id_token_claims\":{\"iat\":\"0001-01-01T00:00:00Z\"}},\"extra\":{},"
                                + "\"client_id\":\"svc\"},\"request\":{\"client_id\":\"svc\",\"grant_types\":[\"client_credentials\"]}}",
                        new CheckQuery(null, null, null, null, "svc", NOW), "starts now"),
                Arguments.of("refresh without instants: issued at the epoch (fail closed)",
                        "{\"session\":{\"id_token\":{\"subject\":\"u4\"}},\"request\":{\"client_id\":\"c\",\"grant_types\":[\"refresh_token\"]}}",
                        new CheckQuery(null, null, null, "u4", "c", Instant.EPOCH), "epoch"),
                Arguments.of("jwt-bearer: the assertion's jti and hash",
                        "{\"session\":{},\"request\":{\"client_id\":\"c\",\"grant_types\":[\"" + HydraTokenHook.JWT_BEARER
                                + "\"],\"payload\":{\"assertion\":[\"" + assertion + "\"]}}}",
                        new CheckQuery("assert-1", HydraTokenHook.sha256(assertion), null, null, "c", NOW), "starts now"),
                Arguments.of("an assertion that is not a JWT: its hash only",
                        "{\"session\":{},\"request\":{\"client_id\":\"c\",\"grant_types\":[\"" + HydraTokenHook.JWT_BEARER
                                + "\"],\"payload\":{\"assertion\":[\"opaque\"]}}}",
                        new CheckQuery(null, HydraTokenHook.sha256("opaque"), null, null, "c", NOW), "starts now"),
                Arguments.of("client id from the session when the request has none",
                        "{\"session\":{\"client_id\":\"from-session\",\"id_token\":{\"id_token_claims\":{\"rat\":\"2026-12-03T13:00:00Z\"}}},"
                                + "\"request\":{\"grant_types\":[\"refresh_token\"]}}",
                        new CheckQuery(null, null, null, null, "from-session", Instant.parse("2026-12-03T13:00:00Z")), null),
                Arguments.of("unknown fields (a later Hydra) are accepted",
                        "{\"session\":{\"id_token\":{\"subject\":\"u5\",\"id_token_claims\":{\"iat\":\"2026-12-03T13:00:00Z\",\"new\":1}},"
                                + "\"future\":true},\"request\":{\"client_id\":\"c\",\"something\":[1]},\"extra_top\":{}}",
                        new CheckQuery(null, null, null, "u5", "c", Instant.parse("2026-12-03T13:00:00Z")), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parsed")
    void readsTheCheckFromHydrasBody(String name, String body, CheckQuery expected, String assumed) {
        HydraTokenHook.Ask ask = HydraTokenHook.parse(body.getBytes(StandardCharsets.UTF_8), NOW);
        assertEquals(expected, ask.query());
        if (assumed == null) {
            assertNull(ask.issuedAtAssumed());
        } else {
            assertNotNull(ask.issuedAtAssumed());
            assertTrue(ask.issuedAtAssumed().contains(assumed), ask.issuedAtAssumed());
        }
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                // name, body, field, rejection
                Arguments.of("empty body", "", null, "MALFORMED_JSON"),
                Arguments.of("not JSON", "{\"session\":", null, "MALFORMED_JSON"),
                Arguments.of("not an object", "[1,2]", null, "MALFORMED_JSON"),
                Arguments.of("no request", "{\"session\":{}}", "request", "MISSING_FIELD"),
                Arguments.of("request not an object", "{\"session\":{},\"request\":\"x\"}", "request", "INVALID_FIELD"),
                Arguments.of("session not an object", "{\"session\":[],\"request\":{\"client_id\":\"c\"}}", "session", "INVALID_FIELD"),
                Arguments.of("client_id not a string", "{\"request\":{\"client_id\":7}}", "request.client_id", "INVALID_FIELD"),
                Arguments.of("nothing to check", "{\"session\":{},\"request\":{\"grant_types\":[\"refresh_token\"]}}",
                        "request.client_id", "MISSING_FIELD"),
                Arguments.of("grant_types not strings", "{\"request\":{\"client_id\":\"c\",\"grant_types\":[1]}}",
                        "request.grant_types", "INVALID_FIELD"),
                Arguments.of("bad instant", "{\"session\":{\"id_token\":{\"id_token_claims\":{\"iat\":\"yesterday\"}}},"
                        + "\"request\":{\"client_id\":\"c\"}}", "session.id_token.id_token_claims.iat", "INVALID_FIELD"),
                Arguments.of("sid too long", "{\"session\":{\"id_token\":{\"id_token_claims\":{\"ext\":{\"sid\":\"" + "s".repeat(600)
                        + "\"}}}},\"request\":{\"client_id\":\"c\"}}", "session.id_token.id_token_claims.ext.sid", "INVALID_FIELD"),
                Arguments.of("duplicate key", "{\"request\":{\"client_id\":\"a\",\"client_id\":\"b\"}}", null, "MALFORMED_JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWhatIsNotATokenHookRequestNamingTheField(String name, String body, String field, String rejection) {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> HydraTokenHook.parse(body.getBytes(StandardCharsets.UTF_8), NOW));
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(rejection, e.rejection(), e.getMessage());
    }

    static Stream<Arguments> answers() {
        return Stream.of(
                // verdict, HTTP status for Hydra, error code in the body (null: no body)
                Arguments.of(new Verdict(Verdict.Status.NOT_REVOKED, "no revocation matches", null, null), 204, null),
                Arguments.of(new Verdict(Verdict.Status.REVOKED, "subject revoked: everything issued before ...", "subject", null),
                        403, "access_denied"),
                Arguments.of(new Verdict(Verdict.Status.REVOKED, "session revoked by event e1: logout", "session", "e1"),
                        403, "access_denied"),
                Arguments.of(new Verdict(Verdict.Status.REVOKED, "client revoked", "client", null), 403, "access_denied"),
                Arguments.of(new Verdict(Verdict.Status.UNKNOWN, "denylist unreachable (RedisConnectionException): fail closed",
                        null, null), 503, "temporarily_unavailable"),
                Arguments.of(new Verdict(Verdict.Status.UNKNOWN, "denylist is being rebuilt", null, null), 503,
                        "temporarily_unavailable"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("answers")
    void answersInHydrasFormat(Verdict v, int status, String error) throws Exception {
        HydraTokenHook.Answer a = HydraTokenHook.answer(null, v);
        assertEquals(status, a.status());
        if (error == null) {
            assertNull(a.body());
            assertEquals("allow", a.decision());
            return;
        }
        assertEquals("deny", a.decision());
        com.fasterxml.jackson.databind.JsonNode n = RequestJson.MAPPER.readTree(a.body());
        assertEquals(error, n.path("error").asText());
        assertEquals(v.status().name(), n.path("status").asText());
        assertTrue(n.path("error_description").asText().contains(v.reason().replace(": fail closed", "")), a.body());
        if (v.status() == Verdict.Status.UNKNOWN) {
            assertTrue(n.path("error_description").asText().startsWith("revocation state unknown, token refused (fail closed): "), a.body());
        }
        if (v.matched() != null) {
            assertEquals(v.matched(), n.path("matched").asText());
        }
    }

    @Test
    void everyVerdictHasAnAnswerRow() {
        List<Verdict.Status> covered = answers().map(a -> ((Verdict) a.get()[0]).status()).distinct().toList();
        assertEquals(List.of(Verdict.Status.values()).size(), covered.size());
    }
}

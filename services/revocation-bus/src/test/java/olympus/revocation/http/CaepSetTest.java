package olympus.revocation.http;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import olympus.revocation.core.RevocationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CAEP SET verification with the real library: every refusal's RFC 8935 code, and the accepted mappings. */
class CaepSetTest {
    static final Instant NOW = Instant.parse("2026-11-22T03:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String SECRET = "caep-test-secret-0123456789-abcdef";
    static final String ISS = "https://idp.example";
    static final String AUD = "https://olympus.example/revocation-bus";
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    static final Duration SKEW = Duration.ofSeconds(30);
    static final CaepSet HS = hmacOnly(SECRET);

    static CaepSet hmacOnly(String secret) {
        return new CaepSet(secret, null, ISS, AUD, MAX_AGE, SKEW, Duration.ofMinutes(5), CLOCK);
    }

    static CaepSet jwksOnly(String url) {
        return new CaepSet(null, url, ISS, AUD, MAX_AGE, SKEW, Duration.ofMinutes(5), CLOCK);
    }

    static Map<String, Object> opaque(Object eventTimestamp) {
        return Map.of(CaepSet.SESSION_REVOKED, Map.of("subject", Map.of("format", "opaque", "id", "sess-1"),
                "event_timestamp", eventTimestamp));
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISS).audience(List.of("someone-else", AUD)).jwtID("set-1")
                .issueTime(Date.from(NOW.minusSeconds(10))).claim("events", opaque(NOW.minusSeconds(20).getEpochSecond()));
    }

    static JWSHeader.Builder header(JWSAlgorithm alg) {
        return new JWSHeader.Builder(alg).type(new JOSEObjectType("secevent+jwt"));
    }

    static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hs(JWSHeader.Builder header, JWTClaimsSet.Builder claims) {
        return hs(header, claims, SECRET);
    }

    static String hs(JWSHeader.Builder header, JWTClaimsSet.Builder claims, String secret) {
        try {
            return sign(header.build(), claims.build(), new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String good() {
        return hs(header(JWSAlgorithm.HS256), claims());
    }

    /** A payload signed by nobody: {"alg":"none"} and an empty signature. */
    static String unsigned() {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String h = b.encodeToString("{\"alg\":\"none\",\"typ\":\"secevent+jwt\"}".getBytes(StandardCharsets.UTF_8));
        return h + "." + claims().build().toPayload().toBase64URL() + ".";
    }

    static String flippedSignature() {
        String s = good();
        int i = s.lastIndexOf('.') + 1;
        return s.substring(0, i) + (s.charAt(i) == 'A' ? 'B' : 'A') + s.substring(i + 1);
    }

    static Stream<Arguments> refused() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
        return Stream.of(
                Arguments.of("bad signature", flippedSignature(), SetError.INVALID_KEY, "signature"),
                Arguments.of("wrong key", hs(header(JWSAlgorithm.HS256), claims(), "another-secret-0123456789-abcdefgh"),
                        SetError.INVALID_KEY, "signature"),
                Arguments.of("alg none", unsigned(), SetError.INVALID_REQUEST, "alg none"),
                Arguments.of("alg this receiver has no key for (RS256 against a shared secret)",
                        sign(header(JWSAlgorithm.RS256).keyID("r1").build(), claims().build(), new RSASSASigner(rsa)),
                        SetError.INVALID_REQUEST, "alg RS256 is not accepted"),
                Arguments.of("wrong typ", hs(header(JWSAlgorithm.HS256).type(JOSEObjectType.JWT), claims()),
                        SetError.INVALID_REQUEST, "typ must be secevent+jwt"),
                Arguments.of("no typ", hs(new JWSHeader.Builder(JWSAlgorithm.HS256), claims()),
                        SetError.INVALID_REQUEST, "typ must be secevent+jwt"),
                Arguments.of("wrong iss", hs(header(JWSAlgorithm.HS256), claims().issuer("https://evil.example")),
                        SetError.INVALID_ISSUER, "iss"),
                Arguments.of("no iss", hs(header(JWSAlgorithm.HS256), claims().issuer(null)), SetError.INVALID_ISSUER, "iss"),
                Arguments.of("wrong aud", hs(header(JWSAlgorithm.HS256), claims().audience("https://other-receiver.example")),
                        SetError.INVALID_AUDIENCE, "aud"),
                Arguments.of("stale iat", hs(header(JWSAlgorithm.HS256), claims().issueTime(Date.from(NOW.minusSeconds(301)))),
                        SetError.INVALID_REQUEST, "old"),
                Arguments.of("future iat", hs(header(JWSAlgorithm.HS256), claims().issueTime(Date.from(NOW.plusSeconds(31)))),
                        SetError.INVALID_REQUEST, "in the future"),
                Arguments.of("missing iat", hs(header(JWSAlgorithm.HS256), claims().issueTime(null)),
                        SetError.INVALID_REQUEST, "iat is missing"),
                Arguments.of("unknown crit", hs(header(JWSAlgorithm.HS256).criticalParams(Set.of("urn:example:must-know"))
                        .customParam("urn:example:must-know", true), claims()), SetError.INVALID_REQUEST, "crit"),
                Arguments.of("non-numeric event_timestamp", hs(header(JWSAlgorithm.HS256),
                        claims().claim("events", opaque("yesterday"))), SetError.INVALID_REQUEST, "event_timestamp"),
                Arguments.of("unknown event type", hs(header(JWSAlgorithm.HS256), claims().claim("events",
                        Map.of("https://schemas.openid.net/secevent/caep/event-type/credential-change", Map.of()))),
                        SetError.INVALID_REQUEST, "no " + CaepSet.SESSION_REVOKED),
                Arguments.of("no events", hs(header(JWSAlgorithm.HS256), claims().claim("events", null)),
                        SetError.INVALID_REQUEST, "events"),
                Arguments.of("no jti", hs(header(JWSAlgorithm.HS256), claims().jwtID(null)), SetError.INVALID_REQUEST, "jti"),
                Arguments.of("not a JWS", "hello", SetError.INVALID_REQUEST, "not a compact JWS"),
                Arguments.of("empty body", "", SetError.INVALID_REQUEST, "body is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedWithItsRfc8935Code(String why, String set, String code, String says) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> HS.parse(set), why);
        assertEquals(code, SetError.code(e), why + ": " + e.getMessage());
        String text = (e.field() == null ? "" : e.field() + ": ") + e.getMessage();
        assertTrue(text.contains(says), why + ": " + text);
    }

    @Test
    void aShortHmacKeyIsRefusedAtStartUp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hmacOnly("only-31-bytes-of-secret-0123456"));
        assertTrue(e.getMessage().contains("31 bytes") && e.getMessage().contains("at least 32"), e.getMessage());
        hmacOnly("exactly-32-bytes-of-secret-01234");
    }

    @Test
    void anEnabledEndpointNeedsAnIssuerAndAnAudience() {
        assertThrows(IllegalArgumentException.class, () -> new CaepSet(SECRET, null, "", AUD, MAX_AGE, SKEW, MAX_AGE, CLOCK));
        assertThrows(IllegalArgumentException.class, () -> new CaepSet(SECRET, null, ISS, null, MAX_AGE, SKEW, MAX_AGE, CLOCK));
        assertThrows(IllegalArgumentException.class, () -> new CaepSet(null, " ", ISS, AUD, MAX_AGE, SKEW, MAX_AGE, CLOCK));
    }

    @Test
    void validSetsMapAsBefore() {
        RevocationRequest opaque = HS.parse(good());
        assertEquals("session", opaque.kind());
        assertEquals("set:set-1", opaque.eventId());
        assertEquals("sess-1", opaque.sessionId());
        assertEquals(NOW.minusSeconds(20), opaque.revokedAt());
        assertEquals("CAEP session-revoked from " + ISS, opaque.reason());

        RevocationRequest complex = HS.parse(hs(header(JWSAlgorithm.HS256), claims().claim("events", Map.of(CaepSet.SESSION_REVOKED,
                Map.of("subject", Map.of("format", "complex", "session", Map.of("format", "opaque", "id", "sess-2"),
                        "user", Map.of("format", "iss_sub", "iss", ISS, "sub", "alice")), "reason_admin", "stolen")))));
        assertEquals("session", complex.kind());
        assertEquals("sess-2", complex.sessionId());
        assertEquals("alice", complex.subject());
        assertEquals(NOW.minusSeconds(10), complex.revokedAt(), "no event_timestamp: the SET's iat");
        assertTrue(complex.reason().endsWith(": \"stolen\""), complex.reason());

        RevocationRequest subject = HS.parse(hs(header(JWSAlgorithm.HS256).type(new JOSEObjectType("application/secevent+jwt")),
                claims().audience(AUD).jwtID("a jti with spaces").claim("events", Map.of(CaepSet.SESSION_REVOKED,
                        Map.of("subject", Map.of("format", "iss_sub", "iss", ISS, "sub", "bob"), "event_timestamp", 1_700_000_000L)))));
        assertEquals("subject", subject.kind());
        assertEquals("bob", subject.subject());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), subject.issuedBefore());
        assertTrue(subject.eventId().matches("set:[0-9a-f]{40}"), "a jti unfit as an event id is hashed: " + subject.eventId());
        assertNull(subject.sessionId());
    }

    @Test
    void rs256WithKeysFromAJwksServedOverHttp() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks.json", x -> {
            fetches.incrementAndGet();
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, jwks.length);
            x.getResponseBody().write(jwks);
            x.close();
        });
        server.start();
        try {
            CaepSet caep = jwksOnly("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
            String set = sign(header(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims().build(), new RSASSASigner(key));
            assertEquals("sess-1", caep.parse(set).sessionId());
            assertEquals("sess-1", caep.parse(set).sessionId());
            assertEquals(1, fetches.get(), "the JWKS is cached");

            BadRequestException wrongKey = assertThrows(BadRequestException.class, () -> caep.parse(sign(
                    header(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims().build(), new RSASSASigner(stranger))));
            assertEquals(SetError.INVALID_KEY, SetError.code(wrongKey));
            BadRequestException unknownKid = assertThrows(BadRequestException.class, () -> caep.parse(sign(
                    header(JWSAlgorithm.RS256).keyID("rsa-2").build(), claims().build(), new RSASSASigner(stranger))));
            assertEquals(SetError.INVALID_KEY, SetError.code(unknownKid));
            BadRequestException hsToJwks = assertThrows(BadRequestException.class, () -> caep.parse(good()));
            assertEquals(SetError.INVALID_REQUEST, SetError.code(hsToJwks), "no shared secret here: HS256 is not accepted");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnreachableJwksIsAFailureToRetryNotARefusal() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        HttpServer closed = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int port = closed.getAddress().getPort();
        closed.stop(0);
        CaepSet caep = jwksOnly("http://127.0.0.1:" + port + "/jwks.json");
        String set = sign(header(JWSAlgorithm.RS256).keyID("rsa-1").build(), claims().build(), new RSASSASigner(key));
        assertThrows(CaepSet.KeysUnavailable.class, () -> caep.parse(set));
    }

    @Test
    void es256WithKeysFromAJwksFile(@TempDir Path dir) throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
        CaepSet caep = jwksOnly(file.toUri().toString());
        String set = sign(header(JWSAlgorithm.ES256).keyID("ec-1").build(), claims().build(), new ECDSASigner(key));
        assertEquals("sess-1", caep.parse(set).sessionId());

        String[] p = set.split("\\.");
        byte[] sig = new Base64URL(p[2]).decode();
        sig[0] ^= 1;
        BadRequestException bad = assertThrows(BadRequestException.class,
                () -> caep.parse(p[0] + "." + p[1] + "." + Base64URL.encode(sig)));
        assertEquals(SetError.INVALID_KEY, SetError.code(bad));
    }
}

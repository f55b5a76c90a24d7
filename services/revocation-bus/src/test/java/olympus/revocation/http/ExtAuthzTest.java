package olympus.revocation.http;

import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a gateway's bearer token is checked as, and the status each verdict answers. */
public class ExtAuthzTest {
    /** An unsigned JWT with these claims (the gateway verifies signatures; the adapter only reads). */
    public static String jwt(String claimsJson) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    @Test
    void claimsOfAJwtBecomeTheQuery() {
        assertEquals(new CheckQuery("j1", null, "s1", "u1", "c1", Instant.ofEpochSecond(1700000000)),
                ExtAuthz.query("Bearer " + jwt("{\"jti\":\"j1\",\"sub\":\"u1\",\"sid\":\"s1\",\"client_id\":\"c1\",\"iat\":1700000000}")));
        // azp, then cid, when there is no client_id (OIDC ID tokens, Okta-style access tokens).
        assertEquals("a", ExtAuthz.query("Bearer " + jwt("{\"sub\":\"u\",\"azp\":\"a\",\"cid\":\"c\",\"iat\":1}")).clientId());
        assertEquals("c", ExtAuthz.query("bearer " + jwt("{\"sub\":\"u\",\"cid\":\"c\",\"iat\":1}")).clientId());
    }

    @Test
    void noIssuedAtWithASubjectIsCheckedAsIssuedAtTheEpoch() {
        assertEquals(Instant.EPOCH, ExtAuthz.query("Bearer " + jwt("{\"sub\":\"u\"}")).iat());
        assertEquals(null, ExtAuthz.query("Bearer " + jwt("{\"jti\":\"j\"}")).iat());
    }

    @Test
    void anOpaqueTokenOrAJwtNamingNothingIsCheckedByItsHash() {
        String opaque = "ory_at_abc.def";
        assertEquals(new CheckQuery(null, ExtAuthz.sha256(opaque), null, null, null, null), ExtAuthz.query("Bearer " + opaque));
        String empty = jwt("{\"iss\":\"x\"}");
        assertEquals(ExtAuthz.sha256(empty), ExtAuthz.query("Bearer " + empty).tokenHash());
        assertEquals(ExtAuthz.sha256("a.!!!.c"), ExtAuthz.query("Bearer a.!!!.c").tokenHash());
        assertEquals(64, ExtAuthz.sha256("x").length());
    }

    @Test
    void noBearerTokenIsUnauthenticatedAndUnusableClaimsAreRefused() {
        for (String auth : new String[] {null, "", "Basic dTpw", "Bearer ", "Bearer    "}) {
            BadRequestException e = assertThrows(BadRequestException.class, () -> ExtAuthz.query(auth), String.valueOf(auth));
            assertEquals("UNAUTHENTICATED", e.rejection());
        }
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> ExtAuthz.query("Bearer " + jwt("{\"jti\":\"" + "x".repeat(600) + "\"}")));
        assertEquals("INVALID_FIELD", e.rejection());
    }

    @Test
    void onlyNotRevokedLetsTheRequestThrough() {
        assertEquals(200, ExtAuthz.status(new Verdict(Verdict.Status.NOT_REVOKED, "no match", null, null)));
        assertEquals(403, ExtAuthz.status(new Verdict(Verdict.Status.REVOKED, "r", "jti", "e")));
        assertEquals(503, ExtAuthz.status(new Verdict(Verdict.Status.UNKNOWN, "redis down", null, null)));
    }
}

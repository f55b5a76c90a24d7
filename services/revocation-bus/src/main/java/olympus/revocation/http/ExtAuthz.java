package olympus.revocation.http;

import com.fasterxml.jackson.databind.JsonNode;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Verdict;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A gateway's "may this request through?" (Envoy's HTTP ext_authz, Ory Oathkeeper's {@code remote}
 * authorizer): the bearer token of the request, as the revocation query it implies, and the answer.
 * Pure (no I/O), table-tested in {@code ExtAuthzTest}.
 *
 * <p>Only revocation is decided here: the gateway (Oathkeeper's authenticator, Envoy's jwt_authn)
 * verifies the token's signature and expiry; this adapter reads a JWT's claims <b>without
 * verifying</b> them ({@code jti}; {@code sub}; {@code sid}, the OIDC session; {@code client_id},
 * else {@code azp}, else {@code cid}; {@code iat}), so a forged token could only ask about someone
 * else's revocation, never be let through by it. A token that is not a JWT (Hydra's opaque access
 * tokens) is checked by its SHA-256 ({@code tokenHash}, as {@code POST /v1/revocations} takes it).
 * A JWT with a subject or client and no {@code iat} is checked as issued at the epoch, so any
 * watermark of that subject or client denies it (fail closed: when it was issued is unknown).
 */
public final class ExtAuthz {
    private ExtAuthz() {}

    /** @throws BadRequestException (rejection UNAUTHENTICATED) when there is no bearer token to check */
    public static CheckQuery query(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.substring(7).isBlank()) {
            throw new BadRequestException("UNAUTHENTICATED", "Authorization", null,
                    "a bearer token is required (Authorization: Bearer <token>)");
        }
        String token = authorization.substring(7).strip();
        JsonNode claims = claims(token);
        if (claims == null) {
            return new CheckQuery(null, sha256(token), null, null, null, null);
        }
        String jti = text(claims, "jti");
        String sub = text(claims, "sub");
        String sid = text(claims, "sid");
        String client = text(claims, "client_id");
        if (client == null) {
            client = text(claims, "azp");
        }
        if (client == null) {
            client = text(claims, "cid");
        }
        JsonNode iat = claims.get("iat");
        Instant issued = iat != null && iat.canConvertToLong() ? Instant.ofEpochSecond(iat.asLong()) : null;
        if (issued == null && (sub != null || client != null)) {
            issued = Instant.EPOCH;
        }
        if (jti == null && sub == null && sid == null && client == null) {
            // A JWT naming nothing we can look up: checked by its hash, as an opaque token would be.
            return new CheckQuery(null, sha256(token), null, null, null, null);
        }
        try {
            return new CheckQuery(jti, null, sid, sub, client, issued);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("INVALID_FIELD", "Authorization", null, "the bearer token's claims: " + e.getMessage());
        }
    }

    /** The HTTP status for the gateway: 200 lets the request through, anything else denies it. */
    public static int status(Verdict v) {
        return switch (v.status()) {
            case NOT_REVOKED -> 200;
            case REVOKED -> 403;
            // Still a denial for Envoy and Oathkeeper (only 200 allows), as a temporary one.
            case UNKNOWN -> 503;
        };
    }

    /** The payload of a JWT (three base64url segments whose middle one is a JSON object), or null. */
    static JsonNode claims(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[1].isEmpty()) {
            return null;
        }
        try {
            JsonNode n = RequestJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

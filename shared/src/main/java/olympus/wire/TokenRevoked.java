package olympus.wire;

import java.time.Instant;

/**
 * One token is revoked. Identified by its {@code jti}, by the SHA-256 of the token itself (for
 * opaque tokens without a jti), or both. {@code keepUntil} is when the denylist entry may go:
 * the token's {@code exp}, since an expired token is refused anyway.
 */
public record TokenRevoked(
        String eventId,
        int schemaVersion,
        String originRegion,
        Instant occurredAt,
        String jti,
        String tokenHash,
        Instant revokedAt,
        Instant keepUntil,
        String reason) implements WireEvent {

    public TokenRevoked {
        Check.header(eventId, schemaVersion, originRegion, occurredAt);
        if (jti == null && tokenHash == null) {
            throw new WireException(Rejection.MISSING_FIELD, "jti",
                    "field 'jti' is missing, and so is 'tokenHash': one of them must identify the token");
        }
        Check.optionalText("jti", jti, Check.MAX_ID);
        Check.tokenHash("tokenHash", tokenHash);
        Check.revocationWindow(occurredAt, revokedAt, keepUntil);
        Check.optionalText("reason", reason, Check.MAX_REASON);
    }
}

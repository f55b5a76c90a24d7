package olympus.wire;

import java.time.Instant;

/** Every token of OAuth2 client {@code clientId} issued before {@code issuedBefore} is revoked. */
public record ClientRevoked(
        String eventId,
        int schemaVersion,
        String originRegion,
        Instant occurredAt,
        String clientId,
        Instant issuedBefore,
        Instant revokedAt,
        Instant keepUntil,
        String reason) implements WireEvent {

    public ClientRevoked {
        Check.header(eventId, schemaVersion, originRegion, occurredAt);
        Check.text("clientId", clientId, Check.MAX_ID);
        Check.notAfterSkew("issuedBefore", issuedBefore, occurredAt);
        Check.revocationWindow(occurredAt, revokedAt, keepUntil);
        Check.optionalText("reason", reason, Check.MAX_REASON);
    }
}

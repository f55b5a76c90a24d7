package olympus.wire;

import java.time.Instant;

/**
 * Every token and session of {@code subject} issued before {@code issuedBefore} is revoked: a
 * watermark compared with a token's {@code iat}, not a list of token ids.
 */
public record SubjectRevoked(
        String eventId,
        int schemaVersion,
        String originRegion,
        Instant occurredAt,
        String subject,
        Instant issuedBefore,
        Instant revokedAt,
        Instant keepUntil,
        String reason) implements WireEvent {

    public SubjectRevoked {
        Check.header(eventId, schemaVersion, originRegion, occurredAt);
        Check.text("subject", subject, Check.MAX_ID);
        Check.notAfterSkew("issuedBefore", issuedBefore, occurredAt);
        Check.revocationWindow(occurredAt, revokedAt, keepUntil);
        Check.optionalText("reason", reason, Check.MAX_REASON);
    }
}

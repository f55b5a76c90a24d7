package olympus.wire;

import java.time.Instant;

/** One session is revoked. {@code subject} is carried when known, for audit and per-user views. */
public record SessionRevoked(
        String eventId,
        int schemaVersion,
        String originRegion,
        Instant occurredAt,
        String sessionId,
        String subject,
        Instant revokedAt,
        Instant keepUntil,
        String reason) implements WireEvent {

    public SessionRevoked {
        Check.header(eventId, schemaVersion, originRegion, occurredAt);
        Check.text("sessionId", sessionId, Check.MAX_ID);
        Check.optionalText("subject", subject, Check.MAX_ID);
        Check.revocationWindow(occurredAt, revokedAt, keepUntil);
        Check.optionalText("reason", reason, Check.MAX_REASON);
    }
}

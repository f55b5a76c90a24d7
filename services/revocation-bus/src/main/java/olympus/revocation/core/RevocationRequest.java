package olympus.revocation.core;

import java.time.Instant;

/**
 * One revocation as a caller asks for it (HTTP, NATS, or mapped from a CAEP SET), before the
 * service stamps it with its region and time. Which fields are required depends on {@code kind}.
 *
 * @param kind token, session, subject or client
 * @param eventId the caller's idempotency key; a retry with the same id is stored once. Optional:
 *     generated when absent (then a retry is a second event, harmless but counted twice)
 * @param issuedBefore subject/client watermark; defaults to revokedAt ("everything issued so far")
 * @param keepUntil latest {@code exp} the revocation must outlive; defaults to revokedAt plus the
 *     configured longest token lifetime
 */
public record RevocationRequest(String kind, String eventId, String jti, String tokenHash, String sessionId,
                                String subject, String clientId, Instant issuedBefore, Instant revokedAt,
                                Instant keepUntil, String reason) {
}

package olympus.revocation.core;

/**
 * Answer to a check, with the reason a human can act on.
 *
 * @param matched which part of the query hit (jti, tokenHash, session, subject, client), or null
 * @param eventId the revocation event that decided it, when known
 */
public record Verdict(Status status, String reason, String matched, String eventId) {
    public enum Status {
        REVOKED,
        NOT_REVOKED,
        /**
         * The denylist cannot vouch for a negative answer (Redis unreachable, or empty and being
         * rebuilt). Callers must treat it as revoked: revocation checks fail closed.
         */
        UNKNOWN
    }

    public boolean revoked() {
        return status == Status.REVOKED;
    }
}

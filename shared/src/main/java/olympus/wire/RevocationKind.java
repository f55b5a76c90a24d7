package olympus.wire;

import java.util.Locale;

/** The four revocation events, and the subject token each is published under. */
public enum RevocationKind {
    TOKEN,
    SESSION,
    SUBJECT,
    CLIENT;

    /** Last token of the subject, e.g. {@code olympus.revocation.us-east.session}. */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Subject a region publishes this kind of revocation on. */
    public String subject(String region) {
        return Naming.subject(Naming.Family.REVOCATION, region, token());
    }

    /** @throws IllegalArgumentException if the event is not a revocation */
    public static RevocationKind of(WireEvent event) {
        if (event instanceof TokenRevoked) {
            return TOKEN;
        }
        if (event instanceof SessionRevoked) {
            return SESSION;
        }
        if (event instanceof SubjectRevoked) {
            return SUBJECT;
        }
        if (event instanceof ClientRevoked) {
            return CLIENT;
        }
        throw new IllegalArgumentException(event.type() + " is not a revocation");
    }
}

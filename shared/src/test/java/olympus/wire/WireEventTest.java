package olympus.wire;

import static olympus.wire.Events.HASH;
import static olympus.wire.Events.LATER;
import static olympus.wire.Events.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The records enforce the decoding rules themselves, so an invalid event cannot be built in Java either. */
class WireEventTest {

    static void assertInvalid(Rejection rejection, String field, Executable construction) {
        WireException e = assertThrows(WireException.class, construction);
        assertEquals(rejection, e.rejection(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
    }

    @Test
    void constructorsApplyTheWireRules() {
        assertInvalid(Rejection.UNSUPPORTED_VERSION, "schemaVersion",
                () -> new TokenRevoked("e", 2, "us-east", T0, "jti", null, T0, LATER, null));
        assertInvalid(Rejection.MISSING_FIELD, "jti",
                () -> new TokenRevoked("e", 1, "us-east", T0, null, null, T0, LATER, null));
        assertInvalid(Rejection.INVALID_FIELD, "originRegion",
                () -> new SessionRevoked("e", 1, "US", T0, "s", null, T0, LATER, null));
        assertInvalid(Rejection.MISSING_FIELD, "occurredAt",
                () -> new SubjectRevoked("e", 1, "us-east", null, "user", T0, T0, LATER, null));
        assertInvalid(Rejection.INVALID_FIELD, "keepUntil",
                () -> new ClientRevoked("e", 1, "us-east", T0, "c", T0, T0.plusSeconds(60), T0, null));
        assertInvalid(Rejection.INVALID_FIELD, "revokedAt",
                () -> new TokenRevoked("e", 1, "us-east", T0, "jti", null, LATER, LATER, null));
        assertInvalid(Rejection.INVALID_FIELD, "issuedBefore",
                () -> new SubjectRevoked("e", 1, "us-east", T0, "user", LATER, T0, LATER, null));
        assertInvalid(Rejection.INVALID_FIELD, "keepUntil",
                () -> new TokenRevoked("e", 1, "us-east", T0, "jti", null, T0, T0.plus(Check.MAX_KEEP).plusSeconds(1), null));
        assertInvalid(Rejection.INVALID_FIELD, "keepUntil",
                () -> new TokenRevoked("e", 1, "us-east", T0, "jti", null, T0, java.time.Instant.MAX, null));
        assertInvalid(Rejection.INVALID_FIELD, "occurredAt",
                () -> new TokenRevoked("e", 1, "us-east", java.time.Instant.MIN, "jti", null, T0, LATER, null));
        assertInvalid(Rejection.INVALID_FIELD, "tokenHash",
                () -> new TokenRevoked("e", 1, "us-east", T0, null, HASH.toUpperCase(), T0, LATER, null));
    }

    @Test
    void lagFiguresMustBeFiniteAndNonNegative() {
        assertInvalid(Rejection.INVALID_FIELD, "replayLagMs", () -> lagWithReplay(Double.NaN));
        assertInvalid(Rejection.INVALID_FIELD, "replayLagMs", () -> lagWithReplay(Double.POSITIVE_INFINITY));
        assertInvalid(Rejection.INVALID_FIELD, "replayLagMs", () -> lagWithReplay(-1.0));
        assertEquals(0.0, lagWithReplay(0.0).replayLagMs());
    }

    private static ReplicaLagSampled lagWithReplay(Double replayLagMs) {
        return new ReplicaLagSampled("e", 1, "eu-west", T0, "eu-west", "us-east", 1L, null, null, null, replayLagMs,
                null, null, null, false, null, null, ReplicaLagSampled.OK, null);
    }

    @Test
    void typeIsTheRecordName() {
        assertEquals("TokenRevoked", Events.token().type());
        assertEquals("SessionRevoked", Events.session().type());
        assertEquals("SubjectRevoked", Events.subject().type());
        assertEquals("ClientRevoked", Events.client().type());
        assertEquals("ReplicaLagSampled", Events.lag().type());
    }

    @Test
    void newEventIdsAreValidAndDistinct() {
        String a = EventCodec.newEventId();
        String b = EventCodec.newEventId();

        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9._:-]{1,128}"), a);
        assertEquals(a, new SessionRevoked(a, 1, "us-east", T0, "s", null, T0, T0, null).eventId());
    }

    @Test
    void revocationKindsMapToSubjects() {
        assertEquals(RevocationKind.TOKEN, RevocationKind.of(Events.token()));
        assertEquals(RevocationKind.SESSION, RevocationKind.of(Events.session()));
        assertEquals(RevocationKind.SUBJECT, RevocationKind.of(Events.subject()));
        assertEquals(RevocationKind.CLIENT, RevocationKind.of(Events.client()));
        assertEquals("session", RevocationKind.SESSION.token());
        assertEquals("olympus.revocation.us-east.client", RevocationKind.CLIENT.subject("us-east"));
        assertEquals(Naming.subject(Naming.Family.REVOCATION, "eu-west", "token"),
                RevocationKind.TOKEN.subject("eu-west"));
    }

    @Test
    void lagSampleIsNotARevocation() {
        assertThrows(IllegalArgumentException.class, () -> RevocationKind.of(Events.lag()));
    }
}

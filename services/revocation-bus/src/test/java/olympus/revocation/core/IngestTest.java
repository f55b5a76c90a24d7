package olympus.revocation.core;

import olympus.wire.ClientRevoked;
import olympus.wire.SessionRevoked;
import olympus.wire.SubjectRevoked;
import olympus.wire.TokenRevoked;
import olympus.wire.WireEvent;
import olympus.wire.WireException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestTest {
    static final Instant NOW = Instant.parse("2026-11-22T03:00:00Z");
    static final Ingest INGEST = new Ingest("eu-west", Duration.ofHours(720), () -> "generated-id");

    static RevocationRequest req(String kind, String jti, String sid, String sub, String client) {
        return new RevocationRequest(kind, null, jti, null, sid, sub, client, null, null, null, null);
    }

    @Test
    void defaultsComeFromTheRegionTheClockAndTheLongestTokenLifetime() {
        WireEvent e = INGEST.toEvent(req("token", "j", null, null, null), NOW);
        TokenRevoked t = assertInstanceOf(TokenRevoked.class, e);
        assertEquals("generated-id", t.eventId());
        assertEquals("eu-west", t.originRegion());
        assertEquals(NOW, t.revokedAt());
        assertEquals(NOW.plus(Duration.ofHours(720)), t.keepUntil());
        SubjectRevoked s = assertInstanceOf(SubjectRevoked.class, INGEST.toEvent(req("SUBJECT", null, null, "u", null), NOW));
        assertEquals(NOW, s.issuedBefore(), "a subject revocation with no T covers everything issued so far");
        assertInstanceOf(SessionRevoked.class, INGEST.toEvent(req("session", null, "s", null, null), NOW));
        assertInstanceOf(ClientRevoked.class, INGEST.toEvent(req("client", null, null, null, "c"), NOW));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(req(null, "j", null, null, null), "kind", "missing"),
                Arguments.of(req("everything", "j", null, null, null), "kind", "must be one of"),
                Arguments.of(req("token", null, null, null, null), "jti", "missing"),
                Arguments.of(req("session", null, null, null, null), "sessionId", "missing"),
                Arguments.of(req("subject", null, null, null, null), "subject", "missing"),
                Arguments.of(req("client", null, null, null, null), "clientId", "missing"),
                Arguments.of(new RevocationRequest("token", "bad id!", "j", null, null, null, null, null, null, null, null),
                        "eventId", "must be 1 to 128"),
                Arguments.of(new RevocationRequest("token", null, "j", null, null, null, null, null, null,
                        NOW.minusSeconds(1), null), "keepUntil", "before revokedAt"),
                Arguments.of(new RevocationRequest("token", null, "j", null, null, null, null, null,
                        NOW.plus(Duration.ofHours(1)), null, null), "revokedAt", "minutes after the event was published"),
                // The reported poison: accepted with 200, then never enforced anywhere.
                Arguments.of(keepUntil("+300000000-01-01T00:00:00Z"), "keepUntil", "outside 1970-01-01 .. 9999-12-31"),
                Arguments.of(keepUntil("+10000000-01-01T00:00:00Z"), "keepUntil", "outside 1970-01-01 .. 9999-12-31"),
                Arguments.of(keepUntil("2099-01-01T00:00:00Z"), "keepUntil", "the revocation stream's retention"),
                Arguments.of(new RevocationRequest("subject", null, null, null, null, "u", null,
                        NOW.plus(Duration.ofDays(1)), null, null, null), "issuedBefore", "minutes after the event was published"));
    }

    static RevocationRequest keepUntil(String iso) {
        return new RevocationRequest("token", null, "j", null, null, null, null, null, null, Instant.parse(iso), null);
    }

    @Test
    void keepUntilUpToTheRetentionIsTaken() {
        TokenRevoked t = (TokenRevoked) INGEST.toEvent(new RevocationRequest("token", null, "j", null, null, null, null,
                null, null, NOW.plus(olympus.wire.Check.MAX_KEEP), null), NOW);
        assertEquals(NOW.plus(olympus.wire.Check.MAX_KEEP), t.keepUntil());
    }

    @Test
    void aDefaultKeepLongerThanTheRetentionIsRefusedAtStartUp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Ingest("eu-west", Duration.ofDays(60)));
        assertTrue(e.getMessage().contains("revocation.default-keep-for"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusedNamingTheField(RevocationRequest r, String field, String message) {
        WireException e = assertThrows(WireException.class, () -> INGEST.toEvent(r, NOW));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}

package olympus.revocation.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckAssessorTest {
    static final Instant IAT = Instant.parse("2026-11-22T03:00:00Z");
    static final String BEFORE = Long.toString(IAT.plusSeconds(1).toEpochMilli());
    static final String AFTER = Long.toString(IAT.minusSeconds(1).toEpochMilli());
    static final CheckQuery ALL = new CheckQuery("j", null, "s", "u", "c", IAT);
    static final CheckQuery JTI = new CheckQuery("j", null, null, null, null, null);

    static List<String> v(String... values) {
        return Arrays.asList(values);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // query, values (per part, then state), status, matched, reason fragment
                Arguments.of(JTI, v(null, "ready"), Verdict.Status.NOT_REVOKED, null, "no revocation matches"),
                Arguments.of(JTI, v("e1\tstolen", "ready"), Verdict.Status.REVOKED, "jti", "revoked by event e1: stolen"),
                Arguments.of(JTI, v("e1", null), Verdict.Status.REVOKED, "jti", "event e1"),
                Arguments.of(JTI, v(null, null), Verdict.Status.UNKNOWN, null, "flushed"),
                Arguments.of(JTI, v(null, "rebuilding:x"), Verdict.Status.UNKNOWN, null, "being rebuilt"),
                Arguments.of(ALL, v(null, "e2", null, null, "ready"), Verdict.Status.REVOKED, "session", "event e2"),
                Arguments.of(ALL, v(null, null, BEFORE, null, "ready"), Verdict.Status.REVOKED, "subject", "issued before"),
                Arguments.of(ALL, v(null, null, AFTER, null, "ready"), Verdict.Status.NOT_REVOKED, null, "no revocation"),
                Arguments.of(ALL, v(null, null, Long.toString(IAT.toEpochMilli()), null, "ready"), Verdict.Status.NOT_REVOKED,
                        null, "no revocation"),
                Arguments.of(ALL, v(null, null, AFTER, BEFORE, "ready"), Verdict.Status.REVOKED, "client", "issued before"),
                Arguments.of(ALL, v(null, null, "garbage", null, "ready"), Verdict.Status.UNKNOWN, "subject", "unreadable"),
                Arguments.of(ALL, v(null, null, AFTER, null, null), Verdict.Status.UNKNOWN, null, "cannot vouch"));
    }

    @ParameterizedTest
    @MethodSource("table")
    void assess(CheckQuery q, List<String> values, Verdict.Status status, String matched, String reason) {
        Verdict v = CheckAssessor.assess(q, values);
        assertEquals(status, v.status(), v.reason());
        assertEquals(matched, v.matched());
        assertTrue(v.reason().contains(reason), v.reason());
    }

    static Stream<Arguments> withSequence() {
        return Stream.of(
                // values (jti, state), mark Redis holds, mark this service saw accepted, status, reason fragment
                Arguments.of(v(null, "ready"), "100", 100L, Verdict.Status.NOT_REVOKED, "no revocation matches"),
                Arguments.of(v(null, "ready"), "120", 100L, Verdict.Status.NOT_REVOKED, "no revocation matches"),
                Arguments.of(v(null, "ready"), null, 0L, Verdict.Status.NOT_REVOKED, "no revocation matches"),
                Arguments.of(v(null, "ready"), "60", 100L, Verdict.Status.UNKNOWN,
                        "holds the view stream up to sequence 60 but this service wrote up to 100"),
                Arguments.of(v(null, "ready"), null, 100L, Verdict.Status.UNKNOWN, "up to sequence 0"),
                Arguments.of(v(null, "ready"), "junk", 100L, Verdict.Status.UNKNOWN, "lost acknowledged revocations"),
                // A positive answer is certain whatever Redis lost.
                Arguments.of(v("e1", "ready"), "60", 100L, Verdict.Status.REVOKED, "event e1"),
                Arguments.of(v(null, null), "60", 100L, Verdict.Status.UNKNOWN, "flushed"));
    }

    @ParameterizedTest
    @MethodSource("withSequence")
    void aNegativeAnswerNeedsRedisToHoldWhatThisServiceWrote(List<String> values, String held, long known,
                                                             Verdict.Status status, String reason) {
        Verdict v = CheckAssessor.assess(JTI, values, held, known);
        assertEquals(status, v.status(), v.reason());
        assertTrue(v.reason().contains(reason), v.reason());
    }

    @org.junit.jupiter.api.Test
    void queriesThatCannotBeAnsweredAreRefusedNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CheckQuery(null, null, null, null, null, null))
                .getMessage().startsWith("query:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CheckQuery(null, null, null, "u", null, null))
                .getMessage().startsWith("iat:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CheckQuery(null, "XYZ", null, null, null, null))
                .getMessage().startsWith("tokenHash:"));
        assertEquals(List.of("rv:jti:j", "rv:sid:s", "rv:wm:sub:u", "rv:wm:cli:c", "rv:state"), ALL.keys());
    }
}

package olympus.revocation.core;

import olympus.wire.ClientRevoked;
import olympus.wire.EventCodec;
import olympus.wire.SessionRevoked;
import olympus.wire.SubjectRevoked;
import olympus.wire.TokenRevoked;
import olympus.wire.WireEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApplyPlannerTest {
    static final Instant T = Instant.parse("2026-11-22T03:00:00Z");
    static final Instant KEEP = T.plusSeconds(3600);
    static final String H = "a".repeat(64);
    static final ApplyPlanner PLANNER = new ApplyPlanner(new EventCodec());

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of(new TokenRevoked("e1", 1, "us-east", T, "j1", null, T, KEEP, "stolen"),
                        Mutation.Mode.SET, List.of("rv:jti:j1"), "e1\tstolen", List.of("ic:jti:j1")),
                Arguments.of(new TokenRevoked("e2", 1, "us-east", T, null, H, T, KEEP, null),
                        Mutation.Mode.SET, List.of("rv:th:" + H), "e2", List.of("ic:th:" + H)),
                Arguments.of(new TokenRevoked("e3", 1, "us-east", T, "j3", H, T, KEEP, null),
                        Mutation.Mode.SET, List.of("rv:jti:j3", "rv:th:" + H), "e3", List.of("ic:jti:j3", "ic:th:" + H)),
                Arguments.of(new SessionRevoked("e4", 1, "eu-west", T, "s4", "u4", T, KEEP, "logout"),
                        Mutation.Mode.SET, List.of("rv:sid:s4"), "e4\tlogout", List.of("ic:sid:s4")),
                Arguments.of(new SubjectRevoked("e5", 1, "ap-south", T, "u5", T.minusSeconds(5), T, KEEP, null),
                        Mutation.Mode.WATERMARK, List.of("rv:wm:sub:u5"), Long.toString(T.minusSeconds(5).toEpochMilli()), List.of()),
                Arguments.of(new ClientRevoked("e6", 1, "us-east", T, "c6", T, T, KEEP, null),
                        Mutation.Mode.WATERMARK, List.of("rv:wm:cli:c6"), Long.toString(T.toEpochMilli()), List.of()));
    }

    @ParameterizedTest
    @MethodSource("events")
    void eachKindBecomesOneMutation(WireEvent e, Mutation.Mode mode, List<String> keys, String value, List<String> invalidate) {
        byte[] wire = new EventCodec().encode(e);
        ApplyDecision d = PLANNER.plan(wire, T);
        assertEquals(ApplyDecision.Outcome.APPLY, d.outcome(), d.reason());
        Mutation m = d.mutation();
        assertEquals(mode, m.mode());
        assertEquals(keys, m.keys());
        assertEquals(value, m.value());
        assertEquals(invalidate, m.invalidate());
        assertEquals(KEEP.toEpochMilli(), m.expireAtMillis());
        assertEquals(e.originRegion(), m.originRegion());
        assertEquals(e.eventId(), m.eventId());
    }

    static Stream<Arguments> poison() {
        String good = new String(new EventCodec().encode(new TokenRevoked("e1", 1, "us-east", T, "j1", null, T, KEEP, null)),
                StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of("{oops", "MALFORMED_JSON"),
                Arguments.of("[]", "NOT_AN_OBJECT"),
                Arguments.of(good.replace("\"schemaVersion\":1", "\"schemaVersion\":2"), "UNSUPPORTED_VERSION"),
                Arguments.of(good.replace("TokenRevoked", "TokenMinted"), "UNKNOWN_TYPE"),
                Arguments.of(good.replace("\"jti\":\"j1\",", ""), "MISSING_FIELD"),
                Arguments.of("{\"pad\":\"" + "x".repeat(9000) + "\"}", "TOO_LARGE"),
                // From NATS, not the API: held to the same bounds by the wire record.
                Arguments.of(good.replace(KEEP.toString(), "+300000000-01-01T00:00:00Z"), "INVALID_FIELD"),
                Arguments.of(good.replace(KEEP.toString(), "2099-01-01T00:00:00Z"), "INVALID_FIELD"),
                Arguments.of(new String(new EventCodec().encode(new olympus.wire.ReplicaLagSampled("l1", 1, "eu-west", T,
                        "eu-west", "us-east", 3L, 42.5, 1.25, 2.5, 40.0, 16384L, "0/3000148", "0/3000100", false, "reserved",
                        1_048_576L, olympus.wire.ReplicaLagSampled.OK, null)), StandardCharsets.UTF_8), "TYPE_MISMATCH"));
    }

    @ParameterizedTest
    @MethodSource("poison")
    void poisonIsRecognisedWithItsRejection(String payload, String rejection) {
        ApplyDecision d = PLANNER.plan(payload.getBytes(StandardCharsets.UTF_8), T);
        assertEquals(ApplyDecision.Outcome.POISON, d.outcome(), d.reason());
        assertTrue(d.reason().startsWith(rejection + ": "), d.reason());
        assertNull(d.mutation());
    }

    static Stream<Arguments> origins() {
        return Stream.of(
                Arguments.of("us-east", ApplyDecision.Outcome.APPLY),
                Arguments.of(null, ApplyDecision.Outcome.APPLY),
                Arguments.of("eu-west", ApplyDecision.Outcome.POISON),
                Arguments.of("?", ApplyDecision.Outcome.POISON));
    }

    /** The subject's region is the publisher NATS vouches for; an event naming another origin is poison. */
    @ParameterizedTest
    @MethodSource("origins")
    void anEventWhoseOriginIsNotItsSubjectsRegionIsPoison(String subjectRegion, ApplyDecision.Outcome outcome) {
        byte[] wire = new EventCodec().encode(new TokenRevoked("e1", 1, "us-east", T, "j1", null, T, KEEP, null));
        ApplyDecision d = PLANNER.plan(wire, subjectRegion, T);
        assertEquals(outcome, d.outcome(), d.reason());
        if (outcome == ApplyDecision.Outcome.POISON) {
            assertTrue(d.reason().startsWith(ApplyPlanner.ORIGIN_MISMATCH + ": "), d.reason());
        }
    }

    @org.junit.jupiter.api.Test
    void anEventWhoseKeepUntilHasPassedIsSkippedNotWritten() {
        TokenRevoked old = new TokenRevoked("e1", 1, "us-east", T, "j1", null, T, T.plusSeconds(1), null);
        ApplyDecision d = PLANNER.plan(old, T.plusSeconds(2));
        assertEquals(ApplyDecision.Outcome.SKIP_EXPIRED, d.outcome());
        assertTrue(d.reason().contains("has passed"), d.reason());
    }
}

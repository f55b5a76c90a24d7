package olympus.revocation.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static olympus.revocation.core.Completeness.FLOOR_UNKNOWN;
import static olympus.revocation.core.Completeness.Status.COMPLETE;
import static olympus.revocation.core.Completeness.Status.EMPTY;
import static olympus.revocation.core.Completeness.Status.GAP;
import static olympus.revocation.core.Completeness.Status.REBUILDING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per reason Completeness gives. */
class CompletenessTest {
    static Stream<Arguments> table() {
        return Stream.of(
                // state, mark, ack floor, deleted key, status, reason fragment
                Arguments.of(null, 0L, 10L, null, EMPTY, "state key missing"),
                Arguments.of(null, 50L, 10L, "rv:jti:x", EMPTY, "state key missing"),
                Arguments.of("rebuilding:t", 0L, 10L, null, REBUILDING, "a rebuild holds"),
                Arguments.of("garbage", 50L, 10L, null, GAP, "unknown value 'garbage'"),
                Arguments.of("ready", 50L, 10L, "rv:jti:x", GAP, "rv:jti:x was deleted or evicted"),
                Arguments.of("ready", 9L, 10L, null, GAP, "up to sequence 9 but the consumer acked up to 10"),
                Arguments.of("ready", 0L, 1L, null, GAP, "lost acknowledged writes"),
                Arguments.of("ready", 10L, 10L, null, COMPLETE, "holds up to sequence 10 >= ack floor 10"),
                Arguments.of("ready", 12L, 10L, null, COMPLETE, ">= ack floor"),
                Arguments.of("ready", 0L, 0L, null, COMPLETE, ">= ack floor 0"),
                Arguments.of("ready", 0L, FLOOR_UNKNOWN, null, COMPLETE, "sequence check skipped"));
    }

    @ParameterizedTest
    @MethodSource("table")
    void assess(String state, long mark, long floor, String deleted, Completeness.Status status, String reason) {
        Completeness c = Completeness.assess(state, mark, floor, deleted);
        assertEquals(status, c.status(), c.reason());
        assertTrue(c.reason().contains(reason), c.reason());
    }
}

package olympus.agent.core;

import olympus.wire.FencingToken;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FencingGateTest {
    static FencingToken t(long term, long epoch) {
        return new FencingToken(term, epoch, "coordinator-" + term);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(null, t(1, 1), true, t(1, 1), "first token seen"),
                Arguments.of(t(3, 7), t(3, 7), true, t(3, 7), "same token"),
                Arguments.of(t(3, 7), t(3, 8), true, t(3, 8), "newer token"),
                Arguments.of(t(3, 7), t(4, 7), true, t(4, 7), "newer token"),
                // A new leader that has not yet read the latest epoch is still the leader.
                Arguments.of(t(3, 9), t(4, 8), true, t(4, 8), "newer token"),
                Arguments.of(t(4, 7), t(3, 9), false, t(4, 7), "no longer the leader"),
                Arguments.of(t(4, 8), t(4, 7), false, t(4, 8), "same term"));
    }

    @ParameterizedTest(name = "highest {0}, request {1}: admitted={2}")
    @MethodSource("rows")
    void admits(FencingToken highest, FencingToken request, boolean admitted, FencingToken after, String reason) {
        FencingGate.Admission a = FencingGate.admit(highest, request);
        assertEquals(admitted, a.admitted(), a.reason());
        assertEquals(after.term(), a.highest().term());
        assertEquals(after.epoch(), a.highest().epoch());
        assertTrue(a.reason().contains(reason), a.reason());
    }

    @org.junit.jupiter.api.Test
    void anEpochReadFromTheQuorumRaisesTheBarWithinTheTerm() {
        assertEquals(9, FencingGate.seenEpoch(t(3, 7), 9).epoch());
        assertEquals(3, FencingGate.seenEpoch(t(3, 7), 9).term());
        assertEquals(7, FencingGate.seenEpoch(t(3, 7), 5).epoch());
        assertEquals(null, FencingGate.seenEpoch(null, 5));
    }
}

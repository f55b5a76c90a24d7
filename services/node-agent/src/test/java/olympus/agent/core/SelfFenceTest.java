package olympus.agent.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static olympus.agent.core.HostRole.DOWN;
import static olympus.agent.core.HostRole.FENCED_PRIMARY;
import static olympus.agent.core.HostRole.REPLICA;
import static olympus.agent.core.HostRole.WRITABLE_PRIMARY;
import static olympus.agent.core.SelfFence.Action.FENCE;
import static olympus.agent.core.SelfFence.Action.LIFT;
import static olympus.agent.core.SelfFence.Action.NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per reason the agent gives for what it does to its own primary. */
class SelfFenceTest {
    static final long F = 3000;

    static Stream<Arguments> rows() {
        return Stream.of(
                // role, since quorum, self-fenced, topology primary, operation, operation target, action, reason contains
                Arguments.of(WRITABLE_PRIMARY, 400L, false, "us-east", false, null, NONE, "primary with the control quorum"),
                Arguments.of(WRITABLE_PRIMARY, 3000L, false, null, false, null, FENCE, "no control quorum for 3000 ms"),
                Arguments.of(WRITABLE_PRIMARY, 9000L, false, "us-east", false, null, FENCE, "no control quorum"),
                Arguments.of(WRITABLE_PRIMARY, 400L, false, "eu-west", false, null, FENCE, "names eu-west the primary"),
                Arguments.of(WRITABLE_PRIMARY, 400L, false, "eu-west", true, "eu-west", FENCE, "partial partition"),
                Arguments.of(WRITABLE_PRIMARY, 400L, false, "eu-west", true, "us-east", NONE, "primary with the control quorum"),
                Arguments.of(FENCED_PRIMARY, 400L, false, "us-east", false, null, NONE, "coordinator's decision"),
                Arguments.of(REPLICA, 9000L, false, null, false, null, NONE, "not a primary (REPLICA)"),
                Arguments.of(DOWN, 9000L, false, null, false, null, NONE, "not a primary (DOWN)"),
                Arguments.of(REPLICA, 400L, true, "eu-west", false, null, NONE, "nothing to lift"),
                Arguments.of(FENCED_PRIMARY, 5000L, true, null, false, null, NONE, "still out of reach"),
                Arguments.of(FENCED_PRIMARY, 400L, true, null, false, null, NONE, "still out of reach"),
                Arguments.of(FENCED_PRIMARY, 400L, true, "eu-west", false, null, NONE, "stays until this node is rejoined"),
                Arguments.of(FENCED_PRIMARY, 400L, true, "us-east", true, "eu-west", NONE, "coordinator decides"),
                Arguments.of(FENCED_PRIMARY, 400L, true, "us-east", false, null, LIFT, "lifting the self-fence"));
    }

    @ParameterizedTest(name = "{0} quorum {1} ms fenced={2} topology={3} op={4}->{5}: {6}")
    @MethodSource("rows")
    void decides(HostRole role, long since, boolean selfFenced, String primary, boolean op, String opTo,
                 SelfFence.Action action, String reason) {
        SelfFence.Decision d = SelfFence.decide(new SelfFence.Input("us-east", role, since, F, selfFenced, primary, op, opTo));
        assertEquals(action, d.action(), d.reason());
        assertTrue(d.reason().contains(reason), d.reason());
    }

    /** A reading from before this host became writable may predate its promotion: it does not fence it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "true,  false, NONE,  just became a writable primary",
            "false, false, FENCE, names eu-west the primary",
            "true,  true,  FENCE, no control quorum",
    })
    void aStaleSightingDoesNotFenceAFreshPrimary(boolean stale, boolean noQuorum, SelfFence.Action action, String reason) {
        SelfFence.Decision d = SelfFence.decide(new SelfFence.Input("us-east", WRITABLE_PRIMARY, noQuorum ? 9000L : 400L, F, false,
                "eu-west", false, null, stale));
        assertEquals(action, d.action(), d.reason());
        assertTrue(d.reason().contains(reason), d.reason());
    }
}

package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a new leader does with an operation its predecessor left: decided on the databases' state. */
class RecoveryTest {
    static NodeStatus node(String region, String s) {
        return switch (s) {
            case "primary" -> new NodeStatus(region, true, false, false, 100L, null, null);
            case "fenced" -> new NodeStatus(region, true, false, true, 100L, null, null);
            case "replica" -> new NodeStatus(region, true, true, false, 100L, 100L, null);
            default -> NodeStatus.unreachable(region, "down");
        };
    }

    @ParameterizedTest(name = "{0} at {1}: from {2}, to {3} -> {4}")
    @CsvSource({
            "switchover, fence,   fenced,  replica, ROLL_BACK,     rolling back to us-east",
            "switchover, promote, down,    replica, ROLL_BACK,     rolling back",
            "switchover, promote, down,    primary, FINISH,        already promoted",
            "switchover, repoint, down,    primary, FINISH,        finishing forward",
            "failover,   fence,   down,    replica, ROLL_BACK,     abandoning",
            "failover,   repoint, down,    primary, FINISH,        finishing forward",
            "migrate,    apply,   primary, primary, RESUME_WRITES, reopening writes",
            "pause,      pause,   primary, primary, RESUME_WRITES, reopening writes",
    })
    void decide(String verb, String stage, String from, String to, Recovery.Action action, String reason) {
        Operation op = new Operation("op1", verb, "us-east", "eu-west", stage, "coordinator-x", 3, 1, "2026-01-01T00:00:00Z", "nats:sre");
        Recovery.Decision d = Recovery.decide(op, node("us-east", from), node("eu-west", to));
        assertEquals(action, d.action(), d.reason());
        assertTrue(d.reason().contains(reason), d.reason());
    }

    @org.junit.jupiter.api.Test
    void nothingToRecover() {
        assertEquals(Recovery.Action.NONE, Recovery.decide(null, null, null).action());
    }
}

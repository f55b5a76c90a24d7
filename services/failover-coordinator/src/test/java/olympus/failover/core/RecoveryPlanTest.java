package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a leader drives an operation left unfinished to its end: one row per decision, re-check and failure. */
class RecoveryPlanTest {
    @ParameterizedTest(name = "{0} {1}, kv primary {2}, failing [{4}], promoted meanwhile [{5}] -> {7}")
    @CsvSource({
            // verb,    action,        kv primary, from primary, failing,          promoted meanwhile, steps,                                                                                           outcome,     reason
            "switchover, FINISH,        us-east,   false,        '',               '',                 'PUBLISH_PRIMARY REPOINT_POOLS_ONLY FOLLOW RESUME_POOLS OPEN_WRITES REJOIN UPDATE_MEMBERS END_OPERATION', DONE, 'finishing forward'",
            "switchover, FINISH,        eu-west,   false,        '',               '',                 'REPOINT_POOLS_ONLY FOLLOW RESUME_POOLS OPEN_WRITES REJOIN UPDATE_MEMBERS END_OPERATION',                 DONE, 'finishing forward'",
            "failover,   FINISH,        eu-west,   false,        '',               '',                 'REPOINT_POOLS_ONLY FOLLOW RESUME_POOLS OPEN_WRITES END_OPERATION',                                       DONE, 'finishing forward'",
            "switchover, ROLL_BACK,     us-east,   true,         '',               '',                 'RECHECK_CANDIDATE RESTART UNFENCE RESUME_POOLS OPEN_WRITES END_OPERATION',                               ROLLED_BACK, 'rolling back to us-east'",
            "switchover, ROLL_BACK,     us-east,   true,         '',               RECHECK_CANDIDATE,  'RECHECK_CANDIDATE PUBLISH_PRIMARY REPOINT_POOLS_ONLY FOLLOW RESUME_POOLS OPEN_WRITES REJOIN UPDATE_MEMBERS END_OPERATION', DONE, 'was promoted after all'",
            "failover,   ROLL_BACK,     us-east,   true,         '',               '',                 'RECHECK_CANDIDATE UNFENCE RESUME_POOLS OPEN_WRITES END_OPERATION',                                       ROLLED_BACK, 'abandoning'",
            "failover,   ROLL_BACK,     us-east,   false,        '',               '',                 'RECHECK_CANDIDATE RESUME_POOLS OPEN_WRITES END_OPERATION',                                               ROLLED_BACK, 'abandoning'",
            "migrate,    RESUME_WRITES, us-east,   true,         '',               '',                 'RESUME_POOLS OPEN_WRITES END_OPERATION',                                                                 DONE, 'writes open: '",
            "switchover, FINISH,        eu-west,   false,        FOLLOW,           '',                 'REPOINT_POOLS_ONLY FOLLOW',                                                                              FAILED, 'failed (FOLLOW broke); the operation stays recorded and is tried again'",
            "switchover, ROLL_BACK,     us-east,   true,         RECHECK_CANDIDATE, '',                'RECHECK_CANDIDATE',                                                                                      FAILED, 'RECHECK_CANDIDATE broke'",
            "failover,   ROLL_BACK,     us-east,   false,        RESUME_POOLS,     '',                 'RECHECK_CANDIDATE RESUME_POOLS',                                                                         FAILED, 'is tried again'",
    })
    void recover(String verb, Recovery.Action action, String kvPrimary, boolean fromIsPrimary, String failing, String promoted, String steps,
                 String outcome, String reason) {
        Operation op = new Operation("op1", verb, "us-east", "eu-west", "promote", "coordinator-x", 3, 1, "2026-01-01T00:00:00Z", "nats:sre");
        Recovery.Decision d = switch (action) {
            case FINISH -> new Recovery.Decision(action, verb + " op1 interrupted at promote: eu-west is already promoted, finishing forward");
            case ROLL_BACK -> new Recovery.Decision(action, verb.equals("failover") ? "failover op1 interrupted: abandoning it"
                    : "switchover op1 interrupted at promote: rolling back to us-east");
            default -> new Recovery.Decision(action, "migrate op1 was interrupted: reopening writes");
        };
        RecoveryPlan plan = new RecoveryPlan(op, d, kvPrimary, fromIsPrimary, List.of("us-east", "eu-west", "ap-south"), Flows.T);
        Flows.Walk w = Flows.walk(plan, Flows.set(failing), Flows.set(promoted));
        assertEquals(steps, w.order());
        assertEquals(outcome, w.end().outcome(), w.end().reason());
        assertTrue(w.end().reason().contains(reason), w.end().reason());
    }
}

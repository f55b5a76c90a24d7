package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pause, resume, migrate and rejoin: the steps, and where writes end up after each failure. */
class WritesPlanTest {
    static Flow.Plan plan(String verb) {
        List<String> regions = List.of("us-east", "eu-west", "ap-south");
        return switch (verb) {
            case "rejoin" -> new RejoinPlan("us-east", "eu-west", Flows.T);
            case "pause" -> new WritesPlan(Verb.PAUSE, "us-east", regions, "until 12:00 (vacuum)", Flows.T);
            case "resume" -> new WritesPlan(Verb.RESUME, "us-east", regions, "resumed by nats:alice", Flows.T);
            default -> new WritesPlan(Verb.MIGRATE, "us-east", regions, null, Flows.T);
        };
    }

    @ParameterizedTest(name = "{0}, failing [{1}] -> {3}")
    @CsvSource({
            // verb,  failing,        steps,                                                                        outcome,     reason
            "pause,   '',             'PAUSE_WRITES PAUSE_POOLS',                                                   DONE,        'writes paused until 12:00 (vacuum)'",
            "pause,   PAUSE_WRITES,   'PAUSE_WRITES',                                                               FAILED,      'PAUSE_WRITES broke'",
            "pause,   PAUSE_POOLS,    'PAUSE_WRITES PAUSE_POOLS RESUME_POOLS OPEN_WRITES',                          ROLLED_BACK, 'could not pause every pooler (PAUSE_POOLS broke); writes reopened'",
            "pause,   'PAUSE_POOLS OPEN_WRITES', 'PAUSE_WRITES PAUSE_POOLS RESUME_POOLS OPEN_WRITES',             FAILED,      'nor reopen writes (OPEN_WRITES (OPEN_WRITES broke) failed): run olympusctl resume'",
            "resume,  '',             'RESUME_POOLS OPEN_WRITES',                                                   DONE,        'writes open: resumed by nats:alice'",
            "resume,  RESUME_POOLS,   'RESUME_POOLS',                                                               FAILED,      'RESUME_POOLS broke'",
            "migrate, '',             'PAUSE_WRITES PAUSE_POOLS APPLY AWAIT_REPLAY RESUME_POOLS OPEN_WRITES END_OPERATION', DONE, 'migration applied on us-east and replayed by [eu-west, ap-south]'",
            "migrate, APPLY,          'PAUSE_WRITES PAUSE_POOLS APPLY RESUME_POOLS OPEN_WRITES END_OPERATION',      FAILED,      'APPLY broke; writes reopened'",
            "migrate, AWAIT_REPLAY,   'PAUSE_WRITES PAUSE_POOLS APPLY AWAIT_REPLAY RESUME_POOLS OPEN_WRITES END_OPERATION', FAILED, 'AWAIT_REPLAY broke (the migration was applied on us-east'",
            // writes not reopened: the operation stays recorded (no END_OPERATION) and the leader's recovery reopens them
            "migrate, 'PAUSE_POOLS RESUME_POOLS', 'PAUSE_WRITES PAUSE_POOLS RESUME_POOLS OPEN_WRITES', FAILED, 'PAUSE_POOLS broke; writes are still PAUSED, RESUME_POOLS (RESUME_POOLS broke) failed: the operation stays recorded'",
            "migrate, 'AWAIT_REPLAY OPEN_WRITES', 'PAUSE_WRITES PAUSE_POOLS APPLY AWAIT_REPLAY RESUME_POOLS OPEN_WRITES', FAILED, 'AWAIT_REPLAY broke (the migration was applied on us-east at 0/4000000); writes are still PAUSED, OPEN_WRITES (OPEN_WRITES broke) failed'",
            "rejoin,  '',             'REJOIN REPOINT_POOLS UPDATE_MEMBERS',                                        DONE,        'us-east: clean stop, no rewind needed'",
            "rejoin,  REJOIN,         'REJOIN',                                                                     FAILED,      'REJOIN broke'",
    })
    void steps(String verb, String failing, String steps, String outcome, String reason) {
        Flows.Walk w = Flows.walk(plan(verb), Flows.set(failing), Set.of());
        assertEquals(steps, w.order());
        assertEquals(outcome, w.end().outcome(), w.end().reason());
        assertTrue(w.end().reason().contains(reason), w.end().reason());
    }
}

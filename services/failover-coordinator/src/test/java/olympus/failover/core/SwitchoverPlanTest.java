package olympus.failover.core;

import olympus.failover.core.Flow.Action;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The switchover's step order, and what each failure leads to: one row per step that can fail. */
class SwitchoverPlanTest {
    static final String FORWARD = "PAUSE_WRITES PAUSE_POOLS FENCE STOP AWAIT_REPLAY PROMOTE PUBLISH_PRIMARY START_FOLLOW REPOINT_POOLS "
            + "AWAIT_FOLLOW OPEN_WRITES REJOIN UPDATE_MEMBERS END_OPERATION CHECK_FOLLOWERS";
    static final String ROLLBACK = "RESTART UNFENCE RESUME_POOLS OPEN_WRITES END_OPERATION";

    static SwitchoverPlan plan() {
        return new SwitchoverPlan("us-east", "eu-west", List.of("us-east", "eu-west", "ap-south"), Flows.T);
    }

    /** The forward steps up to and including {@code last}. */
    static String upTo(String last) {
        String[] all = FORWARD.split(" ");
        StringBuilder b = new StringBuilder();
        for (String a : all) {
            b.append(b.isEmpty() ? "" : " ").append(a);
            if (a.equals(last)) {
                break;
            }
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0} fails -> {3}")
    @CsvSource({
            // failing,                 forward up to,   then,          outcome,      reason
            "'',                        CHECK_FOLLOWERS, '',            DONE,         'primary is eu-west (epoch 8); us-east: clean stop, no rewind needed'",
            "PAUSE_WRITES,              PAUSE_WRITES,    ROLLBACK,      ROLLED_BACK,  'switchover failed before promotion (PAUSE_WRITES broke); rolled back: us-east stays primary'",
            "PAUSE_POOLS,               PAUSE_POOLS,     ROLLBACK,      ROLLED_BACK,  'before promotion (PAUSE_POOLS broke)'",
            "FENCE,                     FENCE,           ROLLBACK,      ROLLED_BACK,  'before promotion (FENCE broke)'",
            "STOP,                      STOP,            ROLLBACK,      ROLLED_BACK,  'before promotion (STOP broke)'",
            "AWAIT_REPLAY,              AWAIT_REPLAY,    ROLLBACK,      ROLLED_BACK,  'before promotion (AWAIT_REPLAY broke)'",
            "PROMOTE,                   PROMOTE,         ROLLBACK,      ROLLED_BACK,  'before promotion (PROMOTE broke)'",
            // a rollback left half done stays recorded (no END_OPERATION): the leader's recovery retries it
            "STOP RESTART UNFENCE,      STOP,            'RESTART UNFENCE RESUME_POOLS OPEN_WRITES', FAILED, 'before promotion (STOP broke); the rollback is not complete, RESTART (RESTART broke), UNFENCE (UNFENCE broke) failed: the operation stays recorded and the leader retries the rollback'",
            "FENCE OPEN_WRITES,         FENCE,           'RESTART UNFENCE RESUME_POOLS OPEN_WRITES', FAILED, 'OPEN_WRITES (OPEN_WRITES broke) failed: the operation stays recorded'",
            "PAUSE_POOLS RESUME_POOLS,  PAUSE_POOLS,     'RESTART UNFENCE RESUME_POOLS OPEN_WRITES', FAILED, 'RESUME_POOLS (RESUME_POOLS broke) failed'",
            "PUBLISH_PRIMARY,           PUBLISH_PRIMARY, '',            FAILED,       'PUBLISH_PRIMARY broke; eu-west is promoted but writes are not open yet: the operation stays recorded'",
            "REPOINT_POOLS,             REPOINT_POOLS,   '',            FAILED,       'REPOINT_POOLS broke; eu-west is promoted but writes are not open yet'",
            "AWAIT_FOLLOW,              AWAIT_FOLLOW,    '',            FAILED,       'AWAIT_FOLLOW broke; eu-west is promoted'",
            "OPEN_WRITES,               OPEN_WRITES,     '',            FAILED,       'OPEN_WRITES broke; eu-west is promoted but writes are not open yet'",
            "REJOIN,                    REJOIN,          END_OPERATION, FAILED,       'primary is eu-west (epoch 8) and writes are open, but REJOIN broke (olympusctl rejoin --to us-east'",
            "UPDATE_MEMBERS,            UPDATE_MEMBERS,  END_OPERATION, FAILED,       'writes are open, but UPDATE_MEMBERS broke'",
            "END_OPERATION,             CHECK_FOLLOWERS, '',            DONE,         'primary is eu-west (epoch 8)'",
            "CHECK_FOLLOWERS,           CHECK_FOLLOWERS, '',            DONE,         'primary is eu-west (epoch 8)'",
    })
    void failures(String failing, String upTo, String then, String outcome, String reason) {
        Flows.Walk w = Flows.walk(plan(), Flows.set(failing), Set.of());
        String tail = then.equals("ROLLBACK") ? ROLLBACK : then;
        assertEquals((upTo(upTo) + " " + tail).trim(), w.order());
        assertEquals(outcome, w.end().outcome(), w.end().reason());
        assertTrue(w.end().reason().contains(reason), w.end().reason());
    }

    @Test
    void stagesAndNamesAsTheSreSeesThem() {
        Flows.Walk w = Flows.walk(plan(), Set.of(), Set.of());
        List<String> stages = w.steps().stream().map(Flow.FlowStep::stage).filter(java.util.Objects::nonNull).toList();
        assertEquals(List.of("pause", "fence", "promote", "repoint", "rejoin"), stages);
        List<String> names = w.steps().stream().map(Flow.FlowStep::name).filter(java.util.Objects::nonNull).toList();
        assertTrue(names.contains("fence old primary us-east"), names.toString());
        assertTrue(names.contains("candidate eu-west replays past final LSN 0/3000060"), names.toString());
        assertTrue(names.contains("writes OPEN in the control KV (epoch 8)"), names.toString());
        assertTrue(names.contains("repoint replicas [ap-south]"), names.toString());
        assertTrue(names.contains("replicas [us-east, ap-south] replay what eu-west writes"), names.toString());
        // every rollback step may fail without stopping the rest of the rollback
        Flows.Walk rb = Flows.walk(plan(), Set.of(Action.STOP), Set.of());
        List<Flow.FlowStep> rollback = rb.steps().subList(4, rb.steps().size());
        assertEquals(ROLLBACK, String.join(" ", rollback.stream().map(s -> s.action().name()).toList()));
        assertTrue(rollback.stream().allMatch(Flow.FlowStep::mayFail), rollback.toString());
    }
}
